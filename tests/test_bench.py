"""The bench's cold-start figure: measured on one clock, from launching the probe."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from bot import bench, errors


def _probe_that_takes(seconds: float, report: dict | None = None):
    def run(args, **kwargs):
        time.sleep(seconds)
        line = json.dumps(report if report is not None else
                          {"ready_at": time.time(), "prime_s": 0.5, "rss_mb": 100.0})  # fmt: skip
        return subprocess.CompletedProcess(args, 0, stdout="loading…\n" + line + "\n", stderr="")

    return run


def test_cold_start_runs_from_launching_the_probe_to_its_ready_time(monkeypatch):
    monkeypatch.setattr(bench.subprocess, "run", _probe_that_takes(0.3))
    report = bench.cold_start()
    assert 0.3 <= report["cold_start_s"] < 0.6
    assert "ready_at" not in report
    assert (report["prime_s"], report["rss_mb"]) == (0.5, 100.0)


def test_a_setup_error_in_the_probe_is_raised_as_the_same_error(monkeypatch):
    failed = {"error": "model file missing; run `articlebot models fetch`", "kind": "ModelError"}
    monkeypatch.setattr(bench.subprocess, "run", _probe_that_takes(0.0, failed))
    with pytest.raises(errors.ModelError, match="model file missing"):
        bench.cold_start()
