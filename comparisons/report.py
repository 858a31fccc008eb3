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
    outcome.seconds = time.perf_counter() - t0
    payload = {"name": name, "status": outcome.status, "quick": quick,
               "seconds": round(outcome.seconds, 3), "numbers": outcome.numbers,
               "message": outcome.message}
    _write_atomic(os.path.join(out, f"{name}.json"),
                  json.dumps(payload, indent=2, sort_keys=True).encode())
    return outcome


def write_index(out: str, outcomes: list[Outcome], quick: bool) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>neurosim: artificial and spiking networks side by side</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
        "img{max-width:100%;border:1px solid #ddd}section{margin-bottom:3em}"
        ".claim{color:#555;font-style:italic}.skip{color:#a60}</style></head><body>",
        "<h1>neurosim: the article's analogies, run and measured</h1>",
        f"<p>{'Quick' if quick else 'Full'} report, written {time.strftime('%Y-%m-%d %H:%M')}. "
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
            parts.append(f"<p><small>Numbers: <a href='{o.name}.json'>{o.name}.json</a>; "
                         f"computed in {o.seconds:.1f} s.</small></p>")
        else:
            parts.append(f"<h2>{html.escape(o.name)}</h2><p class='skip'>{o.status}: "
                         f"{html.escape(o.message)}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    path = os.path.join(out, "index.html")
    _write_atomic(path, "\n".join(parts).encode())
    return path


def run_report(names=None, out="report", quick=False, log=print) -> list[Outcome]:
    """Run the named comparisons (all by default) into ``out``; returns their outcomes."""
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
    index = write_index(out, outcomes, quick)
    log(f"report: {index}")
    return outcomes
