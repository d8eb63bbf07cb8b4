"""`scripts/throughput.py` builds the server command line for each kind of server.

(The measurement itself is run by hand; see docs/scaling.md.)"""

import importlib.util
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("throughput", ROOT / "scripts" / "throughput.py")
throughput = importlib.util.module_from_spec(spec)
sys.modules["throughput"] = throughput  # its dataclass looks itself up there
spec.loader.exec_module(throughput)

MODEL = Path("/models/m.gguf")
SETTINGS = Settings(n_threads=2, n_ctx=4096, n_batch=512)


def test_llama_server_gets_the_slots_and_their_whole_context():
    args = Namespace(server="auto", server_bin="/opt/llama-server", parallel=2)
    assert throughput.server_command(args, MODEL, SETTINGS) == ("llama-server", [
        "/opt/llama-server", "-m", "/models/m.gguf", "--host", "127.0.0.1", "--port", "{port}",
        "-c", "8192", "--parallel", "2", "--threads", "2", "--threads-batch", "2", "-b", "512",
    ])  # fmt: skip


def test_without_llama_server_it_falls_back_to_llama_cpp_python(monkeypatch):
    monkeypatch.setattr(throughput.shutil, "which", lambda name: None)
    args = Namespace(server="auto", server_bin=None, parallel=2)
    assert throughput.server_command(args, MODEL, SETTINGS) == ("llama-cpp-python", [
        throughput.sys.executable, "-m", "llama_cpp.server", "--model", "/models/m.gguf",
        "--host", "127.0.0.1", "--port", "{port}", "--n_ctx", "4096", "--n_threads", "2",
        "--n_threads_batch", "2", "--n_batch", "512", "--interrupt_requests", "False",
    ])  # fmt: skip
    with pytest.raises(SystemExit, match="llama-server not found"):
        throughput.server_command(Namespace(server="llama-server", server_bin=None, parallel=2),
                                  MODEL, SETTINGS)  # fmt: skip


def test_the_mixed_stream_repeats_popular_questions_and_asks_the_rest_once():
    from collections import Counter

    from bot.answer_cache import normalise

    popular = ["Who signed the treaty?", "How many soldiers died?"]
    tail = [f"Question {i}?" for i in range(100)]
    questions = throughput.mixed_questions(40, repeat_share=0.5, seed=3, popular=popular,
                                           long_tail=tail)  # fmt: skip
    assert questions == throughput.mixed_questions(40, repeat_share=0.5, seed=3, popular=popular,
                                                   long_tail=tail)  # fmt: skip
    counts = Counter(normalise(q) for q in questions)
    repeated = {q: n for q, n in counts.items() if n > 1}
    assert set(repeated) <= {normalise(q) for q in popular}
    assert sum(counts[normalise(q)] for q in popular) + sum(counts[normalise(q)] for q in tail) == 40
    assert all(counts[normalise(q)] <= 1 for q in tail)
    # The most popular question is asked more often than the second.
    assert counts[normalise(popular[0])] > counts[normalise(popular[1])]


def test_the_long_tail_comes_from_our_question_sets_without_the_popular_ones():
    tail = throughput._long_tail()
    assert len(tail) == len(set(tail)) > 50
    assert not set(tail) & set(throughput.ASK_QUESTIONS)
