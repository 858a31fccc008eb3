"""Ensembles: one simulation function run over seeds and a parameter grid on ``dask.distributed``.

:func:`sweep` calls ``fn(seed=seed, **params)`` once for every point of the grid and every
seed, on a dask cluster (a :class:`~dask.distributed.LocalCluster` of worker processes by
default, or any scheduler address), and gathers what the runs return into one
:class:`pandas.DataFrame`, one row per run, in grid order whatever order the runs finish in.

- **Results.** ``fn`` returns a dict. Numbers, strings and bools become columns of the table;
  numpy arrays and neurosim records (:class:`~neurosim.SpikeRecord`, ...) are kept in the run's
  file only (:func:`load_run`).
- **Files and resuming.** With ``out=folder`` each finished run is written at once, atomically
  (:func:`nsdurable.atomic_write`, through :func:`neurosim.archive.write_archive`), as
  ``folder/run-<key>.npz``, where the key is a hash of the function's name, the parameters and
  the seed. A later sweep with the same folder loads those runs instead of running them again,
  so a sweep that was interrupted (Ctrl-C, a crash, a lost cluster) resumes where it stopped.
  The key does not see the function's code: after changing what ``fn`` computes, use a new
  folder. The table is also written as ``folder/table.csv`` at the end.
- **Failures.** A run that raises is reported in its row (``status="error"``, ``error``,
  ``traceback``) with its parameters and seed; the other runs go on, and the end of the sweep
  warns with the list of failed runs. Failed runs are not saved, so the next sweep runs them
  again.
- **Checks before any run.** ``fn`` must be picklable (dask sends it to the workers with
  cloudpickle) and loadable on the workers, and accept ``seed`` and every parameter name;
  grid values must be numbers, strings or bools; seeds distinct integers >= 0.

Each run uses only its own seed, so the table is bitwise what a serial loop over the same
seeds and parameters returns.

Needs the ``ensemble`` extra: ``pip install -e ".[ensemble]"``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import json
import math
import numbers
import os
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _checks
from .archive import FORMAT_VERSION, _json_scalar, read_archive, write_archive
from .records import _KIND_OF, _record_from_parts, _record_parts

__all__ = ["sweep", "load_run", "run_key"]

_FORMAT = "neurosim.ensemble_run"
#: Columns the table adds to the parameters and the results; neither may use these names.
RESERVED = ("seed", "status", "error", "traceback", "resumed", "seconds", "file")


def _need_dask():
    try:
        import cloudpickle  # noqa: F401  (dask's own serializer)
        import dask.distributed  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"sweep needs dask.distributed and pandas ({exc}); install them with "
                          f"pip install -e \".[ensemble]\"") from None


def _function_name(fn):
    """``module.qualname``; a :func:`functools.partial` adds its bound arguments, so that a
    sweep of the same function with other fixed arguments gets other run files."""
    if isinstance(fn, functools.partial):
        bound = [repr(a) for a in fn.args] + [f"{k}={v!r}" for k, v in sorted(fn.keywords.items())]
        return f"{_function_name(fn.func)}({', '.join(bound)})"
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def run_key(fn_name, params, seed):
    """The name of a run's file without ``run-`` and ``.npz``: 16 hex digits of the SHA-256 of
    the function's name, the parameters and the seed (as sorted JSON)."""
    text = json.dumps({"fn": fn_name, "params": {k: _json_scalar(v) for k, v in params.items()},
                       "seed": int(seed)}, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _grid_points(grid):
    if grid is None:
        return [], [{}]
    if not isinstance(grid, dict):
        raise TypeError(f"sweep: grid must be a dict of parameter name -> list of values, got "
                        f"{type(grid).__name__}")
    names = list(grid)
    values = []
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"sweep: grid keys must be parameter names, got {name!r}")
        if name in RESERVED:
            raise ValueError(f"sweep: grid parameter {name!r} clashes with a column of the table "
                             f"(reserved: {', '.join(RESERVED)})")
        vals = grid[name]
        if isinstance(vals, (str, bytes)) or not hasattr(vals, "__iter__"):
            raise TypeError(f"sweep: grid[{name!r}] must be a list of values, got {vals!r}")
        vals = list(vals.tolist() if isinstance(vals, np.ndarray) else vals)
        if not vals:
            raise ValueError(f"sweep: grid[{name!r}] must hold at least one value, got []")
        for v in vals:
            ok = isinstance(v, (str, bool, np.bool_)) or (
                isinstance(v, (numbers.Real, np.integer, np.floating))
                and math.isfinite(float(v)))
            if not ok:
                raise TypeError(f"sweep: grid[{name!r}] values must be finite numbers, strings or "
                                f"bools (they are stored in the run files), got {v!r}")
        if len({json.dumps(_json_scalar(v)) for v in vals}) != len(vals):
            raise ValueError(f"sweep: grid[{name!r}] holds a value twice: {vals!r}")
        values.append(vals)
    return names, [dict(zip(names, combo)) for combo in itertools.product(*values)]


def _check_seeds(seeds):
    if isinstance(seeds, (numbers.Integral, np.integer)):
        seeds = [seeds]
    seeds = [_checks.count("sweep", f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("sweep: seeds must hold at least one seed, got []")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"sweep: seeds must be distinct, got {seeds!r}")
    return seeds


def _check_function(fn, names):
    import cloudpickle

    if not callable(fn):
        raise TypeError(f"sweep: fn must be callable, got {fn!r}")
    try:
        payload = cloudpickle.dumps(fn)
    except Exception as exc:
        raise TypeError(f"sweep: fn {_function_name(fn)} cannot be pickled, so it cannot be sent "
                        f"to the workers ({type(exc).__name__}: {exc}); define it at module "
                        f"level, and build simulators, open files and locks inside it") from None
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):       # a builtin or an odd callable: the runs will tell
        return payload
    try:
        sig.bind(seed=0, **dict.fromkeys(names))
    except TypeError as exc:
        raise TypeError(f"sweep: fn {_function_name(fn)}{sig} must accept seed= and the grid's "
                        f"parameters {names}: {exc}") from None
    return payload


def _probe(payload):
    """On a worker: can it load the pickled function? ``None`` if so, else the error."""
    import cloudpickle
    try:
        cloudpickle.loads(payload)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _split(result, names):
    """Scalars (table columns), arrays and records of a result dict; errors name the key."""
    if not isinstance(result, dict):
        raise TypeError(f"sweep: fn must return a dict of results, got {type(result).__name__}")
    scalars, arrays, records = {}, {}, {}
    for key, value in result.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"sweep: result keys must be non-empty strings, got {key!r}")
        if key in RESERVED or key in names:
            raise ValueError(f"sweep: result {key!r} clashes with a column of the table "
                             f"(parameters {names}, reserved {list(RESERVED)})")
        if type(value) in _KIND_OF:
            records[key] = value
        elif isinstance(value, np.ndarray):
            if value.dtype == object:
                raise TypeError(f"sweep: result {key!r} is an object array, which cannot be "
                                f"stored; use a numeric array")
            arrays[key] = value
        elif value is None or isinstance(value, (str, bool, np.bool_, numbers.Real)):
            scalars[key] = value
        else:
            raise TypeError(f"sweep: result {key!r} must be a number, string, bool, None, numpy "
                            f"array or neurosim record, got {type(value).__name__}")
    return scalars, arrays, records


def _run_one(fn, params, seed, names):
    """On a worker: one run, its failure caught and described (never raised)."""
    t0 = time.perf_counter()
    try:
        result = fn(seed=seed, **params)
        _split(result, names)
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - t0}
    return {"ok": True, "result": result, "seconds": time.perf_counter() - t0}


def _save_run(path, fn_name, params, seed, result, seconds, names):
    scalars, arrays, records = _split(result, names)
    stored = {}
    entries = []
    for key, value in arrays.items():
        stored[f"a.{key}"] = value
    for i, (key, record) in enumerate(records.items()):
        entry, arr = _record_parts(record, prefix=f"r{i}.")
        entry["key"] = key
        entries.append(entry)
        stored.update(arr)
    manifest = {"format": _FORMAT, "format_version": FORMAT_VERSION, "function": fn_name,
                "params": {k: _json_scalar(v) for k, v in params.items()}, "seed": int(seed),
                "scalars": {k: None if v is None else _json_scalar(v) for k, v in scalars.items()},
                "arrays": sorted(arrays), "records": entries, "seconds": float(seconds)}
    write_archive(path, manifest, stored)


def load_run(path):
    """Read one run's file written by :func:`sweep`.

    Returns
    -------
    dict
        ``"params"``, ``"seed"``, ``"function"``, ``"seconds"`` and ``"results"``: what ``fn``
        returned (scalars, arrays bitwise equal, records rebuilt).
    """
    path_s = os.fspath(path)
    manifest, arrays = read_archive(path_s, _FORMAT)
    results = {k: v if not isinstance(v, dict) else float(v["float"])
               for k, v in manifest["scalars"].items()}
    for key in manifest["arrays"]:
        results[key] = arrays[f"a.{key}"]
    for i, entry in enumerate(manifest["records"]):
        results[entry["key"]] = _record_from_parts(entry, arrays, f"r{i}.", path_s)
    return {"params": manifest["params"], "seed": manifest["seed"],
            "function": manifest["function"], "seconds": manifest["seconds"],
            "results": results}


def _make_client(client, n_workers):
    from dask.distributed import Client, LocalCluster

    if client is None:
        n = _checks.count("sweep", "n_workers", n_workers, minimum=1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        c = Client(cluster)
        return c, [c, cluster]
    if isinstance(client, str):
        c = Client(client)
        return c, [c]
    if isinstance(client, Client):
        return client, []
    raise TypeError(f"sweep: client must be None (a local cluster), a scheduler address or a "
                    f"dask.distributed.Client, got {client!r}")


def sweep(fn: Callable[..., Mapping[str, Any]], grid: Mapping[str, Sequence[Any]] | None = None,
          seeds: int | Sequence[int] = (0,), *, out: str | os.PathLike[str] | None = None,
          client: Any = None, n_workers: int = 2, progress: bool = True) -> Any:
    """Run ``fn(seed=seed, **params)`` for every grid point and seed on a dask cluster.

    Parameters
    ----------
    fn : callable
        ``fn(seed=..., **params)`` returning a dict: numbers, strings, bools and None become
        columns of the table; numpy arrays and neurosim records are saved in the run's file.
        Must be picklable (a module-level function, or one defined in ``__main__``).
    grid : dict of str -> list, optional
        Parameter values; the runs cover their Cartesian product (in the dict's order, the
        last parameter fastest), each with every seed. ``None``: seeds only.
    seeds : int or list of int
        Distinct seeds, >= 0.
    out : str or os.PathLike, optional
        Folder for the run files (created if missing); runs already saved there are loaded,
        not run. ``None``: nothing is saved and nothing resumed.
    client : None, str or dask.distributed.Client
        ``None`` starts a :class:`~dask.distributed.LocalCluster` of ``n_workers`` processes
        with one thread each and closes it at the end; a string is a scheduler address
        (``"tcp://host:8786"``) to connect to; a ``Client`` is used as it is (and left open).
        On a cluster of several machines, ``out`` is written by this process, so it need not
        be shared.
    n_workers : int
        Workers of the local cluster (with ``client=None``).
    progress : bool
        A progress bar of finished runs (with the count of failed ones).

    Returns
    -------
    pandas.DataFrame
        One row per run in grid order: the parameters, ``seed``, the scalar results,
        ``status`` (``"ok"`` or ``"error"``), ``error`` and ``traceback`` (empty when ok),
        ``resumed`` (loaded from ``out``), ``seconds`` (the run's own time) and ``file``.

    Raises
    ------
    TypeError, ValueError
        Before any run: ``fn`` not picklable or not accepting the parameters, bad grid or
        seeds, a worker that cannot load ``fn``.
    """
    _need_dask()
    import pandas as pd
    from dask.distributed import as_completed

    from nsdurable import progress_bar

    names, points = _grid_points(grid)
    seeds = _check_seeds(seeds)
    payload = _check_function(fn, names)
    fn_name = _function_name(fn)
    runs = [(p, s) for p in points for s in seeds]
    if out is not None:
        out = os.fspath(out)
        os.makedirs(out, exist_ok=True)

    rows = [None] * len(runs)
    todo = []
    for i, (params, seed) in enumerate(runs):
        path = None if out is None else os.path.join(out, f"run-{run_key(fn_name, params, seed)}.npz")
        if path is not None and os.path.exists(path):
            try:
                saved = load_run(path)
            except (OSError, ValueError, KeyError) as exc:
                warnings.warn(f"sweep: {path} cannot be read ({exc}); running that run again",
                              stacklevel=2)
            else:
                if saved["params"] == {k: _json_scalar(v) for k, v in params.items()} \
                        and saved["seed"] == seed and saved["function"] == fn_name:
                    scalars = {k: v for k, v in saved["results"].items()
                               if not isinstance(v, np.ndarray) and type(v) not in _KIND_OF}
                    rows[i] = _row(params, seed, scalars, "ok", "", "", True,
                                   saved["seconds"], path)
                    continue
        todo.append((i, path))

    failed = []
    bar = progress_bar(total=len(runs), initial=len(runs) - len(todo), desc="sweep", unit="run",
                       disable=not progress)
    if todo:
        c, owned = _make_client(client, n_workers)
        futures = {}
        try:
            problem = c.submit(_probe, payload, pure=False).result()
            if problem is not None:
                raise TypeError(f"sweep: the workers cannot load fn {fn_name} ({problem}); "
                                f"its module must be importable on them, or define it in "
                                f"__main__")
            for i, path in todo:
                params, seed = runs[i]
                fut = c.submit(_run_one, fn, params, seed, names, pure=False)
                futures[fut] = (i, path)
            for fut in as_completed(list(futures)):
                i, path = futures.pop(fut)
                params, seed = runs[i]
                try:
                    res = fut.result()
                except Exception as exc:        # the worker died, the task was lost, ...
                    res = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                           "traceback": traceback.format_exc(), "seconds": float("nan")}
                if res["ok"]:
                    if path is not None:
                        _save_run(path, fn_name, params, seed, res["result"], res["seconds"],
                                  names)
                    scalars = _split(res["result"], names)[0]
                    rows[i] = _row(params, seed, scalars, "ok", "", "", False, res["seconds"],
                                   path)
                else:
                    failed.append(i)
                    rows[i] = _row(params, seed, {}, "error", res["error"], res["traceback"],
                                   False, res["seconds"], None)
                bar.update(1)
                if failed:
                    bar.set_postfix(failed=len(failed))
        finally:
            if futures:                         # interrupted: drop what has not finished
                c.cancel(list(futures))
            for obj in owned:
                obj.close()
            bar.close()
    else:
        bar.close()

    table = pd.DataFrame(rows)
    result_cols = [c for c in table.columns if c not in names and c not in RESERVED]
    table = table[names + ["seed"] + result_cols + [c for c in RESERVED if c != "seed"]]
    if out is not None:
        from nsdurable import atomic_write
        text = table.drop(columns=["traceback"]).to_csv(index=False)
        atomic_write(os.path.join(out, "table.csv"), lambda f: f.write(text.encode("utf-8")))
    if failed:
        lines = [f"  {', '.join(f'{k}={v!r}' for k, v in runs[i][0].items())}"
                 f"{', ' if runs[i][0] else ''}seed={runs[i][1]}: {rows[i]['error']}"
                 for i in sorted(failed)]
        warnings.warn(f"sweep: {len(failed)} of {len(runs)} runs failed (status 'error' in the "
                      f"table; a new sweep with the same out= runs them again):\n"
                      + "\n".join(lines), stacklevel=2)
    return table


def _row(params, seed, scalars, status, error, tb, resumed, seconds, path):
    row = dict(params)
    row["seed"] = seed
    row.update(scalars)
    row.update(status=status, error=error, traceback=tb, resumed=resumed,
               seconds=float(seconds), file=path or "")
    return row
