"""Every Python block of README.md runs as written, and prints what it says it prints.

The blocks are read from README.md itself (no copy is kept here), so an edit to the README is
tested as it stands. The rule, which is how a reader pasting the README into Python meets it:

- A *section* is the text under one heading, of any level, up to the next heading. The Python
  blocks of one section run in order in one namespace, as if pasted into one session; each
  section starts from an empty namespace, so a section must not rely on names defined under
  another heading. (The plasticity section used to: ``net``, ``src`` and ``cell`` came from
  nowhere.)
- Each section runs in its own empty temporary folder, where the files it writes land.
- Only fences marked ``python`` are run; ``bash`` and untagged blocks are not.
- A line that says what it prints, with a comment ``# about X`` (X a number), must be a
  ``print`` call, and what that line prints must contain a number within one unit of X's last
  written digit (``# about 0.97`` accepts 0.96 to 0.98).
"""

import builtins
import re
import sys
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
CLAIM = re.compile(r"#\s*about\s+([-+]?\d+(?:\.\d+)?)")
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def python_sections(text):
    """``[(heading, [(first line number, code), ...]), ...]``: the python blocks by section."""
    sections, heading, block, lang, start = {}, "(top)", None, None, 0
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^```(\S*)\s*$", line)
        if block is None:
            if fence:
                block, lang, start = [], fence.group(1), number + 1
            elif line.startswith("#"):
                heading = line.lstrip("#").strip()
        elif fence and not fence.group(1):
            if lang == "python":
                sections.setdefault(heading, []).append((start, "\n".join(block) + "\n"))
            block = None
        else:
            block.append(line)
    assert block is None, f"README.md: the block that opens on line {start - 1} is not closed"
    return list(sections.items())


SECTIONS = python_sections(README.read_text(encoding="utf-8"))


def test_the_readme_has_the_blocks_this_test_is_about():
    text = README.read_text(encoding="utf-8")
    found = sum(len(blocks) for _, blocks in SECTIONS)
    assert found == text.count("```python") >= 4
    assert "Plasticity, saving and resuming" in dict(SECTIONS)


def run_section(blocks):
    """Run the blocks in one namespace; returns it and ``{(block start, line): printed text}``."""
    printed = {}
    namespace = {"__name__": "__main__"}

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        frame = sys._getframe(1)
        if file is None and frame.f_code.co_filename.startswith("README.md:"):
            key = (frame.f_code.co_filename, frame.f_lineno)
            printed[key] = printed.get(key, "") + sep.join(map(str, args)) + end
        builtins.print(*args, sep=sep, end=end, file=file, flush=flush)

    for start, code in blocks:
        namespace["print"] = recording_print
        exec(compile(code, f"README.md:{start}", "exec"), namespace)
    return namespace, printed


@pytest.mark.parametrize("heading,blocks", SECTIONS, ids=[h for h, _ in SECTIONS])
def test_readme_section_runs_as_written(heading, blocks, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    try:
        namespace, printed = run_section(blocks)
    finally:
        plt.close("all")

    for start, code in blocks:
        for offset, line in enumerate(code.splitlines()):
            claim = CLAIM.search(line)
            if not claim:
                continue
            where = f"README.md line {start + offset}: {line.strip()!r}"
            assert "print(" in line, f"{where} says what it prints but prints nothing"
            said = claim.group(1)
            out = printed.get((f"README.md:{start}", offset + 1), "")
            tolerance = 10.0 ** -len(said.partition(".")[2]) + 1e-12
            values = [float(v) for v in NUMBER.findall(out)]
            assert any(abs(v - float(said)) <= tolerance for v in values), \
                f"{where} printed {out!r}, not about {said}"

    if heading == "Plasticity, saving and resuming":
        check_resume_claims(namespace, tmp_path)


def check_resume_claims(ns_, folder):
    """What the block's comments claim: resuming from the checkpoint continues bitwise
    identically, and one file holds every record and the weight table."""
    import neurosim as ns

    net, proj, table = ns_["net"], ns_["proj"], ns_["table"]
    straight = ns.Simulator(net, dt=0.1, seed=3)
    straight.run(100.0)
    np.testing.assert_array_equal(straight.weights(proj).weight, table.weight)
    assert not np.all(table.weight == 60.0), "STDP changed no weight: nothing was tested"
    results = ns.load_results(folder / "run.npz")
    assert results.manifest["t"] == 100.0
    np.testing.assert_array_equal(results[f"table:{proj.name}"].weight, table.weight)
    w = ns_["sim"].data[ns_["w"]]
    np.testing.assert_array_equal(results[f"weights:{proj.name}"].values, w.values)
    assert len(w.times) == 10        # every 10 ms over 100 ms, across the checkpoint
