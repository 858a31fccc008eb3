"""The report runner: files, HTML, and clear errors for user mistakes."""

import html
import json
import os
import re
import subprocess
import sys

import numpy as np

from artificial.data import xor as xor_data
from comparisons import report, xor

#: Per comparison, numbers of its JSON file and how its text in the page writes them.
IN_THE_PAGE = {
    "neuron": lambda n: [f"gamma = {n['soft_lif_gamma']:.3f}"],
    "propagation": lambda n: [f"First spike after onset per layer (mean of {n['n_stimuli']} "
                              f"stimuli): "],  # and the latencies: see PAGE_LATENCY
    "xor": lambda n: [f"recipe solved XOR in {n['article_success_rate']:.0%} of runs",
                      f"solved {n['reliable_success_rate']:.0%}"],
    "update_rules": lambda n: [f"tau+ = {n['window_tau_plus_fit_ms']:.3f} ms"],
    "conversion": lambda n: [f"MLP test accuracy {100 * n['mlp_accuracy']:.1f} % on "
                             f"{n['n_test']} images"],
    "gradients": lambda n: [f"surrogate gradients {100 * n['snn_surrogate']['accuracy']:.1f} %"],
    "engines": lambda n: [f"{e}: rate {v['mean_rate_hz']:.2f} Hz"
                          for e, v in n.items() if "mean_rate_hz" in v],
}

PAGE_LATENCY = r"First spike after onset per layer \(mean of \d+ stimuli\): ([\d., ]+) ms"


def test_quick_report_writes_every_file_and_the_index(tmp_path):
    rep = tmp_path / "rep"
    outcomes = report.run_report(None, out=rep, quick=True, log=lambda *_: None)
    assert [o.status for o in outcomes] == ["ok"] * len(report.COMPARISONS)
    files = set(os.listdir(rep))
    assert not [f for f in files if f.startswith(".")], "temporary files left behind"
    index = (rep / "index.html").read_text()
    assert "Quick report" in index
    # every file the page links to is there
    linked = re.findall(r"(?:src|href)='([^'#]+)'", index)
    assert linked and not [f for f in linked if f not in files]
    found = sections(index)
    assert list(found) == list(report.COMPARISONS)
    assert set(IN_THE_PAGE) == set(report.COMPARISONS)
    for name, body in found.items():
        assert f"<img src='{name}.png'" in body and f"<a href='{name}.json'>{name}.json</a>" in body
        assert (rep / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        payload = json.loads((rep / f"{name}.json").read_text())
        assert payload["status"] == "ok" and payload["quick"] is True and payload["numbers"]
        # each section says it is quick, not only the page's first line
        assert f"computed in {payload['seconds']:.1f} s in a quick run (" in body
        assert payload["claim"] and f"The article's claim: {html.escape(payload['claim'])}" in body
        expected = IN_THE_PAGE[name](payload["numbers"])
        assert expected and all(html.escape(e) in body for e in expected), (name, expected)
    # The JSON keeps latencies to 4 decimals, the page to 1: equal within the page's rounding.
    shown = re.search(PAGE_LATENCY, found["propagation"]).group(1).split(", ")
    in_json = json.loads((rep / "propagation.json").read_text())["numbers"]["latency_ms_per_layer"]
    assert len(shown) == len(in_json)
    np.testing.assert_allclose([float(x) for x in shown], in_json, atol=0.05 + 1e-9)


def test_xor_numbers_say_what_is_true():
    data = xor.compute(n_seeds=20, spiking_seeds=1, spiking_trials=20)  # spiking: see test_xor_spiking.py
    article, reliable = data["recipes"]["article"], data["recipes"]["reliable"]
    assert article["success_rate"] < 0.5           # the article's recipe fails on most seeds
    assert article["dead_rate"] > 0.3              # ... mostly through dead ReLU units
    assert reliable["success_rate"] == 1.0
    assert article["loss_curves"].shape == (20, 1000)
    # "solved" means all four final outputs on the right side of 0.5: recount it from them
    truth = xor_data()[1][:, 0] > 0.5
    solved = ((article["outputs"] > 0.5) == truth).all(axis=1)
    assert article["success_rate"] == solved.mean()
    # the text reports this run's rates, not a number written into it
    measured = xor.describe(data)["measured"]
    assert f"Over 20 seeds the article's recipe solved XOR in {solved.mean():.0%} of runs" in measured
    assert f"dead ReLU units in {article['dead_rate']:.0%}" in measured


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "comparisons", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_unknown_name_lists_the_valid_ones_without_a_traceback(tmp_path):
    r = run_cli("nonsense", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert r.returncode == 2
    assert "unknown comparison 'nonsense'; valid names: " + ", ".join(report.COMPARISONS) in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "r").exists()


def test_unwritable_folder_is_refused_before_any_work(tmp_path):
    # /sys refuses new folders even to root, which CI runs as; a chmod-ed folder would not.
    r = run_cli("--out", "/sys/neurosim-report", cwd=tmp_path)
    assert r.returncode == 2
    assert "cannot write the report to '/sys/neurosim-report'" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = run_cli("--out", str(f), cwd=tmp_path)
    assert r.returncode == 2 and "cannot write the report" in r.stderr
    assert "Traceback" not in r.stderr


def test_list_option_and_console_entry_point(capsys):
    from comparisons.__main__ import main

    assert main(["--list"]) == 0
    assert capsys.readouterr().out.split() == list(report.COMPARISONS)


class FakeComparison:
    """Stands in for a comparison module: instant, with numbers that say which run made them."""

    def __init__(self, name, run):
        self.name, self.run = name, run
        self.TITLE = f"Title of {name}"
        self.CLAIM = f"Claim of {name}"

    def compute(self, quick):
        return {"run": self.run, "quick": quick}

    def plot(self, data):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, data["run"]])
        return fig

    def numbers(self, data):
        return {"run": data["run"]}

    def describe(self, data):
        return {"measured": f"{self.name} measured in run {data['run']}"}


def fake_comparisons(monkeypatch, run):
    fakes = {path: FakeComparison(name, run) for name, path in report.COMPARISONS.items()}
    monkeypatch.setattr(report, "import_module", fakes.__getitem__)


def sections(index_html):
    """``{section id: html of that section}`` of an index page."""
    return dict(re.findall(r"<section id='(\w+)'>(.*?)</section>", index_html, re.S))


def test_running_some_comparisons_keeps_the_others_in_the_index(tmp_path, monkeypatch, capsys):
    from comparisons.__main__ import main

    out = tmp_path / "report"
    fake_comparisons(monkeypatch, run=1)
    assert main(["--out", str(out), "--quick"]) == 0
    fake_comparisons(monkeypatch, run=2)
    assert main(["conversion", "--out", str(out)]) == 0   # the command of issue 14
    log = capsys.readouterr().out

    page = (out / "index.html").read_text()
    found = sections(page)
    assert list(found) == list(report.COMPARISONS)             # every section, in report order
    for name, body in found.items():
        run = 2 if name == "conversion" else 1
        assert f"<img src='{name}.png'" in body and f"<a href='{name}.json'>" in body
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        payload = json.loads((out / f"{name}.json").read_text())
        assert payload["numbers"] == {"run": run} and payload["quick"] is (run == 1)
        assert f"{name} measured in run {run}" in body            # its own text, kept
        assert f"Claim of {name}" in body
        assert ("in an earlier quick run" in body) is (run == 1)
    assert "Partly quick report" in page
    assert "also linking earlier results: " + ", ".join(
        n for n in report.COMPARISONS if n != "conversion") in log


def test_an_incomplete_earlier_section_is_not_linked(tmp_path, monkeypatch):
    out = tmp_path / "report"
    fake_comparisons(monkeypatch, run=1)
    report.run_report(["neuron", "xor"], out=out, log=lambda *_: None)
    (out / "xor.png").unlink()                       # its figure is gone
    (out / "neuron.json").write_text("{not json")    # its numbers are unreadable
    report.run_report(["engines"], out=out, log=lambda *_: None)
    assert list(sections((out / "index.html").read_text())) == ["engines"]


def test_the_page_says_what_produced_it_and_links_full_size_figures(tmp_path, monkeypatch, capsys):
    """Issue 14 item 15: versions, machine and run time on the page; each scaled figure links
    to its full-size file. Sections from an earlier run on other versions say so."""
    from importlib.metadata import version

    from comparisons.__main__ import main

    out = tmp_path / "report"
    other = {"machine": "another machine, 64 logical CPUs", "python": "3.99.0",
             "versions": {"numpy": "0.0.1"}, "commit": "abc1234"}
    monkeypatch.setattr(report, "environment", lambda: other)
    fake_comparisons(monkeypatch, run=1)
    assert main(["--out", str(out)]) == 0
    monkeypatch.undo()
    fake_comparisons(monkeypatch, run=2)
    assert main(["xor", "--out", str(out)]) == 0
    log = capsys.readouterr().out
    # progress: position in the run, and the time the same comparison took in the earlier run
    assert f"[1/{len(report.COMPARISONS)} neuron] running ..." in log
    assert re.search(r"\[1/1 xor\] running \(took \d+ s last time\) \.\.\.", log), log
    assert re.search(r"\[1/1 xor\] done in \d+\.\d s -> xor.png, xor.json \(\d+ s so far\)", log)

    page = (out / "index.html").read_text()
    head = page.split("<section", 1)[0]
    env = report.environment()
    assert f"{os.cpu_count()} logical CPUs" in env["machine"]
    assert html.escape(report.environment_text(env)) in head
    for name in ("numpy", "numba", "brian2", "matplotlib"):
        assert f"{name} {version(name)}" in head
    assert re.search(r"This run took \d+\.\d s \(xor\)\.", head)
    found = sections(page)
    for name, body in found.items():
        assert f"<a href='{name}.png'><img src='{name}.png'" in body
        stored = json.loads((out / f"{name}.json").read_text())["environment"]
        if name == "xor":
            assert stored == env and "Produced on" not in body
        else:  # written by the first run, under the other environment, and saying so
            assert stored == other
            assert html.escape("Produced on: another machine, 64 logical CPUs; Python 3.99.0, "
                               "numpy 0.0.1; commit abc1234.") in body


def test_progress_reaches_a_pipe_while_the_comparison_runs(tmp_path):
    """Issue 14 item 10: the first line arrives before the first comparison ends, also when
    stdout is a pipe (a log file, CI), where Python would otherwise buffer it."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-m", "comparisons", "xor", "--out",
                             str(tmp_path / "r")], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": root, "MPLBACKEND": "Agg"})
    try:
        first = proc.stdout.readline()
        still_running = proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
    assert first == "[1/1 xor] running ...\n"
    assert still_running   # the full xor comparison takes tens of seconds


class PidComparison(FakeComparison):
    """A fake whose numbers say which process computed it; ``action`` makes it fail."""

    def __init__(self, name, action=None):
        super().__init__(name, run=1)
        self.action = action

    def compute(self, quick):
        if self.action == "raise":
            raise ValueError(f"a bug in {self.name}")
        if self.action == "exit":
            os._exit(3)          # the process ends at once, as when killed
        return {"run": 1, "pid": os.getpid(), "quick": quick}

    def numbers(self, data):
        return {"run": data["run"], "pid": data["pid"]}


def pid_comparisons(monkeypatch, actions=None):
    actions = actions or {}
    fakes = {path: PidComparison(name, actions.get(name)) for name, path in
             report.COMPARISONS.items()}
    monkeypatch.setattr(report, "import_module", fakes.__getitem__)


def test_two_processes_write_the_report_one_would(tmp_path, monkeypatch):
    pid_comparisons(monkeypatch)
    lines = []
    one = report.run_report(None, out=tmp_path / "one", quick=True, log=lambda *_: None)
    two = report.run_report(None, out=tmp_path / "two", quick=True, log=lines.append, jobs=2)
    assert [o.name for o in two] == list(report.COMPARISONS)     # report order, all ok
    assert [o.status for o in two] == ["ok"] * len(report.COMPARISONS)
    pids = {o.name: o.numbers["pid"] for o in two}
    # each group of report.WORKERS ran in one process of its own, not in this one
    assert {o.numbers["pid"] for o in one} == {os.getpid()}
    groups = [{pids[n] for n in group} for group in report.WORKERS]
    assert all(len(g) == 1 for g in groups) and len(set.union(*groups)) == 2
    assert os.getpid() not in pids.values()
    for name in report.COMPARISONS:
        a = json.loads((tmp_path / "one" / f"{name}.json").read_text())
        b = json.loads((tmp_path / "two" / f"{name}.json").read_text())
        for key in ("status", "quick", "title", "claim", "text"):
            assert a[key] == b[key], (name, key)
        assert (tmp_path / "two" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # one start and one end line per comparison, numbered in report order
        i = list(report.COMPARISONS).index(name) + 1
        tag = f"[{i}/{len(report.COMPARISONS)} {name}]"
        started = [k for k, line in enumerate(lines) if line == f"{tag} running (quick) ..."]
        ended = [k for k, line in enumerate(lines) if line.startswith(f"{tag} done in ")]
        assert len(started) == len(ended) == 1 and started[0] < ended[0], (name, lines)
    page = (tmp_path / "two" / "index.html").read_text()
    assert list(sections(page)) == list(report.COMPARISONS)
    assert "ran 2 at a time, in 2 processes" in page
    assert "at a time" not in (tmp_path / "one" / "index.html").read_text()


def test_the_workers_share_out_every_comparison_once(tmp_path, monkeypatch):
    planned = [n for group in report.WORKERS for n in group]
    assert sorted(planned) == sorted(report.COMPARISONS)
    # a comparison added without a place in WORKERS still runs (in the last worker)
    monkeypatch.setattr(report, "WORKERS", (("xor", "conversion", "gradients"), ("neuron",)))
    pid_comparisons(monkeypatch)
    outcomes = report.run_report(["neuron", "engines", "xor"], out=tmp_path, quick=True,
                                 log=lambda *_: None, jobs=2)
    assert [(o.name, o.status) for o in outcomes] == [("neuron", "ok"), ("xor", "ok"),
                                                      ("engines", "ok")]
    assert outcomes[0].numbers["pid"] == outcomes[2].numbers["pid"] != outcomes[1].numbers["pid"]


def test_a_failing_or_dying_worker_loses_only_its_own_comparisons(tmp_path, monkeypatch):
    # xor raises (its worker goes on); conversion ends its worker's process, so gradients,
    # after it in that worker, never runs; the other worker's four still finish
    pid_comparisons(monkeypatch, {"xor": "raise", "conversion": "exit"})
    lines = []
    outcomes = {o.name: o for o in report.run_report(None, out=tmp_path / "r", quick=True,
                                                     log=lines.append, jobs=2)}
    assert outcomes["xor"].status == "failed"
    assert outcomes["xor"].message == "ValueError: a bug in xor"
    for name in ("conversion", "gradients"):
        assert outcomes[name].status == "failed"
        assert "worker process ended (exit code 3)" in outcomes[name].message
    assert all(outcomes[n].status == "ok" for n in report.WORKERS[1])
    assert any(line.endswith("gradients] failed: its worker process ended (exit code 3) before "
                             "it finished") for line in lines)
    found = sections((tmp_path / "r" / "index.html").read_text())
    assert list(found) == list(report.COMPARISONS)
    for name, body in found.items():
        assert ("<p class='skip'>failed: " in body) is (name in report.WORKERS[0]), name


def test_quick_runs_in_two_processes_by_default(monkeypatch, tmp_path):
    import comparisons.__main__ as cli

    asked = []
    monkeypatch.setattr(cli, "run_report", lambda *a, **kw: asked.append(kw["jobs"]) or [])
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 2)
    for argv, jobs in ((["--quick"], 2), ([], 1), (["--quick", "--jobs", "1"], 1),
                       (["--jobs", "2"], 2)):
        asked.clear()
        assert cli.main([*argv, "--out", str(tmp_path)]) == 0
        assert asked == [jobs], argv
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 1)
    asked.clear()
    assert cli.main(["--quick", "--out", str(tmp_path)]) == 0 and asked == [1]
