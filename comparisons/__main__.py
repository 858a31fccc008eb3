"""``python -m comparisons [NAME ...] [--out DIR] [--quick] [--jobs N]``: write the comparison
report."""

from __future__ import annotations

import argparse
import os
import sys

from .report import COMPARISONS, ComparisonError, run_report


def default_jobs(args) -> int:
    """``--jobs``, or its default: 2 for a quick report where there are 2 CPUs or more."""
    if args.jobs is not None:
        return args.jobs
    return 2 if args.quick and (os.cpu_count() or 1) >= 2 else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m comparisons",
        description="Run the artificial-vs-spiking comparisons and write a report folder "
                    "(one PNG and one JSON per comparison, and index.html).")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"comparisons to run (default: all): {', '.join(COMPARISONS)}; "
                             "the index keeps linking the sections an earlier run left in the "
                             "output folder")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller version of each comparison, for a first look")
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=None,
                        help="comparisons run at once, each in its own process (default: 2 "
                             "with --quick on a machine with 2 or more CPUs, else 1: the full "
                             "report's timings are best measured one comparison at a time)")
    parser.add_argument("--list", action="store_true", help="list the comparisons and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name in COMPARISONS:
            print(name)
        return 0
    try:
        # Flushed at once, so that a log file or a CI console shows the progress as it happens.
        outcomes = run_report(args.names, out=args.out, quick=args.quick,
                              log=lambda msg: print(msg, flush=True), jobs=default_jobs(args))
    except ComparisonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
