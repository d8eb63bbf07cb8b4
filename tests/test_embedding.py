"""The sentence-transformers embedder: what it keeps in memory, and how it scores pairs."""

from types import SimpleNamespace

import pytest

from retrieval.embedding import _drop_tokenizer_copies

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


@pytest.mark.slow
def test_the_real_tokenizer_gives_the_same_ids_without_its_python_copies(real_embedder):
    from transformers import AutoTokenizer

    model = real_embedder.load()
    assert model.tokenizer._vocab is None and model.tokenizer._merges is None
    full = AutoTokenizer.from_pretrained(str(real_embedder.path), local_files_only=True)
    assert len(full._vocab) == 262_144  # what was dropped
    for text in TEXTS:
        assert model.tokenizer(text)["input_ids"] == full(text)["input_ids"]
