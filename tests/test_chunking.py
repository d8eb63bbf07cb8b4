from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.chunking import chunk_document, split_sentences
from tests.conftest import ARTICLE


def test_article_sentences_keep_offsets_and_lines():
    text = ARTICLE.read_text(encoding="utf-8")
    chunks = chunk_document("a", text)
    assert len(chunks) == 19
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert [c.line for c in chunks] == [1, 2, 3, 4, 5, 5, 6, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15, 15]
    assert chunks[3].text.endswith("4.700 Verluste, darunter 600 Tote, erlitten habe.")
    assert chunks[10].text == "Das Bündnis zwischen Putin und Kim Jong Un"  # the subheading
    assert [c.index for c in chunks] == list(range(19))


def test_german_abbreviations_and_numbers_do_not_end_a_sentence():
    text = (
        "Dr. Müller sagte am 3. Okt. 2024, dass ca. 4.700 Soldaten, u.a. aus Pjöngjang, "
        "z.B. per Zug kamen. Das ist die Nr. 1. Er zahlte 3,5 Mio. Euro! Wirklich? Ja."
    )
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Dr. Müller sagte am 3. Okt. 2024, dass ca. 4.700 Soldaten, u.a. aus Pjöngjang, "
        "z.B. per Zug kamen.",
        "Das ist die Nr. 1.",
        "Er zahlte 3,5 Mio. Euro!",
        "Wirklich?",
        "Ja.",
    ]


def test_long_sentence_is_cut_at_a_boundary():
    text = ("Wort, " * 300).strip()
    spans = split_sentences(text, max_chars=100)
    assert all(e - s <= 100 for s, e in spans)
    assert all(not text[s:e].startswith(" ") and not text[s:e].endswith(" ") for s, e in spans)
    # nothing but whitespace is lost between the pieces
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")


def test_chunk_ids_are_stable():
    text = "Erster Satz. Zweiter Satz."
    assert [c.chunk_id for c in chunk_document("d", text)] == ["d:0-12", "d:13-26"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_every_chunk_is_its_document_slice(text):
    for chunk in chunk_document("d", text, max_chars=80):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text


def test_a_line_syntok_fails_on_stays_one_sentence_and_says_where(monkeypatch, caplog):
    import retrieval.chunking as chunking

    real = chunking.segmenter.analyze

    def fails_on_line_two(line):
        if line.startswith("Zweite"):
            raise AssertionError("unexpected bracket")
        return real(line)

    monkeypatch.setattr(chunking.segmenter, "analyze", fails_on_line_two)
    text = "Erste Zeile. Noch ein Satz.\nZweite Zeile. Sie bleibt ganz.\n"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Erste Zeile.", "Noch ein Satz.", "Zweite Zeile. Sie bleibt ganz."]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [(
        "WARNING", "syntok could not split line 2 (character 28) into sentences "
        "(AssertionError: unexpected bracket); keeping the line as one sentence")]  # fmt: skip
