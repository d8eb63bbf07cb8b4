import pytest

from bot.citations import (
    QuoteMismatch,
    drop_unsourced,
    make_citation,
    markers,
    renumber,
    strip_partial_marker,
)
from bot.numbers import normalise_number, numbers, unsupported_numbers
from retrieval.documents import Document
from retrieval.search import Passage

DOC = Document("d", "Titel", "Erster Satz. Es gab 4.700 Verluste, darunter 600 Tote.", "de", "x", "h")


def passage(start, end, text=None):
    return Passage("d", start, end, text if text is not None else DOC.text[start:end], 0.9, 1, 0, "Titel")


def test_citation_is_cut_from_the_document():
    c = make_citation(1, passage(13, 55), DOC)
    assert (c.quote, c.start, c.end) == ("Es gab 4.700 Verluste, darunter 600 Tote.", 13, 55)
    assert c.to_dict() == {"n": 1, "doc_id": "d", "quote": DOC.text[13:55], "start": 13, "end": 55}


def test_citation_refuses_a_passage_that_differs_from_its_document():
    with pytest.raises(QuoteMismatch):
        make_citation(1, passage(13, 55, "Es gab 9.999 Verluste."), DOC)


def test_markers_in_order_with_lists():
    assert markers("a [2] b [1, 3] c [ 2 ]") == [2, 1, 3, 2]


def test_renumber_keeps_valid_markers_by_first_appearance():
    text, order = renumber("Zuerst [3], dann [1] und [7], wieder [3] [3].", [1, 2, 3])
    assert (text, order) == ("Zuerst [1], dann [2] und, wieder [1].", [3, 1])


def test_renumber_splits_lists_and_drops_unknown_numbers():
    assert renumber("Fakt [2, 5].", [1, 2]) == ("Fakt [1].", [2])
    assert renumber("Fakt [1,2].", [1, 2]) == ("Fakt [1][2].", [1, 2])


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("4.700", "4700"), ("4,700", "4700"), ("4700", "4700"), ("10.000", "10000"),
     ("3,5", "3.5"), ("3.5", "3.5"), ("1 000", "1000")],
)  # fmt: skip
def test_numbers_normalise_across_styles(raw, normal):
    assert normalise_number(raw) == normal


def test_numbers_found_in_text_and_words():
    assert numbers("rund 4.700 Verluste, darunter 600 Tote [2], drei Verletzte") == {"4700", "600", "3"}


def test_unsupported_numbers():
    source = "Nordkorea hat 10.000 bis 12.000 Soldaten entsandt, zwölf Generäle."
    assert unsupported_numbers("10,000 to 12,000 soldiers [1]", [source]) == set()
    assert unsupported_numbers("12 generals", [source]) == set()
    assert unsupported_numbers("Kim is 60 years old [1].", [source]) == {"60"}
    assert unsupported_numbers("Why did 60 die?", [source], question="Why did 60 die?") == set()


def test_partial_marker_is_hidden_while_streaming():
    assert strip_partial_marker("Es waren 600 [") == "Es waren 600 "
    assert strip_partial_marker("Es waren 600 [1") == "Es waren 600 "
    assert strip_partial_marker("Es waren 600 [1]") == "Es waren 600 [1]"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Moskau verkündete es [1], und Kiew bestreitet es [3].", "Moskau verkündete es [1]."),
        ("Moskau verkündete es [1]. Selenskyj war erfreut [2].", "Moskau verkündete es [1]."),
        ("Selenskyj war erfreut [2], und Moskau verkündete es [1].", "Und Moskau verkündete es [1]."),
        # A valid marker beside an invalid one keeps its statement.
        ("Es gab 600 Tote [4] [1].", "Es gab 600 Tote [4] [1]."),
        ("Es gab 600 Tote [1]. Mehr steht nicht da.", "Es gab 600 Tote [1]. Mehr steht nicht da."),
        # No valid marker at all: left to the SOURCES line and the evidence check.
        ("Es gab 600 Tote [2].", "Es gab 600 Tote [2]."),
    ],
)
def test_drop_unsourced(text, plain):
    assert drop_unsourced(text, [1]) == plain
