"""`scripts/soak.py`: its figures and the files it writes (the soak itself is run by hand)."""

import importlib.util
import json

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("soak", ROOT / "scripts" / "soak.py")
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)

# 10 questions: 2 of warm-up, then flat but for 1 MB between questions 5 and 6.
SAMPLES = [(1, 900.0, 1.0), (2, 1500.0, 2.0), (3, 1500.0, 3.0), (4, 1500.0, 4.0),
           (5, 1500.0, 5.0), (6, 1501.0, 6.0), (7, 1501.0, 7.0), (8, 1501.0, 8.0),
           (9, 1501.0, 9.0), (10, 1501.0, 10.0)]  # fmt: skip


def test_figures_measure_growth_after_the_warm_up():
    assert soak.figures(SAMPLES, warmup=2) == {
        "questions": 10, "warmup": 2, "rss_after_warmup_mb": 1500.0, "rss_end_mb": 1501.0,
        "rss_max_mb": 1501.0, "growth_mb": 1.0, "second_half_kb_per_question": 0.0,
        "seconds": 10.0,
    }  # fmt: skip


def test_the_curve_is_written_next_to_the_figures(tmp_path):
    pytest.importorskip("matplotlib")
    report = {"model": "m", **soak.figures(SAMPLES, warmup=2)}
    written = soak.write_outputs(SAMPLES, report, tmp_path / "out", "m: +1.0 MB")
    assert [p.name for p in written] == ["soak.csv", "soak.json", "soak.png"]
    assert (tmp_path / "out" / "soak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "out" / "soak.json").read_text()) == report
    lines = (tmp_path / "out" / "soak.csv").read_text().splitlines()
    assert lines[:2] == ["question,rss_mb,seconds", "1,900.0,1.0"] and len(lines) == 11


def test_resident_memory_is_split_into_the_processs_own_and_mapped_files():
    status = ("Name:\tpython\nVmRSS:\t 2718720 kB\nRssAnon:\t 1048576 kB\nRssFile:\t 1669120 kB\n"
              "RssShmem:\t    1024 kB\nThreads:\t4\n")  # fmt: skip
    assert soak.resident_split(status) == {"anon": 1024.0, "file": 1630.0, "shmem": 1.0}
    assert soak.resident_split("Name:\tpython\n") is None  # a kernel that does not say
