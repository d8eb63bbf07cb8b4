"""Starting fast: nothing heavy at import, each command loads what it needs, both models
at once (`App.prepare`)."""

import sys
import threading

import pytest

from bot.app import App
from models.errors import ModelError
from tests.conftest import run_python
from tests.fakes import ScriptedLLM, ToyEmbedder

HEAVY = ["torch", "transformers", "sentence_transformers", "chromadb", "llama_cpp", "lingua"]


class LoadingLLM(ScriptedLLM):
    """A scripted LLM whose `load` records the thread it ran in (or fails)."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.loaded_in: list[str] = []

    def load(self) -> None:
        self.loaded_in.append(threading.current_thread().name)
        if self.fail:
            raise ModelError("cannot load the LLM; run `articlebot models fetch --force`")


class LoadingEmbedder(ToyEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.loaded_in: list[str] = []

    def load(self) -> None:
        self.loaded_in.append(threading.current_thread().name)


def test_importing_the_cli_and_the_app_imports_no_model_library():
    code = ("import sys, bot.cli, bot.app, bot.answering, bot.discord.run; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")  # fmt: skip
    out = run_python(code, check=True)
    assert out.stdout.strip() == "[]"


def test_prepare_loads_the_llm_in_a_thread_while_the_embedder_loads(settings, chroma_client):
    llm, embedder = LoadingLLM(), LoadingEmbedder()
    App(settings, llm=llm, embedder=embedder, client=chroma_client).prepare()
    assert embedder.loaded_in == [threading.current_thread().name]
    assert len(llm.loaded_in) == 1 and llm.loaded_in[0].startswith("load-llm")


def test_an_embedder_that_loads_first_is_loaded_before_the_llm_starts(settings, chroma_client):
    order: list[str] = []

    class FirstEmbedder(LoadingEmbedder):
        load_first = True

        def load(self) -> None:
            order.append("embedder")
            super().load()

    class OrderedLLM(LoadingLLM):
        def load(self) -> None:
            order.append("llm")
            super().load()

    llm, embedder = OrderedLLM(), FirstEmbedder()
    App(settings, llm=llm, embedder=embedder, client=chroma_client).prepare()
    assert order == ["embedder", "llm"]
    assert embedder.loaded_in == [threading.current_thread().name]
    assert len(llm.loaded_in) == 1 and llm.loaded_in[0].startswith("load-llm")


def test_prepare_without_the_llm_loads_only_the_embedder(settings, chroma_client):
    llm, embedder = LoadingLLM(), LoadingEmbedder()
    App(settings, llm=llm, embedder=embedder, client=chroma_client).prepare(llm=False)
    assert (len(embedder.loaded_in), llm.loaded_in) == (1, [])


def test_a_failing_llm_load_is_raised_by_prepare(settings, chroma_client):
    app = App(settings, llm=LoadingLLM(fail=True), embedder=LoadingEmbedder(), client=chroma_client)
    with pytest.raises(ModelError, match="cannot load the LLM"):
        app.prepare()


def test_quote_never_loads_the_llm(settings, chroma_client):
    llm, embedder = LoadingLLM(), LoadingEmbedder()
    app = App(settings, llm=llm, embedder=embedder, client=chroma_client)
    app.ingest()
    assert app.answerer.quote("Einäscherung der Toten", k=1)
    assert (llm.loaded_in, llm.requests) == ([], [])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, /proc")
def test_what_the_loads_freed_is_given_back_after_prepare():
    # An embedder whose load leaves ~100 MB of freed blocks inside the heap (as the parse
    # of a tokenizer.json does): glibc would keep them resident; prepare hands them back.
    code = """
import sys, tempfile, chromadb
from bot.app import App
from bot.settings import Settings
from tests.fakes import ScriptedLLM, ToyEmbedder

def rss_mb():
    status = open("/proc/self/status").read().splitlines()
    return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) // 1024

class ParsingEmbedder(ToyEmbedder):
    def load(self):
        parsed = [bytes(1000) + bytes([i % 256]) for i in range(100_000)]
        self.kept = parsed[::100]  # one block in a hundred stays: the free gaps between
        del parsed                 # them go back only when asked (malloc_trim)

settings = Settings(data_dir=tempfile.mkdtemp())
app = App(settings, llm=ScriptedLLM(), embedder=ParsingEmbedder(),
          client=chromadb.EphemeralClient())
before = rss_mb()
if sys.argv[-1] == "control":  # the same load without handing back: the memory stays
    import bot.app
    bot.app.give_back_freed_memory = lambda: False
app.prepare()
print(rss_mb() - before)
"""
    handed_back = int(run_python(code, check=True).stdout)
    kept = int(run_python(code.replace('sys.argv[-1] == "control"', "True"), check=True).stdout)
    assert handed_back < 30 and kept > 80
