"""The neurosim archive: one ``.npz`` holding ``manifest.json`` (UTF-8 JSON stored as a byte
array) and named arrays, written atomically (:func:`nsdurable.atomic_write`).

The layer under records (:mod:`neurosim.records`), results and streams (:mod:`neurosim.io`),
checkpoints (:mod:`neurosim.checkpoint`) and sweeps (:mod:`neurosim.ensemble`); it imports no
other module of neurosim.
"""

from __future__ import annotations

import json
import math
import os
import platform

import numpy as np

from nsdurable import atomic_write

__all__ = ["write_archive", "read_archive", "versions", "FORMAT_VERSION"]

#: Version of the record and results file layout; a reader refuses a newer one.
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"


def _neurosim_version():
    try:
        from importlib.metadata import PackageNotFoundError, version
        try:
            return version("neurosim")
        except PackageNotFoundError:
            pass
    except ImportError:  # pragma: no cover
        pass
    try:  # a source checkout: read the version from pyproject.toml beside the package
        import tomllib
        here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "pyproject.toml")
        with open(here, "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, ValueError, ImportError):
        return "unknown"


def versions():
    """The versions recorded in every manifest: ``{"neurosim", "numpy", "python"}``."""
    return {"neurosim": _neurosim_version(), "numpy": np.__version__,
            "python": platform.python_version()}


def _write_npz(f, arrays):
    """Write ``arrays`` (name -> array) as an uncompressed npz to the open file ``f``."""
    np.savez(f, **arrays)


def write_archive(path, manifest, arrays):
    """Write ``manifest`` (JSON-able dict) and ``arrays`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
    manifest : dict
        Stored as ``manifest.json``; ``versions()`` is added under ``"versions"``.
    arrays : dict of str -> numpy.ndarray
    """
    manifest = dict(manifest)
    manifest.setdefault("versions", versions())
    text = json.dumps(manifest, sort_keys=True, allow_nan=False)
    payload = {_MANIFEST: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    for name, arr in arrays.items():
        if name == _MANIFEST:
            raise ValueError(f"write_archive: array name {name!r} is reserved")
        payload[name] = np.asarray(arr)
    atomic_write(path, lambda f: _write_npz(f, payload))


def read_archive(path, expected_format, max_version=None):
    """Read ``(manifest, arrays)`` from a file written by :func:`write_archive`.

    ``max_version``: the newest format version of ``expected_format`` this neurosim reads
    (default: :data:`FORMAT_VERSION`, the records' version; checkpoints have their own).

    Raises
    ------
    ValueError
        If the file is not a neurosim archive of ``expected_format``, or has a newer format
        version than this neurosim reads.
    """
    path = os.fspath(path)
    with np.load(path, allow_pickle=False) as data:
        if _MANIFEST not in data.files:
            raise ValueError(f"{path!r} is not a neurosim {expected_format} file (no "
                             f"{_MANIFEST} inside)")
        manifest = json.loads(bytes(data[_MANIFEST]).decode("utf-8"))
        arrays = {k: data[k] for k in data.files if k != _MANIFEST}
    fmt = manifest.get("format")
    if fmt != expected_format:
        raise ValueError(f"{path!r} holds a {fmt!r}, not a {expected_format!r}")
    version = manifest.get("format_version")
    newest = FORMAT_VERSION if max_version is None else max_version
    if not isinstance(version, int) or version > newest:
        raise ValueError(f"{path!r} has format version {version!r}; this neurosim "
                         f"({versions()['neurosim']}) reads up to {newest}")
    return manifest, arrays


def _json_scalar(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        # JSON has no inf/nan: keep them as tagged strings
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot store {value!r} ({type(value).__name__}) in a manifest")


def _from_json_scalar(value):
    if isinstance(value, dict) and set(value) == {"float"}:
        return float(value["float"])
    return value

