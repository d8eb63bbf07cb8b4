"""The sentence-transformers embedder: what it keeps in memory, and how it scores pairs."""

import ctypes
import random
import sys
from types import SimpleNamespace

import pytest

from retrieval.embedding import _deferred, _drop_tokenizer_copies, _no_word_cache
from tests.conftest import ROOT, SHARED, run_python

TEXTS = [  # three articles, three languages
    "Nach Angaben des NIS erlitt Nordkorea 4.700 Verluste, darunter 600 Tote.",
    "A signal fault near Ballytrim held up trains for 35 minutes on Saturday afternoon.",
    "Cinq pompiers ont été légèrement blessés depuis le début de l'incendie.",
]


def test_the_tokenizers_python_copies_are_dropped_and_nothing_else():
    tokenizer = SimpleNamespace(_vocab={"a": 0}, _merges=["a b"], model_max_length=2048)
    _drop_tokenizer_copies(SimpleNamespace(tokenizer=tokenizer))
    assert vars(tokenizer) == {"_vocab": None, "_merges": None, "model_max_length": 2048}
    _drop_tokenizer_copies(SimpleNamespace())  # a model without a tokenizer is left alone


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]  # fmt: skip


def _heap_growth_mb(tokenizer, words: list[str]) -> float:
    """Bytes glibc's heap holds in use after encoding `words`, minus before, in MB."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    before = libc.mallinfo2().uordblks
    for start in range(0, len(words), 4):
        tokenizer.encode(" ".join(words[start:start + 4]))
    return (libc.mallinfo2().uordblks - before) / 1e6


def _new_words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöüéè") for _ in range(rng.randint(5, 12)))
            for _ in range(n)]  # fmt: skip


def _tiny_bpe():
    from tokenizers import Tokenizer, models, pre_tokenizers

    letters = "abcdefghijklmnopqrstuvwxyzäöüéè"
    vocab = {"[UNK]": 0, **{ch: i + 1 for i, ch in enumerate(letters)}}
    merges = [("a", "b"), ("e", "r"), ("e", "n")]
    vocab.update({"ab": len(vocab), "er": len(vocab) + 1, "en": len(vocab) + 2})
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return tokenizer


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallinfo2")
def test_without_the_word_cache_new_words_leave_nothing_behind():
    cached, uncached = _tiny_bpe(), _tiny_bpe()
    _no_word_cache(SimpleNamespace(tokenizer=SimpleNamespace(backend_tokenizer=uncached)))
    words = _new_words(6000, seed=3)
    ids = [uncached.encode(w).ids for w in words[:50]]
    assert ids == [cached.encode(w).ids for w in words[:50]]  # the cache never changes ids
    assert _heap_growth_mb(cached, words) > 0.5  # each new word kept (about 100 bytes here)
    assert _heap_growth_mb(uncached, _new_words(6000, seed=4)) < 0.1
    _no_word_cache(SimpleNamespace())  # a model without a tokenizer is left alone
    _no_word_cache(SimpleNamespace(tokenizer=SimpleNamespace()))  # nor a Python tokenizer


def _document_lines() -> list[str]:
    """Every line of every document we evaluate on: three languages, four formats."""
    folders = [SHARED / "corpus", ROOT / "tests" / "data" / "sets"]
    paths = sorted(p for folder in folders for p in folder.rglob("*")
                   if p.suffix in (".txt", ".md", ".html") and p.name != "README.md")  # fmt: skip
    return [line for p in paths for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.mark.slow
def test_the_installed_tokenizer_gives_the_ids_of_the_one_the_model_names(
        real_document_embedder):  # fmt: skip
    real_embedder = real_document_embedder
    # The installer names transformers' generic Rust tokenizer in EmbeddingGemma's
    # tokenizer_config.json (models/manifest.toml); the model's own names GemmaTokenizer.
    from transformers import GemmaTokenizer

    model = real_embedder.load()
    assert type(model.tokenizer).__name__ == "TokenizersBackend"
    gemma = GemmaTokenizer.from_pretrained(str(real_embedder.path), local_files_only=True)
    lines = _document_lines()
    assert len(lines) > 250
    assert [model.tokenizer(t)["input_ids"] for t in TEXTS + lines] == \
           [gemma(t)["input_ids"] for t in TEXTS + lines]  # fmt: skip
    batch = lines[:16]  # padded together, as the embedder encodes passages
    padded = model.tokenizer(batch, padding=True)["input_ids"]
    assert padded == gemma(batch, padding=True)["input_ids"]
    if sys.platform.startswith("linux"):  # and new words no longer stay in its word cache
        assert _heap_growth_mb(gemma.backend_tokenizer, _new_words(3000, seed=1)) > 0.8
        assert _heap_growth_mb(model.tokenizer.backend_tokenizer, _new_words(3000, seed=2)) < 0.1


def test_scikit_learn_is_imported_only_when_sentence_transformers_calls_it():
    # sentence-transformers imports one function of scikit-learn's metrics when it is
    # imported; under `_deferred` it is a stand-in until called (on sparse vectors).
    result = run_python(
        "import sys, torch\n"
        "from retrieval.embedding import _deferred\n"
        "with _deferred('sklearn.metrics'):\n"
        "    from sentence_transformers import SentenceTransformer\n"
        "print('sklearn' in sys.modules, 'sklearn.metrics' in sys.modules)\n"
        "from sentence_transformers.util import manhattan_sim\n"
        "a = torch.tensor([[1.0, 0.0, 2.0]]).to_sparse()\n"
        "b = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 5.0]]).to_sparse()\n"
        "print(manhattan_sim(a, b).tolist())\n"
        "print(hasattr(sys.modules['sklearn.metrics'], '__path__'))\n",
        check=True,
    )
    assert result.stdout.splitlines() == ["False False", "[[-2.0, -3.0]]", "True"]


def test_scipy_optimize_is_imported_only_when_transformers_calls_it():
    # transformers imports SciPy's `linear_sum_assignment` for object-detection training
    # losses when sentence-transformers is imported; the embedder defers it.
    result = run_python(
        "import sys, torch\n"
        "from retrieval.embedding import _deferred\n"
        "with _deferred('sklearn.metrics'), _deferred('scipy.optimize'):\n"
        "    from sentence_transformers import SentenceTransformer\n"
        "print('scipy.optimize' in sys.modules)\n"
        "from transformers.loss.loss_for_object_detection import linear_sum_assignment\n"
        "print(linear_sum_assignment.__module__)\n"  # the stand-in's deferred call
        "rows, cols = linear_sum_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])\n"
        "print(rows.tolist(), cols.tolist())\n"
        "print(hasattr(sys.modules['scipy.optimize'], '__path__'))\n",
        check=True,
    )
    assert result.stdout.splitlines() == ["False", "retrieval.embedding", "[0, 1, 2] [1, 0, 2]",
                                          "True"]


def test_a_module_already_imported_is_left_as_it_is():
    import json

    with _deferred("json"):
        import json as inside
    assert inside is json
