"""The embedder through llama.cpp: prompts, cache, which runtime a run uses, and (slow) the
same vectors as sentence-transformers from the same weights."""

import json
import sys

import numpy as np
import pytest

from bot.app import App
from bot.settings import Settings
from models.errors import ModelError
from retrieval.embedding import SentenceTransformerEmbedder
from retrieval.gguf_embedding import LlamaCppEmbedder, ThroughLlamaCpp, release_mapped_pages
from tests.fakes import ToyEmbedder

PROMPTS = {"query": "task: search result | query: ", "document": "title: none | text: ",
           "STS": "task: sentence similarity | query: "}  # fmt: skip


class RecordingLlama:
    """Stands in for llama_cpp.Llama(embedding=True): a vector per text, texts recorded."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def tokenize(self, text: bytes) -> list[int]:
        return list(range(len(text.split())))  # a token a word

    def embed(self, text: str, truncate: bool = True) -> list[float]:
        self.texts.append(text)
        return [3.0 * len(text), 4.0 * len(text)] if "|" in text else [1.0, 0.0]


def folder_with(tmp_path, *, gguf: bool = True, prompts=PROMPTS):
    folder = tmp_path / "embedder"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": prompts}))
    if gguf:
        (folder / "llama.cpp.gguf").write_bytes(b"GGUF")
    return folder


def fake_loaded(folder, n_ctx: int = 256) -> tuple[LlamaCppEmbedder, RecordingLlama]:
    embedder = LlamaCppEmbedder(folder, cache_size=2, n_ctx=n_ctx)
    llama = RecordingLlama()
    embedder._load = lambda: llama  # the model itself: llama.cpp, in the slow test below
    return embedder, llama


def test_each_text_gets_the_prompt_of_its_use_and_comes_back_normalised(tmp_path):
    embedder, llama = fake_loaded(folder_with(tmp_path))
    assert embedder.embed_query("Wer hat das bestritten?").tolist() == pytest.approx([0.6, 0.8])
    documents = embedder.embed_documents(["Selenskyj weist dies zurück."])
    assert documents.tolist() == [pytest.approx([0.6, 0.8])]
    assert embedder.similarity("Zelensky rejects it.", "Selenskyj weist dies zurück.") == \
        pytest.approx(1.0)  # fmt: skip
    assert llama.texts == [
        "task: search result | query: Wer hat das bestritten?",
        "title: none | text: Selenskyj weist dies zurück.",
        "task: sentence similarity | query: Zelensky rejects it.",
        "task: sentence similarity | query: Selenskyj weist dies zurück.",
    ]


def test_a_model_without_prompts_embeds_the_text_alone(tmp_path):
    embedder, llama = fake_loaded(folder_with(tmp_path, prompts={}))
    assert embedder.embed_query("How many died?").tolist() == [1.0, 0.0]
    assert llama.texts == ["How many died?"]


def test_questions_asked_again_come_from_a_bounded_cache(tmp_path):
    embedder, llama = fake_loaded(folder_with(tmp_path))
    for question in ["a?", "b?", "a?", "c?", "b?"]:
        embedder.embed_query(question)
    # "a?" again from the cache; "c?" pushed out "b?" (two kept), so "b?" is embedded again
    assert [t.split(": ")[-1] for t in llama.texts] == ["a?", "b?", "c?", "b?"]
    embedder.clear_cache()
    embedder.embed_query("a?")
    assert len(llama.texts) == 5


def test_a_missing_gguf_names_the_fix(tmp_path):
    embedder = LlamaCppEmbedder(folder_with(tmp_path, gguf=False))
    with pytest.raises(ModelError, match=r"llama.cpp.gguf is missing.*articlebot models fetch"):
        embedder.embed_query("How many died?")


def test_every_text_it_can_take_whole_goes_through_llama_cpp(tmp_path):
    documents = ToyEmbedder()
    queries, llama = fake_loaded(folder_with(tmp_path))
    both = ThroughLlamaCpp(documents, queries)
    assert both.name == "toy"  # the same vectors, so the same index
    both.load()
    assert both.embed_documents(["Am 3. Oktober 1990 trat die DDR bei."]).tolist() == \
        [pytest.approx([0.6, 0.8])]  # fmt: skip
    both.embed_query("Wann trat die DDR bei?")
    both.similarity("joined", "trat bei")
    assert (documents.document_calls, documents.query_calls) == (0, 0)
    assert llama.texts == ["title: none | text: Am 3. Oktober 1990 trat die DDR bei.",
                           "task: search result | query: Wann trat die DDR bei?",
                           "task: sentence similarity | query: joined",
                           "task: sentence similarity | query: trat bei"]  # fmt: skip


class RecordingEmbedder(ToyEmbedder):
    """sentence-transformers' side, recording what it is asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, ...]] = []
        self.loads = 0

    def load(self):
        self.loads += 1
        return self

    def embed_query(self, text):
        self.asked.append((text,))
        return super().embed_query(text)

    def similarity(self, a, b):
        self.asked.append((a, b))
        return 0.5

    def embed_documents(self, texts):
        self.asked.append(tuple(texts))
        return np.array([[0.0, 1.0]] * len(texts))


def test_a_text_too_long_for_llama_cpp_goes_to_sentence_transformers_whole(tmp_path):
    # at most seven tokens, a word each here; each prompt is five words
    documents = RecordingEmbedder()
    queries, llama = fake_loaded(folder_with(tmp_path), n_ctx=7)
    both = ThroughLlamaCpp(documents, queries)
    both.embed_query("two words")
    both.embed_query("three words now")
    assert both.similarity("a b", "d") == pytest.approx(1.0)
    assert both.similarity("a b", "d e f") == 0.5
    # the document prompt is four words: three more fit
    vectors = both.embed_documents(["a b c", "d e f g", "h"])
    assert vectors.tolist() == [pytest.approx([0.6, 0.8]), [0.0, 1.0], pytest.approx([0.6, 0.8])]
    assert [t.split(": ")[-1] for t in llama.texts] == ["two words", "a b", "d", "a b c", "h"]
    assert documents.asked == [("three words now",), ("a b", "d e f"), ("d e f g",)]


def test_in_auto_a_gguf_that_does_not_load_falls_back_to_sentence_transformers(tmp_path, caplog):
    folder = folder_with(tmp_path)  # its llama.cpp.gguf is four bytes: llama.cpp cannot load it
    documents = RecordingEmbedder()
    both = ThroughLlamaCpp(documents, LlamaCppEmbedder(folder), fallback=True)
    with caplog.at_level("WARNING", logger="retrieval.gguf_embedding"):
        both.load()
        vector = both.embed_query("Wie viele starben?")
        assert both.similarity("a", "b") == 0.5
        assert both.embed_documents(["Der Rat stimmte zu."]).tolist() == [[0.0, 1.0]]
    assert vector.tolist() == documents.embed_query("Wie viele starben?").tolist()
    assert documents.asked[:3] == [("Wie viele starben?",), ("a", "b"), ("Der Rat stimmte zu.",)]
    assert documents.loads == 1  # `load` (App.prepare) loads sentence-transformers instead
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # once, not at every question
    assert "cannot load the embedder's GGUF" in warnings[0]
    assert warnings[0].endswith("; embedding with sentence-transformers instead")


def test_asked_for_llama_cpp_by_name_a_gguf_that_does_not_load_is_an_error(tmp_path):
    both = ThroughLlamaCpp(RecordingEmbedder(), LlamaCppEmbedder(folder_with(tmp_path)))
    with pytest.raises(ModelError, match=r"cannot load the embedder's GGUF .*delete it and run "
                                         r"`articlebot models fetch`"):  # fmt: skip
        both.embed_query("Wie viele starben?")


@pytest.mark.parametrize(("extra", "fallback"), [({}, True), ({"embed_runtime": "llama.cpp"}, False)])
def test_only_auto_falls_back(tmp_path, extra, fallback):
    embedder = App(settings_for(tmp_path, folder_with(tmp_path), **extra)).embedder
    assert (type(embedder), embedder.fallback) == (ThroughLlamaCpp, fallback)


def settings_for(tmp_path, folder, **extra) -> Settings:
    return Settings(data_dir=tmp_path / "data", embed_model=str(folder), **extra)


@pytest.mark.parametrize(
    ("gguf", "extra", "runtime"),
    [
        (True, {}, ThroughLlamaCpp),
        (False, {}, SentenceTransformerEmbedder),
        (True, {"embed_dtype": "bfloat16"}, SentenceTransformerEmbedder),  # not the same vectors
        (True, {"embed_runtime": "sentence-transformers"}, SentenceTransformerEmbedder),
        (False, {"embed_runtime": "llama.cpp"}, ThroughLlamaCpp),  # fails at load, above
    ],
)
def test_which_runtime_embeds_questions(tmp_path, gguf, extra, runtime):
    folder = folder_with(tmp_path, gguf=gguf)
    embedder = App(settings_for(tmp_path, folder, **extra)).embedder
    assert type(embedder) is runtime
    documents = embedder.documents if runtime is ThroughLlamaCpp else embedder  # long texts
    assert (type(documents), documents.path) == (SentenceTransformerEmbedder, folder)


def test_an_unknown_runtime_is_a_settings_error(tmp_path):
    with pytest.raises(ValueError, match="embed_runtime"):
        settings_for(tmp_path, tmp_path, embed_runtime="onnx")


# -- the real models (slow) ---------------------------------------------------------------

QUESTIONS = ["how many north korean soldiers died?", "Wer hat das bestritten?",
             "que dit l'article sur les travailleurs nord-coréens ?",
             "Who proposed the merger between UPT and what network?"]  # fmt: skip
PASSAGES = [
    "Nach Angaben des südkoreanischen Geheimdienstes NIS sollen rund 600 nordkoreanische "
    "Soldaten getötet worden sein.",
    "Selenskyj weist dies zurück.",
    "Police counted 1,800 marchers; the organisers said 4,500 took part.",
    "Le maire a annoncé mardi la fermeture de la ligne de ferry jusqu'au printemps.",
]


@pytest.mark.slow
def test_llama_cpp_gives_the_vectors_of_sentence_transformers(real_settings):
    app = App(real_settings)
    embedder = app.embedder
    assert type(embedder) is ThroughLlamaCpp  # `make setup` converted the installed model
    reference = SentenceTransformerEmbedder(app.embedder_path())
    ours = np.stack([embedder.embed_query(q) for q in QUESTIONS])
    theirs = np.stack([reference.embed_query(q) for q in QUESTIONS])
    assert np.diag(ours @ theirs.T).min() > 0.99999
    ours = embedder.queries.embed_documents(PASSAGES)
    theirs = reference.embed_documents(PASSAGES)
    assert np.diag(ours @ theirs.T).min() > 0.99999
    for a, b in [(PASSAGES[1], "Zelensky rejects this."), (PASSAGES[2], PASSAGES[3])]:
        assert embedder.similarity(a, b) == pytest.approx(reference.similarity(a, b), abs=1e-4)
    if sys.platform.startswith("linux"):  # the layers and the rows read, not the whole file
        gguf = embedder.queries.path.resolve()
        assert gguf.stat().st_size > 750 * 2**20
        assert _resident_kb(gguf) < 650 * 1024  # 490 MB here; the whole file is 795


def _resident_kb(path) -> int:
    """This process's resident KB of the mappings of `path` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in open("/proc/self/smaps"):
        first = line.split(maxsplit=5)
        if "-" in first[0] and len(first) >= 5 and not first[0].endswith(":"):
            inside = len(first) == 6 and first[5].strip() == str(path)
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/smaps, madvise")
def test_a_mapped_file_read_in_whole_is_dropped_from_memory_and_still_reads(tmp_path):
    import mmap

    path = tmp_path / "weights.gguf"
    path.write_bytes(bytes(range(256)) * (32 * 4096))  # 32 MB
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        checksum = sum(mapped[i] for i in range(0, len(mapped), 4096))  # every page read in
        assert _resident_kb(path) > 30_000
        assert release_mapped_pages(path) == 32 * 2**20
        assert _resident_kb(path) < 1_000
        assert sum(mapped[i] for i in range(0, len(mapped), 4096)) == checksum
    assert release_mapped_pages(tmp_path / "not-mapped.gguf") == 0
