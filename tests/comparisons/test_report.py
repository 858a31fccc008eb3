"""The report runner: files, HTML, and clear errors for user mistakes."""

import json
import os
import subprocess
import sys

from comparisons import report, xor


def test_quick_report_writes_every_file_and_the_index(tmp_path):
    outcomes = report.run_report(None, out=tmp_path / "rep", quick=True, log=lambda *_: None)
    assert [o.status for o in outcomes] == ["ok"] * len(report.COMPARISONS)
    files = set(os.listdir(tmp_path / "rep"))
    for name in report.COMPARISONS:
        assert {f"{name}.png", f"{name}.json"} <= files
        assert (tmp_path / "rep" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        payload = json.loads((tmp_path / "rep" / f"{name}.json").read_text())
        assert payload["status"] == "ok" and payload["quick"] is True and payload["numbers"]
    index = (tmp_path / "rep" / "index.html").read_text()
    for name in report.COMPARISONS:
        assert f"<img src='{name}.png'" in index
    assert index.count("The article's claim:") == len(report.COMPARISONS)
    assert not [f for f in files if f.startswith(".")], "temporary files left behind"


def test_xor_numbers_say_what_is_true():
    data = xor.compute(n_seeds=20, spiking_seeds=1, spiking_trials=20)  # spiking: see test_xor_spiking.py
    article, reliable = data["recipes"]["article"], data["recipes"]["reliable"]
    assert article["success_rate"] < 0.5           # the article's recipe fails on most seeds
    assert article["dead_rate"] > 0.3              # ... mostly through dead ReLU units
    assert reliable["success_rate"] == 1.0
    assert article["loss_curves"].shape == (20, 1000)
    assert "13 %" not in xor.describe(data)["measured"]  # numbers come from this run, not a text


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
