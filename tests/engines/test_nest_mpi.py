"""``engine="nest"`` under MPI: ``mpirun -np 2`` gives the records of one process with the same
number of NEST virtual processes (NEST's spikes depend on that number only), and every process
holds all of them (:mod:`neurosim.engines.nest`, "MPI").

Needs ``mpirun`` and a Python whose NEST reports ``build_info["have_mpi"]`` and that has
mpi4py: ``scripts/build_nest_mpi.sh VENV`` makes one; name its interpreter in the environment
variable ``NEUROSIM_MPI_PYTHON`` (default: the interpreter running the tests). Without them the
tests are skipped, saying which is missing, unless ``NEUROSIM_REQUIRE_MPI=1`` (for CI, after
the build script): then they fail. The network (tests/engines/mpi_network.py) runs in
subprocesses, so that the NEST imported by this process (perhaps PyPI's, without MPI) does not
matter.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("mpi_network.py")
POPULATIONS = ("exc", "inh", "src")


def _env():
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYNEST_QUIET="1", OMP_NUM_THREADS="1",
               # Open MPI refuses root and more processes than cores unless told; MPICH
               # ignores these.
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    return env


def _missing(reason):
    if os.environ.get("NEUROSIM_REQUIRE_MPI") == "1":
        pytest.fail(f"NEUROSIM_REQUIRE_MPI=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def mpi():
    """(mpirun, python) when both are usable, else skip naming what is missing."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        _missing("no mpirun on the PATH (Debian: apt-get install openmpi-bin)")
    python = os.environ.get("NEUROSIM_MPI_PYTHON", sys.executable)
    code = "import nest, mpi4py; print('have_mpi', nest.build_info['have_mpi'])"
    r = subprocess.run([python, "-c", code], capture_output=True, text=True, env=_env(),
                       timeout=300)
    if "have_mpi True" not in r.stdout:
        _missing(f"no NEST with MPI and mpi4py in {python} (build one with "
                    f"scripts/build_nest_mpi.sh and set NEUROSIM_MPI_PYTHON): "
                    f"{(r.stdout + r.stderr).strip()[-300:]}")
    return mpirun, python


def _run(cmd, folder):
    folder.mkdir()
    return subprocess.run([*cmd, str(SCRIPT), str(folder), "2"], capture_output=True, text=True,
                          env=_env(), timeout=900, cwd=str(ROOT))


def test_two_processes_give_the_records_of_one_with_two_virtual_processes(mpi, tmp_path):
    mpirun, python = mpi
    one = _run([python], tmp_path / "one")
    assert one.returncode == 0, one.stderr[-3000:]
    two = _run([mpirun, "-np", "2", python], tmp_path / "two")
    assert two.returncode == 0, two.stderr[-3000:]
    ref = np.load(tmp_path / "one" / "rank0.npz")
    ranks = [np.load(tmp_path / "two" / f"rank{r}.npz") for r in (0, 1)]
    assert int(ref["processes"]) == 1 and int(ref["local_neurons"]) == 100
    # NEST really split the network: each process created about half of the neurons
    assert [int(r["processes"]) for r in ranks] == [2, 2]
    local = [int(r["local_neurons"]) for r in ranks]
    assert sum(local) == 100 and max(local) < 100
    assert ref["exc_steps"].size > 200 and ref["inh_steps"].size > 20
    for rank in ranks:  # every process holds the whole records, equal to one process's
        for pop in POPULATIONS:
            np.testing.assert_array_equal(rank[f"{pop}_steps"], ref[f"{pop}_steps"])
            np.testing.assert_array_equal(rank[f"{pop}_neurons"], ref[f"{pop}_neurons"])
        np.testing.assert_array_equal(rank["v_times"], ref["v_times"])
        np.testing.assert_array_equal(rank["v_values"], ref["v_values"])
        np.testing.assert_array_equal(rank["get_v"], ref["get_v"])
        np.testing.assert_array_equal(rank["weights"], ref["weights"])
    assert not np.isnan(ref["v_values"]).any()


def test_virtual_processes_that_do_not_fit_the_processes_are_refused(mpi, tmp_path):
    mpirun, python = mpi
    folder = tmp_path / "three"
    folder.mkdir()
    r = subprocess.run([mpirun, "-np", "2", python, str(SCRIPT), str(folder), "3"],
                       capture_output=True, text=True, env=_env(), timeout=900, cwd=str(ROOT))
    assert r.returncode != 0
    assert ("engine_options['virtual_processes'] = 3 does not fit 2 MPI process(es)"
            in r.stdout + r.stderr), r.stderr[-3000:]
