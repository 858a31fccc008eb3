#!/usr/bin/env bash
# Build NEST 3.10.0 with MPI (Open MPI) and OpenMP from its source distribution on Debian or
# Ubuntu, keep the wheel in a cache folder outside the repository, and install it (with mpi4py,
# built against the same MPI) into a virtual environment.
#
# Usage:  scripts/build_nest_mpi.sh VENV [PIP_INSTALL_ARGS...]
#   VENV               the virtual environment to install into; created (python3 -m venv)
#                      when missing. Extra arguments go to one more `pip install` in it, e.g.
#                      -e '.[test]' to install this checkout too.
# Environment:
#   NEUROSIM_WHEEL_CACHE  where wheels are kept and reused
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/neurosim/wheels)
#   NEST_VERSION          (default 3.10.0)
#   PYTHON                the interpreter that creates VENV (default python3)
#
# Idempotent: apt packages already installed are not installed again, a wheel already in the
# cache is installed without building, and the script ends by checking that the installed NEST
# reports have_mpi. The build (about 25 minutes on 2 busy cores) runs under `nice -n 19`.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 VENV [PIP_INSTALL_ARGS...]" >&2
    exit 2
fi
venv=$1
shift
nest_version=${NEST_VERSION:-3.10.0}
cache=${NEUROSIM_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/neurosim/wheels}
python=${PYTHON:-python3}

# 1. System packages: a C++ compiler, CMake, Open MPI, GSL and libltdl.
packages=(build-essential cmake pkg-config libopenmpi-dev openmpi-bin libgsl-dev libltdl-dev)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "build_nest_mpi: installing ${missing[*]}"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. The virtual environment, with what building the wheels needs.
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install --quiet --upgrade pip
"${pip[@]}" install --quiet "scikit-build-core>=0.10" "cython>=3" "numpy>=1.26,<2.4" setuptools wheel

# 3. The wheels, from the cache or built (nice: the build takes every core for a long time).
#    A cached wheel is taken only when pip finds one for this Python (--no-index: never PyPI's
#    NEST wheel, which has no MPI).
mkdir -p "$cache"
from_cache() {
    "${pip[@]}" install --quiet --no-index --no-deps --find-links "$cache" "$1" >/dev/null 2>&1
}
if ! from_cache "nest-simulator==$nest_version"; then
    echo "build_nest_mpi: building nest-simulator $nest_version with MPI into $cache"
    start=$(date +%s)
    nice -n 19 "${pip[@]}" wheel --no-deps --no-build-isolation --wheel-dir "$cache" \
        --no-binary :all: "nest-simulator==$nest_version" \
        -Ccmake.define.with-mpi=ON -Ccmake.define.with-openmp=ON
    echo "build_nest_mpi: nest-simulator built in $(( $(date +%s) - start )) s"
    from_cache "nest-simulator==$nest_version"
fi
if ! from_cache mpi4py; then
    # From source, against the MPI found here (mpicc on the PATH).
    start=$(date +%s)
    nice -n 19 "${pip[@]}" wheel --no-deps --no-build-isolation --wheel-dir "$cache" \
        --no-binary mpi4py mpi4py
    echo "build_nest_mpi: mpi4py built in $(( $(date +%s) - start )) s"
    from_cache mpi4py
fi
# What NEST's Python package needs at run time (already satisfied: pip keeps the MPI build).
"${pip[@]}" install --quiet "nest-simulator==$nest_version"
if [ $# -gt 0 ]; then
    "${pip[@]}" install "$@"
fi

# 4. Check: the installed NEST has MPI.
PYNEST_QUIET=1 "$venv/bin/python" -c '
import nest, sys
if not nest.build_info["have_mpi"]:
    sys.exit("build_nest_mpi: the installed NEST reports have_mpi = False")
print("build_nest_mpi: NEST", nest.__version__, "with MPI in", sys.prefix)
'
