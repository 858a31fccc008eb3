"""Run comparisons and write the report: one PNG and one JSON per comparison, and index.html."""

from __future__ import annotations

import html
import json
import os
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
    "engines": "comparisons.engines",
}


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


def run_one(name: str, out: str, quick: bool) -> Outcome:
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
    # Title, claim and text are kept too, so a later run of other comparisons into the same
    # folder can still show this section (see earlier_outcomes).
    payload = {"name": name, "status": outcome.status, "quick": quick,
               "seconds": outcome.seconds, "numbers": outcome.numbers,
               "message": outcome.message, "title": outcome.title, "claim": outcome.claim,
               "text": outcome.text, "written": outcome.written}
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
    return Outcome(name, status, seconds=float(payload.get("seconds") or 0.0),
                   message=str(payload.get("message") or ""), title=title or "",
                   claim=claim or "", text=text if isinstance(text, dict) else {},
                   numbers=payload.get("numbers") or {}, quick=bool(payload.get("quick")),
                   written=str(payload.get("written") or ""), earlier=True)


def write_index(out: str, outcomes: list[Outcome], quick: bool) -> str:
    """Write ``out/index.html`` with one section per outcome, in the order given.

    ``quick`` describes this run; sections from earlier runs (``Outcome.earlier``) say when
    they were written and whether they were quick.
    """
    kinds = {o.quick for o in outcomes if o.status == "ok"} or {quick}
    kind = "Quick" if kinds == {True} else "Full" if kinds == {False} else "Partly quick"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>neurosim: artificial and spiking networks side by side</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
        "img{max-width:100%;border:1px solid #ddd}section{margin-bottom:3em}"
        ".claim{color:#555;font-style:italic}.skip{color:#a60}</style></head><body>",
        "<h1>neurosim: the article's analogies, run and measured</h1>",
        f"<p>{kind} report, written {time.strftime('%Y-%m-%d %H:%M')}. "
        "Blue is the artificial family (MLPs), red the spiking family; black and grey are "
        "references. Each figure's numbers are in the JSON file named after it.</p>",
        "<ul>" + "".join(f"<li><a href='#{o.name}'>{html.escape(o.title or o.name)}</a>"
                         + ("" if o.status == "ok" else f" ({o.status})") + "</li>"
                         for o in outcomes) + "</ul>",
    ]
    for o in outcomes:
        parts.append(f"<section id='{o.name}'>")
        if o.status == "ok":
            parts.append(f"<h2>{html.escape(o.title)}</h2>")
            parts.append(f"<p class='claim'>The article's claim: {html.escape(o.claim)}</p>")
            parts.append(f"<img src='{o.name}.png' alt='{html.escape(o.title)}'>")
            for key, label in (("shows", "What it shows"), ("measured", "What was measured"),
                               ("verdict", "Verdict")):
                if key in o.text:
                    parts.append(f"<p><b>{label}.</b> {html.escape(o.text[key])}</p>")
            when = ""
            if o.earlier:
                when = (f" in an earlier {'quick ' if o.quick else ''}run"
                        + (f" ({o.written})" if o.written else ""))
            elif o.quick and kind != "Quick":
                when = " (quick)"
            parts.append(f"<p><small>Numbers: <a href='{o.name}.json'>{o.name}.json</a>; "
                         f"computed in {o.seconds:.1f} s{html.escape(when)}.</small></p>")
        else:
            parts.append(f"<h2>{html.escape(o.name)}</h2><p class='skip'>{o.status}: "
                         f"{html.escape(o.message)}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    path = os.path.join(out, "index.html")
    _write_atomic(path, "\n".join(parts).encode())
    return path


def run_report(names=None, out="report", quick=False, log=print) -> list[Outcome]:
    """Run the named comparisons (all by default) into ``out``; returns their outcomes.

    The index links every section ``out`` holds, not only those run now: a comparison not run
    this time whose files an earlier run left in ``out`` stays in the page, marked with when
    it was computed (``python -m comparisons conversion`` updates one section of a report).
    The outcomes returned are only those run now.
    """
    selected = resolve(names)
    out = prepare_folder(out)
    outcomes = []
    for name in selected:
        log(f"[{name}] running{' (quick)' if quick else ''} ...")
        try:
            o = run_one(name, out, quick)
        except Exception as exc:  # a bug in one comparison must not lose the others
            o = Outcome(name, "failed", message=f"{type(exc).__name__}: {exc}")
            import traceback

            traceback.print_exc(file=sys.stderr)
        outcomes.append(o)
        if o.status == "ok":
            log(f"[{name}] done in {o.seconds:.1f} s -> {name}.png, {name}.json")
        else:
            log(f"[{name}] {o.status}: {o.message}")
    ran = {o.name: o for o in outcomes}
    sections, kept = [], []
    for name in COMPARISONS:  # report order
        if name in ran:
            sections.append(ran[name])
        else:
            o = earlier_outcome(name, out)
            if o is not None:
                sections.append(o)
                kept.append(name)
    index = write_index(out, sections, quick)
    log(f"report: {index}" + (f" (also linking earlier results: {', '.join(kept)})"
                               if kept else ""))
    return outcomes
