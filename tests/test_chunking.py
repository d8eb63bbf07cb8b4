"""Chunking: paragraphs (blank lines, hard wraps, Markdown), headings left out, sentences
with German ordinals kept whole, and `text[start:end] == chunk.text` for every chunk."""

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.chunking import (
    HEADING,
    ITEM,
    TEXT,
    chunk_document,
    paragraphs,
    split_sentences,
    wrap_width,
)
from tests.conftest import ARTICLE, ROOT, SHARED

SETS = ROOT / "tests" / "data" / "sets"
DE_WRAPPED = SETS / "de-wrapped" / "museumsdiebstahl-kaltenbach.de.txt"
EN_WRAPPED = SETS / "en-wrapped" / "migraine-trial.en.txt"
DE_MD = SETS / "de-md" / "schulreform-elmsbrueck.de.md"
XQUAD = SHARED / "corpus" / "xquad-dev" / "docs"
# The number of chunks of each document of the shared xquad-dev corpus (the old
# line-by-line chunker made one more of each: the title; two more of apollo-program and
# three more of french-and-indian-war, which it cut after "am 21.", "am 5.", "am 16.").
XQUAD_CHUNKS = {
    "amazon-rainforest": 17, "american-broadcasting-company": 17, "apollo-program": 13,
    "chloroplast": 12, "civil-disobedience": 17, "computational-complexity-theory": 11,
    "construction": 13, "ctenophora": 23, "doctor-who": 16, "economic-inequality": 16,
    "french-and-indian-war": 14, "fresno-california": 17,  # "des frühen 20. Jahrhunderts …" one sentence
}  # fmt: skip
# A sentence as the test documents write one: a capital or an opening quote first, its
# final punctuation (and a closing quote) last.
WHOLE_SENTENCE = re.compile(r"[„\"A-ZÄÖÜ].*[.!?][“\"]?", re.DOTALL)


def read(path):
    return path.read_text(encoding="utf-8")


def assert_exact_slices(text, chunks):
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
    assert [c.index for c in chunks] == list(range(len(chunks)))


# -- the bundled article: one paragraph per line ------------------------------------------


def test_article_chunks_are_unchanged_but_the_subheading():
    text = read(ARTICLE)
    chunks = chunk_document("a", text, lang="de")
    assert_exact_slices(text, chunks)
    # the old chunker's 19, without line 9 ("Das Bündnis zwischen Putin und Kim Jong Un")
    assert len(chunks) == 18
    chunk_lines = [1, 2, 3, 4, 5, 5, 6, 6, 7, 8, 10, 10, 11, 12, 13, 14, 15, 15]
    assert [c.line for c in chunks] == chunk_lines
    assert [c.paragraph for c in chunks] == [c.line - 1 for c in chunks]
    assert chunks[3].text.endswith("4.700 Verluste, darunter 600 Tote, erlitten habe.")
    assert chunks[4].text.startswith("Laut des NIS wurden zwischen Januar und März 2.000")
    lines = text.splitlines()
    for line_no in (1, 2, 3, 4, 7, 8, 11, 12, 13, 14):  # lines of one sentence are one chunk
        [chunk] = [c for c in chunks if c.line == line_no]
        assert chunk.text == lines[line_no - 1].strip()
    for line_no in (5, 6, 10, 15):  # lines of two sentences are two chunks, split as before
        assert " ".join(c.text for c in chunks if c.line == line_no) == lines[line_no - 1]


def test_article_paragraphs_are_its_lines_and_the_subheading_is_a_heading():
    text = read(ARTICLE)
    found = paragraphs(text)
    assert wrap_width(text) is None  # 15 lines of 43 to 322 characters
    assert [(p.index, p.line) for p in found] == [(i, i + 1) for i in range(15)]
    assert [p.text for p in found] == text.splitlines()
    assert [(p.line, p.text) for p in found if p.kind == HEADING] == [
        (9, "Das Bündnis zwischen Putin und Kim Jong Un")]  # fmt: skip


# -- hard-wrapped files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "lang", "width", "starts", "chunk_lines"),
    [
        (DE_WRAPPED, "de", 69, [1, 3, 11, 18, 25, 35, 43, 50, 54, 60],
         [3, 5, 7, 11, 13, 15, 18, 18, 19, 22, 23, 25, 26, 28, 30, 35, 35, 37, 38, 43, 43, 45,
          50, 51, 54, 55, 57, 60, 62, 64]),
        (EN_WRAPPED, "en", 72, [1, 3, 10, 16, 23, 28, 36, 41, 49, 54],
         [3, 6, 10, 11, 12, 16, 17, 18, 23, 25, 28, 29, 31, 31, 36, 37, 41, 43, 45, 49, 51, 54,
          55, 56]),
    ],
)  # fmt: skip
def test_wrapped_files_are_chunked_by_paragraph_and_whole_sentence(
    path, lang, width, starts, chunk_lines
):
    text = read(path)
    assert wrap_width(text) == width
    found = paragraphs(text)
    assert [p.line for p in found] == starts
    assert [p.kind for p in found] == [HEADING] + [TEXT] * 9  # the title, then 9 paragraphs
    chunks = chunk_document(path.stem, text, lang=lang)
    assert_exact_slices(text, chunks)
    assert [c.line for c in chunks] == chunk_lines
    for chunk in chunks:  # no chunk starts or ends mid-sentence
        assert WHOLE_SENTENCE.fullmatch(chunk.text), chunk.text
        paragraph = found[chunk.paragraph]
        assert paragraph.kind == TEXT
        assert paragraph.start <= chunk.start < chunk.end <= paragraph.end
    # every paragraph is covered by its chunks, whitespace aside
    for paragraph in found[1:]:
        inside = [c.text for c in chunks if c.paragraph == paragraph.index]
        assert " ".join(inside).split() == paragraph.text.split()


def test_a_wrapped_sentence_is_quoted_verbatim_with_its_line_breaks():
    text = read(DE_WRAPPED)
    chunks = chunk_document("d", text, lang="de")
    assert chunks[0].text == (
        "Unbekannte Täter haben in der Nacht zum 3. Oktober 2023 den\n"
        "sogenannten Wierstaler Goldschatz aus dem Stadtmuseum Kaltenbach\n"
        "gestohlen."
    )
    assert [c.text for c in chunks if c.paragraph == 7] == [
        "Damit wurde das Museum zum 2. Mal seit 2018 Ziel eines Einbruchs.",
        "Damals hatten Täter zwei Gemälde aus dem Westflügel entwendet, die\n"
        "wenige Wochen später in einer Lagerhalle am Stadtrand gefunden wurden.",
    ]
    assert chunks[-1].text == "Das Museum bleibt bis mindestens zum 15. Oktober\ngeschlossen."
    en = chunk_document("m", read(EN_WRAPPED), lang="en")
    assert en[3].text == (
        "Patients took either one velotrexan tablet or a placebo\nevery evening for 24 weeks."
    )


def test_in_a_wrapped_text_a_short_line_ends_its_paragraph_without_a_blank_line():
    text = (
        "Der Gemeinderat hat am Dienstagabend nach langer Debatte beschlossen,\n"
        "die alte Turnhalle neben der Grundschule abzureißen und an ihrer\n"
        "Stelle einen Neubau zu errichten.\n"
        "Die Kosten werden auf rund vier Millionen Euro geschätzt, wovon das\n"
        "Land etwa die Hälfte übernehmen soll. Baubeginn ist im Frühjahr.\n"
    )
    assert wrap_width(text) == 69
    found = paragraphs(text)
    assert [(p.line, p.kind) for p in found] == [(1, TEXT), (4, TEXT)]
    chunks = chunk_document("t", text, lang="de")
    assert [(c.paragraph, c.line) for c in chunks] == [(0, 1), (1, 4), (1, 5)]
    assert chunks[2].text == "Baubeginn ist im Frühjahr."


def test_a_date_at_the_start_of_a_wrapped_line_is_no_list_item():
    text = (
        "Die Ausstellung im Stadtmuseum bleibt nach dem Einbruch vom vergangenen\n"
        "3. Oktober bis auf Weiteres geschlossen, teilte die Stadt am Freitag\n"
        "mit. Die Polizei ermittelt weiter.\n"
    )
    chunks = chunk_document("t", text, lang="de")
    assert [c.text.split()[-1] for c in chunks] == ["mit.", "weiter."]
    assert {c.paragraph for c in chunks} == {0}


def test_windows_line_breaks_are_soft_wraps_too_and_stay_in_the_quote():
    text = read(EN_WRAPPED).replace("\n", "\r\n")
    chunks = chunk_document("m", text, lang="en")
    assert_exact_slices(text, chunks)
    assert len(chunks) == 24
    assert chunks[3].text == (
        "Patients took either one velotrexan tablet or a placebo\r\nevery evening for 24 weeks."
    )


def test_lines_that_are_sentences_are_not_taken_for_a_wrapped_text():
    text = (
        "Der Bürgermeister eröffnete die neue Bibliothek am Hafen.\n"
        "Sie hat 38.000 Bücher, doppelt so viele wie die alte Filiale.\n"
        "Der Umbau kostete 4,2 Millionen Euro und dauerte drei Jahre.\n"
        "Freiwillige haben die Uhr im Turm wieder in Gang gesetzt.\n"
    )
    assert wrap_width(text) is None
    assert [p.line for p in paragraphs(text)] == [1, 2, 3, 4]


# -- Markdown and title lines -------------------------------------------------------------


def test_markdown_headings_are_no_chunks_and_list_items_are_paragraphs():
    text = read(DE_MD)
    assert wrap_width(text) is None
    found = paragraphs(text)
    assert [(p.line, p.kind) for p in found if p.kind != TEXT] == [
        (1, HEADING), (5, HEADING), (9, ITEM), (10, ITEM), (11, ITEM), (12, ITEM),
        (16, HEADING), (26, HEADING),
    ]  # fmt: skip
    assert [p.text for p in found if p.kind == HEADING] == [
        "# Elmsbrück stellt alle Grundschulen auf Ganztag um", "## Was sich ändert",
        "## Streit um Kosten und Zustimmung", "## Wie es weitergeht",
    ]  # fmt: skip
    chunks = chunk_document("s", text, lang="de")
    assert_exact_slices(text, chunks)
    assert len(chunks) == 31
    assert not [c for c in chunks if c.text.startswith("#")]
    assert [c.text for c in chunks if found[c.paragraph].kind == ITEM] == [
        "- Unterricht und Betreuung an vier Tagen pro Woche bis 15.30 Uhr",
        "- Lernzeiten in der Schule statt Hausaufgaben",
        "- ein warmes Mittagessen für 3,50 Euro pro Tag",
        "- Förderkurse und Arbeitsgemeinschaften am Freitagnachmittag",
    ]
    assert chunks[0].text.startswith("Der Stadtrat von Elmsbrück hat am 12. März 2025 beschloss")


def test_numbered_and_bulleted_items_of_a_wrapped_text_are_paragraphs():
    text = (
        "# Was der Rat beschlossen hat\n"
        "Der Rat der Stadt hat in seiner Sitzung die folgenden drei Punkte\n"
        "beschlossen, über die nun die Verwaltung entscheiden muss:\n"
        "1. Die Turnhalle an der Grundschule wird abgerissen und neu gebaut\n"
        "2. Die Bibliothek am Hafen öffnet künftig auch am Sonntag für alle\n"
        "3. Der Busbahnhof erhält ein neues Dach aus Glas und aus Stahl\n"
        "* Für alle drei Punkte sind im Haushalt insgesamt fünf Millionen\n"
        "  Euro vorgesehen.\n"
    )
    assert wrap_width(text) == 66
    found = paragraphs(text)
    assert [(p.line, p.kind) for p in found] == [
        (1, HEADING), (2, TEXT), (4, ITEM), (5, ITEM), (6, ITEM), (7, ITEM)]  # fmt: skip
    chunks = chunk_document("t", text, lang="de")
    assert [c.paragraph for c in chunks] == [1, 2, 3, 4, 5]
    assert chunks[-1].text == (
        "* Für alle drei Punkte sind im Haushalt insgesamt fünf Millionen\n  Euro vorgesehen."
    )


@pytest.mark.parametrize("name", sorted(XQUAD_CHUNKS))
def test_xquad_title_lines_are_headings_and_paragraphs_are_chunked(name):
    path = XQUAD / f"{name}.txt"
    if not path.exists():
        pytest.skip("../shared is not beside this checkout")
    text = read(path)
    found = paragraphs(text)
    assert [(p.line, p.kind) for p in found] == [(1, HEADING), (3, TEXT), (5, TEXT), (7, TEXT)]
    assert found[0].text == text.splitlines()[0]
    chunks = chunk_document(name, text, lang="de")
    assert_exact_slices(text, chunks)
    assert len(chunks) == XQUAD_CHUNKS[name]
    assert {c.paragraph for c in chunks} == {1, 2, 3}
    assert [c.line for c in chunks] == sorted(c.line for c in chunks) and chunks[0].line == 3


def test_a_title_line_and_a_separator_are_headings_but_a_question_or_a_quote_is_not():
    text = ("Fresno, California\n\nWie groß ist Fresno?\n\n„Keine Erzieherin wird entlassen“\n"
            "\n---\n\nFresno hat 500.000 Einwohner.\n")  # fmt: skip
    assert [(p.kind, p.text) for p in paragraphs(text)] == [
        (HEADING, "Fresno, California"), (TEXT, "Wie groß ist Fresno?"),
        (TEXT, "„Keine Erzieherin wird entlassen“"), (HEADING, "---"),
        (TEXT, "Fresno hat 500.000 Einwohner."),
    ]  # fmt: skip
    assert [(c.paragraph, c.text) for c in chunk_document("f", text)] == [
        (1, "Wie groß ist Fresno?"), (2, "„Keine Erzieherin wird entlassen“"),
        (4, "Fresno hat 500.000 Einwohner."),
    ]  # fmt: skip


# -- sentences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Am 3. Oktober 1990 trat die DDR der Bundesrepublik bei.",
        "Im 19. Jahrhundert wuchs die Stadt.",
        "Er gewann zum 2. Mal den Preis.",
        "Die Sitzung am Montag, 4. März, dauerte lange.",
        # from the test documents
        "Der Schatz war im 19. Jahrhundert von zwei Bauern beim Pflügen eines Ackers entdeckt.",
        "Am 4. Oktober 2023 veröffentlichte die Polizei Bilder der Überwachungskamera.",
        "Eltern werden gebeten, ihr Kind bis zum 30. April anzumelden.",
        "Contrecœur verließ Fort Venango am 5. April 1754 mit 500 Mann in Richtung Süden.",
        "Seit dem 1. Januar gilt die Regel, vom 3. bis 5. Mai tagt der Rat.",
        "Zu seinem 80. Geburtstag kam die ganze Stadt.",
        # an adjective between the article and the ordinal
        "Das Viertel schließt den Kearney Boulevard ein, der nach dem Unternehmer und Millionär "
        "des frühen 20. Jahrhunderts M. Theo Kearney benannt ist.",
        "Im späten 19. Jahrhundert wuchs die Stadt.",
    ],
)
def test_german_ordinals_and_dates_do_not_end_a_sentence(sentence):
    assert split_sentences(sentence, lang="de") == [(0, len(sentence))]


@pytest.mark.parametrize(
    ("text", "lang", "sentences"),
    [
        # a number after any other word ends the sentence
        ("Die Antwort lautete 42. Danach ging es weiter.", "de",
         ["Die Antwort lautete 42.", "Danach ging es weiter."]),
        ("Er wurde 3. Die anderen kamen später.", "de",
         ["Er wurde 3.", "Die anderen kamen später."]),
        ("Das ist die Nr. 1. Er zahlte 3,5 Mio. Euro!", "de",
         ["Das ist die Nr. 1.", "Er zahlte 3,5 Mio. Euro!"]),
        # after "bis", "der" too, when a word follows that opens sentences
        ("Die Zahl stieg bis 12. Danach fiel sie.", "de",
         ["Die Zahl stieg bis 12.", "Danach fiel sie."]),
        ("Es war der 3. Dann kam der 4.", "de", ["Es war der 3.", "Dann kam der 4."]),
        ("Sie zählten die ersten 20. Danach kamen keine mehr.", "de",
         ["Sie zählten die ersten 20.", "Danach kamen keine mehr."]),
        ("Die Antwort lautete 42. Polizisten kamen.", "de", ["Die Antwort lautete 42.", "Polizisten kamen."]),
        # years and times are no ordinals
        ("Das Museum öffnete im Jahr 2018. Im Mai kamen 4.700 Besucher.", "de",
         ["Das Museum öffnete im Jahr 2018.", "Im Mai kamen 4.700 Besucher."]),
        # the rules are German: English "am" is no preposition, and without a
        # language syntok's splits stand
        ("I am 5. My sister is 7.", "en", ["I am 5.", "My sister is 7."]),
        ("Im 19. Jahrhundert wuchs die Stadt.", None, ["Im 19.", "Jahrhundert wuchs die Stadt."]),
    ],
)  # fmt: skip
def test_numbers_that_end_a_sentence_still_end_it(text, lang, sentences):
    assert [text[s:e] for s, e in split_sentences(text, lang=lang)] == sentences


def test_german_abbreviations_and_numbers_do_not_end_a_sentence():
    text = (
        "Dr. Müller sagte am 3. Okt. 2024, dass ca. 4.700 Soldaten, u.a. aus Pjöngjang, "
        "z.B. per Zug kamen. Das ist die Nr. 1. Er zahlte 3,5 Mio. Euro! Wirklich? Ja."
    )
    sentences = [text[s:e] for s, e in split_sentences(text, lang="de")]
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


def test_a_long_wrapped_sentence_is_cut_and_every_piece_keeps_its_paragraph():
    words = ("Der Rat hat am 3. Oktober " + "nach Debatte und vielen Anträgen " * 30).split()
    text = "Titel\n\n" + textwrap.fill(" ".join([*words, "beschlossen."]), width=70)
    chunks = chunk_document("t", text, max_chars=200, lang="de")
    assert_exact_slices(text, chunks)
    assert len(chunks) > 5 and all(len(c.text) <= 200 for c in chunks)
    assert {c.paragraph for c in chunks} == {1}
    assert chunks[0].text.startswith("Der Rat hat am 3. Oktober nach")


def test_chunk_ids_are_stable():
    text = "Erster Satz. Zweiter Satz."
    assert [c.chunk_id for c in chunk_document("d", text)] == ["d:0-12", "d:13-26"]


def test_a_paragraph_syntok_fails_on_stays_one_sentence_and_says_where(monkeypatch, caplog):
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
        "WARNING", "syntok could not split the paragraph at line 2 (character 28) into "
        "sentences (AssertionError: unexpected bracket); keeping the paragraph as one "
        "sentence")]  # fmt: skip


# -- properties ---------------------------------------------------------------------------


def assert_well_formed(text, chunks):
    assert_exact_slices(text, chunks)
    found = paragraphs(text)
    assert [p.index for p in found] == list(range(len(found)))
    assert all(text[p.start : p.end] == p.text and p.text == p.text.strip() for p in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))
    for chunk in chunks:
        paragraph = found[chunk.paragraph]
        assert paragraph.kind != HEADING
        assert paragraph.start <= chunk.start < chunk.end <= paragraph.end
        assert chunk.line == text.count("\n", 0, chunk.start) + 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_every_chunk_is_its_document_slice(text):
    assert_well_formed(text, chunk_document("d", text, max_chars=80, lang="de"))


WORDS = st.sampled_from(
    "Haus Stadt Rat Bürger Straße Woche Brücke Schule Museum the council river bridge "
    "school village morning Regen ging kam baute hatte sagte weit sehr lange wieder "
    "am im zum der die das und oder 3. 19. 4.700 12 Oktober März 2,5 „so“ (etwa)".split()
)
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\n\n", " \n", "\n  \n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(WORDS, min_size=1, max_size=30), LINE_BREAKS,
                          st.sampled_from([".", "", "!", ":"])), max_size=25))  # fmt: skip
def test_random_texts_with_random_wraps_are_cut_exactly(pieces):
    text = "".join(" ".join(words) + end + brk for words, brk, end in pieces)
    assert_well_formed(text, chunk_document("d", text, max_chars=120, lang="de"))


VOCABULARY = (
    "Haus Stadt Bürger Straße Woche Brücke Schule Museum Morgen Abend Regen Wagen ging kam "
    "baute hatte sagte fuhr weit sehr lange wieder später darauf deshalb neben unter über "
    "hinter alten neuen großen kleinen Hafen Markt"
).split()
SENTENCE = st.lists(st.sampled_from(VOCABULARY), min_size=14, max_size=20).map(
    lambda words: " ".join([words[0].capitalize(), *words[1:]]) + "."
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(SENTENCE, min_size=2, max_size=5), min_size=2, max_size=5),
    st.integers(min_value=40, max_value=68),
    st.booleans(),
)
def test_hard_wrapped_paragraphs_come_back_as_their_sentences(paras, width, title):
    """Sentences of 14 to 20 words wrapped at 40 to 68 characters: every chunk is one
    sentence (whitespace aside) of its own paragraph, whatever the wrap."""
    blocks = [textwrap.fill(" ".join(sentences), width=width) for sentences in paras]
    text = ("Ein Titel ohne Punkt\n\n" if title else "") + "\n\n".join(blocks) + "\n"
    chunks = chunk_document("d", text, lang="de")
    assert_well_formed(text, chunks)
    assert wrap_width(text) is not None
    assert [" ".join(c.text.split()) for c in chunks] == [s for p in paras for s in p]
    assert [c.paragraph for c in chunks] == [
        i + title for i, sentences in enumerate(paras) for _ in sentences
    ]
