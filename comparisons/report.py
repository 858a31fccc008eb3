"""Run comparisons and write the report: one PNG and one JSON per comparison, and index.html."""

from __future__ import annotations

import html
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import import_module

from nsdurable import atomic_write

__all__ = ["COMPARISONS", "ComparisonError", "MissingOptionalDependency", "run_report"]

#: name -> module, in report order.
COMPARISONS = {
    "neuron": "comparisons.neuron",
    "propagation": "comparisons.propagation",
    "xor": "comparisons.xor",
    "update_rules": "comparisons.update_rules",
    "conversion": "comparisons.conversion",
    "gradients": "comparisons.gradients",
    "engines": "comparisons.engines",
}


#: How a run in two processes (``jobs=2``, the default of ``python -m comparisons --quick``)
#: splits the comparisons: each tuple runs in one worker process, in report order. gradients
#: reuses the seeded runs that xor and conversion made in the same process
#: (:func:`comparisons.xor.spiking_xor`, :func:`comparisons.conversion.trained_mlp`), so those
#: three share a worker; the other four take about as long (README.md, "The comparison
#: report").
WORKERS = (("xor", "conversion", "gradients"),
           ("neuron", "propagation", "update_rules", "engines"))


class ComparisonError(ValueError):
    """A user mistake in what to run or where to write (reported without a traceback)."""


class MissingOptionalDependency(ImportError):
    """Raised by a comparison that needs an optional engine (e.g. NEST) that is not installed."""


@dataclass
class Outcome:
    name: str
    status: str                  # "ok", "skipped" or "failed"
    seconds: float = 0.0
    message: str = ""
    title: str = ""
    claim: str = ""
    text: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    quick: bool = False
    written: str = ""            # when its files were written, "YYYY-MM-DD HH:MM"
    earlier: bool = False        # read back from an earlier run's files, not run now
    environment: dict = field(default_factory=dict)   # what produced it (environment())


#: Packages whose versions a report states (distribution names).
VERSIONED = ("neurosim", "numpy", "numba", "brian2", "nest-simulator", "scikit-learn", "matplotlib")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        r = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"], capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def environment() -> dict:
    """What produced a report: machine, Python, the versions of :data:`VERSIONED` ("not
    installed" for a missing one) and the checkout's git commit where there is one ("-dirty"
    when files differ from it)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return {"machine": f"{_cpu_model()}, {os.cpu_count()} logical CPUs, "
                       f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "versions": versions, "commit": _git_commit()}


def environment_text(env: dict) -> str:
    """One line saying what ``environment()`` found."""
    if not env:
        return "environment not recorded"
    versions = ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items())
    commit = f"; commit {env['commit']}" if env.get("commit") else ""
    return f"{env.get('machine', '?')}; Python {env.get('python', '?')}, {versions}{commit}"


def resolve(names) -> list[str]:
    """Check the requested comparison names (all when empty), keeping report order."""
    if not names:
        return list(COMPARISONS)
    unknown = [n for n in names if n not in COMPARISONS]
    if unknown:
        raise ComparisonError(f"unknown comparison {', '.join(map(repr, unknown))}; valid names: "
                              f"{', '.join(COMPARISONS)}")
    return [n for n in COMPARISONS if n in names]


def prepare_folder(out) -> str:
    """Create ``out`` if needed and prove it is writable, before any comparison runs."""
    out = os.path.abspath(os.fspath(out))
    try:
        os.makedirs(out, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ComparisonError(f"cannot write the report to {out!r}: {exc.strerror or exc}") from None
    return out


def _write_atomic(path, data: bytes) -> None:
    atomic_write(path, lambda f: f.write(data))


def _save_figure(fig, path) -> None:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    _write_atomic(path, buf.getvalue())


def run_one(name: str, out: str, quick: bool, env: dict | None = None) -> Outcome:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    try:
        module = import_module(COMPARISONS[name])
        data = module.compute(quick=quick)
        fig = module.plot(data)
        _save_figure(fig, os.path.join(out, f"{name}.png"))
        plt.close(fig)
        nums = module.numbers(data)
        outcome = Outcome(name, "ok", title=module.TITLE, claim=module.CLAIM,
                          text=module.describe(data), numbers=nums)
    except MissingOptionalDependency as exc:
        outcome = Outcome(name, "skipped", message=str(exc))
    outcome.seconds = round(time.perf_counter() - t0, 3)
    outcome.quick = quick
    outcome.written = time.strftime("%Y-%m-%d %H:%M")
    outcome.environment = env if env is not None else environment()
    # Title, claim and text are kept too, so a later run of other comparisons into the same
    # folder can still show this section (see earlier_outcomes).
    payload = {"name": name, "status": outcome.status, "quick": quick,
               "seconds": outcome.seconds, "numbers": outcome.numbers,
               "message": outcome.message, "title": outcome.title, "claim": outcome.claim,
               "text": outcome.text, "written": outcome.written,
               "environment": outcome.environment}
    _write_atomic(os.path.join(out, f"{name}.json"),
                  json.dumps(payload, indent=2, sort_keys=True).encode())
    return outcome


def earlier_outcome(name: str, out: str):
    """The outcome of comparison ``name`` as an earlier run left it in ``out``, or ``None``.

    A section counts when its JSON file reads back with status "ok" (and its figure is there)
    or "skipped". JSON files written before the report kept titles and texts give the title
    and claim of the comparison's module and no text.
    """
    try:
        with open(os.path.join(out, f"{name}.json"), encoding="utf-8") as f:
            payload = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("name") != name:
        return None
    status = payload.get("status")
    if status == "ok" and not os.path.isfile(os.path.join(out, f"{name}.png")):
        return None
    if status not in ("ok", "skipped"):
        return None
    title, claim = payload.get("title"), payload.get("claim")
    if status == "ok" and not (title and claim):
        try:
            module = import_module(COMPARISONS[name])
            title, claim = module.TITLE, module.CLAIM
        except Exception:  # an old file of a comparison that no longer imports: show the name
            title, claim = name, ""
    text = payload.get("text")
    env = payload.get("environment")
    return Outcome(name, status, seconds=float(payload.get("seconds") or 0.0),
                   message=str(payload.get("message") or ""), title=title or "",
                   claim=claim or "", text=text if isinstance(text, dict) else {},
                   numbers=payload.get("numbers") or {}, quick=bool(payload.get("quick")),
                   written=str(payload.get("written") or ""), earlier=True,
                   environment=env if isinstance(env, dict) else {})


def write_index(out: str, outcomes: list[Outcome], quick: bool, env: dict | None = None,
                seconds: float | None = None, processes: int = 1) -> str:
    """Write ``out/index.html`` with one section per outcome, in the order given.

    ``quick`` describes this run, ``env`` (:func:`environment`) what ran it and ``seconds``
    how long it took (``processes``: how many ran the comparisons at once); sections from
    earlier runs (``Outcome.earlier``) say when they were
    written, whether they were quick, and what produced them where that differs. Each figure
    links to itself at full size (the page shows it scaled to its width).
    """
    env = environment() if env is None else env
    ran_now = [o for o in outcomes if not o.earlier]
    took = ("" if seconds is None else
            f" This run took {seconds:.1f} s ({', '.join(o.name for o in ran_now)}).")
    if processes > 1 and seconds is not None:
        took += (f" Its comparisons ran {processes} at a time, in {processes} processes: the "
                 "time each section gives is its own wall time, with another comparison "
                 "running beside it.")
    kinds = {o.quick for o in outcomes if o.status == "ok"} or {quick}
    kind = "Quick" if kinds == {True} else "Full" if kinds == {False} else "Partly quick"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>neurosim: artificial and spiking networks side by side</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
        "img{max-width:100%;border:1px solid #ddd}section{margin-bottom:3em}"
        "figure{margin:0}figcaption{font-size:small;color:#555}"
        ".claim{color:#555;font-style:italic}.skip{color:#a60}</style></head><body>",
        "<h1>neurosim: the article's analogies, run and measured</h1>",
        f"<p>{kind} report, written {time.strftime('%Y-%m-%d %H:%M')}.{html.escape(took)} "
        "Blue is the artificial family (MLPs), red the spiking family; black and grey are "
        "references. Each figure's numbers are in the JSON file named after it; click a "
        "figure to see it at full size.</p>",
        f"<p><small>Produced on: {html.escape(environment_text(env))}.</small></p>",
        "<ul>" + "".join(f"<li><a href='#{o.name}'>{html.escape(o.title or o.name)}</a>"
                         + ("" if o.status == "ok" else f" ({o.status})") + "</li>"
                         for o in outcomes) + "</ul>",
    ]
    for o in outcomes:
        parts.append(f"<section id='{o.name}'>")
        if o.status == "ok":
            parts.append(f"<h2>{html.escape(o.title)}</h2>")
            parts.append(f"<p class='claim'>The article's claim: {html.escape(o.claim)}</p>")
            parts.append(f"<figure><a href='{o.name}.png'><img src='{o.name}.png' "
                         f"alt='{html.escape(o.title)}'></a><figcaption>Click the figure for "
                         "full size.</figcaption></figure>")
            for key, label in (("shows", "What it shows"), ("measured", "What was measured"),
                               ("verdict", "Verdict")):
                if key in o.text:
                    parts.append(f"<p><b>{label}.</b> {html.escape(o.text[key])}</p>")
            when = ""
            if o.earlier:
                when = (f" in an earlier {'quick ' if o.quick else ''}run"
                        + (f" ({o.written})" if o.written else ""))
            elif o.quick:
                when = (" in a quick run (a smaller version for a first look: fewer seeds, "
                        "points or epochs; run without --quick for the full one)")
            produced = ""
            if o.earlier and o.environment != env:
                produced = f" Produced on: {environment_text(o.environment)}."
            parts.append(f"<p><small>Numbers: <a href='{o.name}.json'>{o.name}.json</a>; "
                         f"computed in {o.seconds:.1f} s{html.escape(when)}."
                         f"{html.escape(produced)}</small></p>")
        else:
            parts.append(f"<h2>{html.escape(o.name)}</h2><p class='skip'>{o.status}: "
                         f"{html.escape(o.message)}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    path = os.path.join(out, "index.html")
    _write_atomic(path, "\n".join(parts).encode())
    return path


def _run_safely(name: str, out: str, quick: bool, env: dict) -> Outcome:
    """:func:`run_one`, with a bug in the comparison turned into a "failed" outcome (its
    traceback on stderr) so that it does not lose the others."""
    try:
        return run_one(name, out, quick, env)
    except Exception as exc:
        import traceback

        traceback.print_exc(file=sys.stderr)
        return Outcome(name, "failed", message=f"{type(exc).__name__}: {exc}")


def _worker(names, out, quick, env, conn) -> None:
    """Body of one worker process of :func:`_run_parallel`: runs ``names`` in order and sends
    each start and outcome through ``conn`` (a pipe: each message is written before the next
    comparison starts, so a worker that dies later has still reported it)."""
    # Two workers share two cores: a BLAS product on two threads would only wait for the
    # other worker's core (the results do not depend on the thread count).
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    try:
        for name in names:
            conn.send(("start", name))
            conn.send(("done", _run_safely(name, out, quick, env)))
    except KeyboardInterrupt:  # Ctrl-C reaches every process; the parent reports it
        sys.exit(130)
    finally:
        conn.close()


def can_run_parallel() -> bool:
    """Whether worker processes can be forked here (POSIX). Forked workers start at once and
    inherit the parent's state; a platform without fork runs the comparisons one at a time."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _run_parallel(selected, out, quick, env, on_start, on_done) -> dict:
    """Run ``selected`` in the worker processes of :data:`WORKERS` at once; ``on_start(name)``
    and ``on_done(outcome)`` are called here, in the parent, as the workers report. A worker
    that ends without reporting all its comparisons (killed, or crashed in native code) leaves
    them "failed"; the others finish."""
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    plan = [[n for n in group if n in selected] for group in WORKERS]
    plan[-1] += [n for n in selected if not any(n in group for group in WORKERS)]  # unplanned
    workers = {}                               # read end of its pipe -> (process, names)
    results = {}
    try:
        for group in filter(None, plan):
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(group, out, quick, env, writer),
                               daemon=True)
            proc.start()
            writer.close()                     # the worker holds the write end now
            workers[reader] = (proc, group)
        while workers:
            for reader in wait(list(workers)):
                try:
                    kind, payload = reader.recv()
                except EOFError:               # the worker ended: everything it sent is read
                    proc, group = workers.pop(reader)
                    proc.join()
                    for name in group:
                        if name not in results:
                            results[name] = Outcome(
                                name, "failed", message=f"its worker process ended (exit "
                                                        f"code {proc.exitcode}) before it finished")
                            on_done(results[name])
                    continue
                if kind == "start":
                    on_start(payload)
                else:
                    results[payload.name] = payload
                    on_done(payload)
    finally:
        for proc, _ in workers.values():
            proc.terminate()
            proc.join()
    return results


def run_report(names=None, out="report", quick=False, log=print, jobs=1) -> list[Outcome]:
    """Run the named comparisons (all by default) into ``out``; returns their outcomes.

    The index links every section ``out`` holds, not only those run now: a comparison not run
    this time whose files an earlier run left in ``out`` stays in the page, marked with when
    it was computed (``python -m comparisons conversion`` updates one section of a report).
    The outcomes returned are only those run now, in report order.

    ``jobs=2`` runs the comparisons in two worker processes at once (split as
    :data:`WORKERS` says; where processes cannot be forked, or only one comparison is asked
    for, they run one at a time). The files are the same; the progress lines come as the
    comparisons start and end, so those of the two workers interleave.
    """
    if jobs not in (1, 2):
        raise ComparisonError(f"jobs must be 1 or 2, got {jobs!r}")
    t_start = time.perf_counter()
    selected = resolve(names)
    out = prepare_folder(out)
    env = environment()
    position = {name: i for i, name in enumerate(selected, 1)}
    n = len(selected)

    def on_start(name):
        before = earlier_outcome(name, out)
        hint = (f" (took {before.seconds:.0f} s last time)"
                if before is not None and before.status == "ok" and before.quick == quick else "")
        log(f"[{position[name]}/{n} {name}] running{' (quick)' if quick else ''}{hint} ...")

    def on_done(o):
        elapsed = time.perf_counter() - t_start
        if o.status == "ok":
            log(f"[{position[o.name]}/{n} {o.name}] done in {o.seconds:.1f} s -> {o.name}.png, "
                f"{o.name}.json ({elapsed:.0f} s so far)")
        else:
            log(f"[{position[o.name]}/{n} {o.name}] {o.status}: {o.message}")

    parallel = jobs > 1 and n > 1 and can_run_parallel()
    if parallel:
        ran = _run_parallel(selected, out, quick, env, on_start, on_done)
    else:
        ran = {}
        for name in selected:
            on_start(name)
            ran[name] = _run_safely(name, out, quick, env)
            on_done(ran[name])
    outcomes = [ran[name] for name in selected]
    sections, kept = [], []
    for name in COMPARISONS:  # report order
        if name in ran:
            sections.append(ran[name])
        else:
            o = earlier_outcome(name, out)
            if o is not None:
                sections.append(o)
                kept.append(name)
    index = write_index(out, sections, quick, env, time.perf_counter() - t_start,
                        processes=2 if parallel else 1)
    log(f"report: {index}" + (f" (also linking earlier results: {', '.join(kept)})"
                               if kept else ""))
    return outcomes
