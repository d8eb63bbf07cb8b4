"""Summaries: whole sentences, the lede plus one per topic, and no sentence that leans on
an earlier one shown alone. Structure and word lists on the test articles; choosing
with hand-made vectors; whole summaries with the toy embedder and an in-process Chroma."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.sentences import document_sentences, leans_on_earlier
from bot.summaries import key_sentences, segments, sentence_budget
from retrieval.chunking import HEADING, chunk_document, paragraphs, sections
from retrieval.documents import Document
from retrieval.search import Passage
from tests.conftest import ARTICLE, ARTICLE_ID, make_app

SETS = Path(__file__).parent / "data" / "sets"
HARBOUR = SETS / "en-news" / "harbour-strike.en.txt"
MUSEUM = SETS / "de-wrapped" / "museumsdiebstahl-kaltenbach.de.txt"
SCHOOLS = SETS / "de-md" / "schulreform-elmsbrueck.de.md"
FIRE = SETS / "fr-news" / "incendie-valdorne.fr.txt"


def sentences_of(text: str, lang: str, withheld=lambda p: False):
    """The sentences of `text` as a summary of the ingested document sees them."""
    document = Document("d", "title", text, lang, "d.txt", "")
    passages = [Passage("d", c.start, c.end, c.text, 0.0, c.line, c.index, "title", c.paragraph)
                for c in chunk_document("d", text, lang=lang)]  # fmt: skip
    return document_sentences(document, passages, withheld)


def texts(sentences) -> list[str]:
    return [s.passage.text for s in sentences]


# -- structure -------------------------------------------------------------------------------


def test_the_articles_subheading_is_a_heading_and_starts_a_section():
    text = ARTICLE.read_text(encoding="utf-8")
    paras = paragraphs(text)
    assert len(paras) == 15  # one paragraph per line
    assert [p.index for p in paras if p.kind == HEADING] == [8]
    assert paras[8].text == "Das Bündnis zwischen Putin und Kim Jong Un"
    assert sections(paras) == [0] * 8 + [1] * 7
    sentences = sentences_of(text, "de")
    assert len(sentences) == 18 and "Das Bündnis zwischen Putin und Kim Jong Un" not in texts(sentences)
    assert [s.section for s in sentences] == [0] * 10 + [1] * 8


def test_markdown_headings_and_list_items():
    text = SCHOOLS.read_text(encoding="utf-8")
    headings = [p.text for p in paragraphs(text) if p.kind == HEADING]
    assert headings == ["# Elmsbrück stellt alle Grundschulen auf Ganztag um", "## Was sich ändert",
                        "## Streit um Kosten und Zustimmung", "## Wie es weitergeht"]  # fmt: skip
    sentences = sentences_of(text, "de")
    assert sorted({s.section for s in sentences}) == [0, 1, 2, 3]
    items = [s for s in sentences if s.passage.text.startswith("- ")]
    assert len(items) == 4 and not any(s.candidate for s in items)  # list items are no sentences
    assert not sentences[4].candidate and sentences[4].passage.text == "Die wichtigsten Punkte der Reform:"


def test_a_hard_wrapped_text_gives_whole_sentences():
    text = MUSEUM.read_text(encoding="utf-8")
    sentences = sentences_of(text, "de")
    assert len(sentences) == 30 and all(s.candidate for s in sentences)
    assert sentences[0].passage.text == (
        "Unbekannte Täter haben in der Nacht zum 3. Oktober 2023 den\n"
        "sogenannten Wierstaler Goldschatz aus dem Stadtmuseum Kaltenbach\ngestohlen."
    )  # three lines, and "zum 3." is no sentence end
    assert all(len(s.parts) == 1 for s in sentences)  # the chunker cuts whole sentences
    # the chunker's paragraphs (0 is the title); a full line that ends a sentence and has
    # no blank line after it cannot be told from a wrap, so "Zunächst …" (line 15) goes on
    # paragraph 2
    assert [s.paragraph for s in sentences] == (
        [1] * 3 + [2] * 3 + [3] * 5 + [4] * 4 + [5] * 4 + [6] * 3 + [7] * 2 + [8] * 3 + [9] * 3)
    assert sentences[3].passage.text.startswith("Der Schatz war im 19. Jahrhundert von zwei Bauern")
    assert sentences[22].passage.text == "Damit wurde das Museum zum 2. Mal seit 2018 Ziel eines Einbruchs."
    assert all(text[s.passage.start : s.passage.end] == s.passage.text for s in sentences)


def test_a_quotation_split_by_the_chunker_is_one_sentence_with_its_speaker():
    sentences = sentences_of(HARBOUR.read_text(encoding="utf-8"), "en")
    assert sentences[4].passage.text == (
        '"We are not striking against the future. We are striking against being thrown away by '
        'it," said Maren Odell, the union\'s general secretary, as she addressed pickets outside '
        "Gate 7 on Friday morning."
    )
    fire = sentences_of(FIRE.read_text(encoding="utf-8"), "fr")
    assert fire[3].passage.text.startswith("« Le feu n'est pas fixé. Tant que le vent ne tombe pas")
    assert len(fire[3].parts) == 2


def test_quotation_marks_are_paired_in_order():
    text = ("Die Comicfigur „Little Dot“ forderte die Besucher auf, „den Punkt herunterzuladen\", "
            "ein Programm, das das ABC-Logo um den Bildschirm fliegen lässt. Das Netzwerk "
            "beauftragte die Troika Design Group mit dem Auftritt. Dabei wurde die Färbung des "
            "Logos weiterhin genutzt.\n\n»Wir streiken nicht gegen die Zukunft. Wir streiken "
            "dagegen, von ihr weggeworfen zu werden«, sagte die Gewerkschaftssekretärin Maren "
            "Odell am Freitag.\n")  # fmt: skip
    sentences = sentences_of(text, "de")
    # „…" (as in xquad's ABC article) is closed: the next two sentences stand alone
    assert [len(s.parts) for s in sentences] == [1, 1, 1, 2]
    # the German »…«: the quotation goes on to its speaker
    assert sentences[3].passage.text.startswith("»Wir streiken nicht gegen die Zukunft. Wir")


def test_a_sentence_syntok_cuts_before_a_parenthesis_is_one_sentence():
    text = ("Gandhi rief zum Boykott auf. Revolutionärer ziviler Ungehorsam ist eher ein aktiver "
            "Versuch, eine Regierung zu stürzen (oder kulturelle Traditionen, soziale Bräuche usw. "
            "zu verändern... Revolutionen müssen nicht zwingend politisch sein.\n")  # fmt: skip
    sentences = sentences_of(text, "de")  # the pattern of the xquad article on civil disobedience
    assert [len(s.parts) for s in sentences] == [1, 2, 1]
    assert sentences[1].passage.text.endswith("stürzen (oder kulturelle Traditionen, soziale "
                                              "Bräuche usw. zu verändern...")  # fmt: skip


def test_an_index_of_an_older_chunker_places_its_chunks_by_their_offsets():
    """Chunker version 1 recorded no paragraphs and chunked headings: the summary places
    each chunk by its offsets and leaves the headings out (until `run` chunks it again)."""
    text = ARTICLE.read_text(encoding="utf-8")
    document = Document("d", "title", text, "de", "d.txt", "")
    current = [Passage("d", c.start, c.end, c.text, 0.0, c.line, c.index, "title", c.paragraph)
               for c in chunk_document("d", text, lang="de")]  # fmt: skip
    heading = paragraphs(text)[8]
    older = [replace(p, paragraph=None) for p in current] + [
        Passage("d", heading.start, heading.end, heading.text, 0.0, heading.line, 99, "title")]
    expected = document_sentences(document, current, lambda p: False)
    found = document_sentences(document, older, lambda p: False)
    assert [(s.passage.start, s.paragraph, s.section) for s in found] == [
        (s.passage.start, s.paragraph, s.section) for s in expected]


# -- sentences that lean on an earlier one ---------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        # the bundled article
        ("de", "Der nordkoreanische Aufmarsch erfolgte nach Angaben beider Führer im Rahmen dieses Vertrages."),
        ("de", "Der ukrainische Präsident Wolodymyr Selenskyj weist dies zurück."),
        ("de", "Nordkorea hat demnach Ende letzten Jahres 10.000 bis 12.000 Soldaten nach Russland entsandt."),
        # the museum theft, the school reform
        ("de", "„Das ist ein Verlust für die ganze Region, nicht nur für unser Haus“, sagte sie."),
        ("de", "Dort nutzten sie ein Skript, um Befehle auf dem Server auszuführen."),
        ("de", "„Die Gefahr ist, dass die Münzen eingeschmolzen werden.“"),  # whose words?
        ("de", "Bürgermeister Konrad Faller wies diese Darstellung zurück."),
        ("de", "Sie sei nötig, weil derzeit 1.140 Kinder auf den Wartelisten der Horte stünden."),
        ("de", "Dies sei ein Fehler gewesen, sagte der Minister."),
        ("de", "Er sagte, die Gespräche würden fortgesetzt."),
        # the harbour strike, the rail line
        ("en", '"No outside workers have set foot on our quays," he said.'),
        ("en", "She rejected the union's call for the city council to block the purchase."),
        ("en", "Its spokeswoman, Ruth Cavanagh, said the group would keep pressing for an inquiry."),
        ("en", "This treaty obliges both sides to help each other."),
        ("en", "These figures are far higher than in January."),
        ("en", "He said the talks would resume on Monday."),
        ("en", "The company rejected those claims on Friday."),
        # the forest fire
        ("fr", "L'un d'eux a été hospitalisé à Sainte-Colombe pour une brûlure à la main."),
        ("fr", "Il nie toute responsabilité, a indiqué la procureure de la République."),
        ("fr", "La préfète a rejeté ces critiques, assurant que tous les moyens ont été engagés."),
        ("fr", "« Les renforts sont arrivés trop tard », a-t-il affirmé."),
        ("fr", "Ce traité oblige les deux parties à s'entraider."),
        ("fr", "Ils ont quitté la ville dimanche."),
        ("fr", "C'est la première fois depuis 2003."),
    ],
)
def test_sentences_that_lean_on_an_earlier_one(lang, sentence):
    assert leans_on_earlier(sentence, lang)


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("de", "Der südkoreanische Geheimdienst hat am Mittwoch erklärt, dass rund 4.700 Soldaten verletzt wurden."),
        ("de", "Im vergangenen Jahr unterzeichneten Kim und Putin einen historischen Verteidigungsvertrag."),
        ("de", "Die Stadt hat zugesagt, dass die Teilnahme am Freitagnachmittag freiwillig bleibt."),
        ("de", "Das Museum bleibt bis mindestens zum 15. Oktober geschlossen."),  # an article, not "das ist"
        ("de", "„Auf dem legalen Markt ist der Schatz unverkäuflich“, sagte Vollrath."),
        ("de", "Es gibt keine Hinweise auf weitere Täter."),  # impersonal "es"
        ("de", "In diesem Jahr wurden 300 Soldaten getötet, diese Woche weitere 20."),  # the time of writing
        ("de", "Ermittler prüfen Verbindungen zu ähnlichen Einbrüchen in zwei Museen."),  # not "Er"
        ("en", "Heavy rain fell on the harbour for three days."),  # not "He"
        ("en", "Dock workers at the Port of Vellmar will stay on strike until at least 15 March."),
        ("en", "This year's budget was cut by a third, the council said."),  # decided: the time of writing
        ("en", "It is unclear whether the talks will resume before the end of the month."),
        ("en", "Those who marched on Wednesday were not arrested."),
        ("en", '"For forty years people in this valley were told a railway was too expensive," said Priya Lindqvist.'),
        ("en", "The union is asking for four things: a 9 percent pay rise and paid retraining."),
        ("fr", "Quatre hameaux ont été entièrement évacués : Les Combes, Fontsèche et Pradelles."),
        ("fr", "Il y a eu cinq blessés parmi les pompiers."),
        ("fr", "Cette année, la sécheresse a commencé dès le mois de juin."),
        ("fr", "Le feu s'est propagé très rapidement : il n'est pas tombé une goutte de pluie depuis juin."),
        ("fr", "Les pompiers savent ce qui les attend, est-ce que la préfète le sait ?"),
        ("es", "Ella dijo que el incendio seguía activo."),  # no word lists for Spanish: nothing leans
    ],
)
def test_sentences_that_stand_on_their_own(lang, sentence):
    assert not leans_on_earlier(sentence, lang)


# -- how many, and which ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "sections", "maximum", "budget"),
    [(2, 1, 6, 2), (4, 1, 6, 3), (9, 1, 6, 3), (10, 1, 6, 4), (18, 2, 6, 5), (25, 1, 6, 5),
     (26, 1, 6, 6), (200, 1, 6, 6), (10, 5, 6, 5), (30, 1, 3, 3), (30, 1, 12, 6)],
)  # fmt: skip
def test_sentence_budget_grows_with_the_root_of_the_length(count, sections, maximum, budget):
    assert sentence_budget(count, sections, maximum) == budget


# A made-up report: a teaser line, then three topics, the last under a subheading written
# right above its text.
REPORT = """\
Storm floods harbour of Kestrel town overnight.
Storm floods harbour of Kestrel town overnight, the council says.

Fishing boats sank at their moorings in the flooded harbour.
Fishermen fear they will lose the whole winter season.
The harbour master closed the harbour to all traffic.

Rail traffic to Dunmore stopped because water covered the tracks.
Engineers expect the line to reopen by Friday evening at the latest.
Buses replace the trains between Kestrel and Dunmore until then.

Repairs and money
The council will pay two million euros for the repairs.
This sum comes from the emergency fund of the region.
"""
# Hand-made vectors, one per sentence: the teaser lines, boats, rail, money.
TOPICS = np.eye(4)
REPORT_VECTORS = np.array([
    TOPICS[0], TOPICS[0] * 0.9 + TOPICS[1] * 0.1,
    TOPICS[1], TOPICS[1] * 0.8 + TOPICS[3] * 0.2, TOPICS[1] * 0.6 + TOPICS[0] * 0.4,
    TOPICS[2], TOPICS[2] * 0.8 + TOPICS[1] * 0.2, TOPICS[2] * 0.9 + TOPICS[0] * 0.1,
    TOPICS[3] * 0.7 + TOPICS[0] * 0.3, TOPICS[3],
])  # fmt: skip
REPORT_VECTORS = REPORT_VECTORS / np.linalg.norm(REPORT_VECTORS, axis=1, keepdims=True)
LEDE = "Storm floods harbour of Kestrel town overnight, the council says."
BOATS = "Fishing boats sank at their moorings in the flooded harbour."
RAIL = "Rail traffic to Dunmore stopped because water covered the tracks."
MONEY = "The council will pay two million euros for the repairs."


def report(**changes: str) -> list:
    text = REPORT
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new)
    return sentences_of(text, "en")


def test_the_lede_then_one_sentence_per_topic_none_leaning_alone():
    sentences = report()
    # a line that ends a sentence ends its paragraph; 8 is the subheading
    assert [s.paragraph for s in sentences] == [0, 1, 2, 3, 4, 5, 6, 7, 9, 10]
    assert [s.section for s in sentences] == [0] * 8 + [1] * 2
    assert sentence_budget(10, 2, 6) == 4  # the lede and three topics
    assert segments(sentences, REPORT_VECTORS, list(range(2, 10)), 3) == [[2, 3, 4], [5, 6, 7], [8, 9]]
    assert texts(key_sentences(sentences, REPORT_VECTORS, 6, "en")) == [
        LEDE,  # the second line says what the first does, and more: the lede
        BOATS,
        RAIL,
        # "This sum …" is closest to the money run's mean, but leans on the sentence before
        MONEY,
    ]


def test_a_topic_whose_sentences_all_lean_is_shown_after_what_they_lean_on():
    sentences = report(Rail_traffic_to_Dunmore_stopped="Its closure also stopped rail traffic to Dunmore,",
                       the_line="this line", Buses_replace_the_trains="Buses replace these trains")  # fmt: skip
    assert texts(key_sentences(sentences, REPORT_VECTORS, 6, "en")) == [
        LEDE, BOATS,
        "The harbour master closed the harbour to all traffic.",  # what "Its closure" leans on
        "Its closure also stopped rail traffic to Dunmore, because water covered the tracks.",
        MONEY,
    ]
    # the bound holds: no room for the money topic after the pair
    assert len(key_sentences(sentences, REPORT_VECTORS, 4, "en")) == 4


def test_a_sentence_never_leans_across_a_heading():
    sentences = report(The_council_will_pay="It will pay")  # both money sentences lean now
    assert texts(key_sentences(sentences, REPORT_VECTORS, 6, "en")) == [LEDE, BOATS, RAIL]


def test_a_short_article_gets_three_sentences_and_a_tiny_one_its_lede():
    sentences = report()
    assert texts(key_sentences(sentences, REPORT_VECTORS, 3, "en")) == [  # one run per section
        LEDE, "Engineers expect the line to reopen by Friday evening at the latest.", MONEY]
    assert texts(key_sentences(sentences[:2], REPORT_VECTORS[:2], 6, "en")) == [LEDE]


# -- whole summaries (toy embedder) ---------------------------------------------------------------


def summary_app(settings, chroma_client, toy_embedder, *paths):
    app = make_app(settings, chroma_client, toy_embedder)
    app.ingest(list(paths))
    return app


def test_summary_of_the_article_cites_the_lede_and_a_sentence_per_topic(fake_app):
    answer = fake_app.answerer.summarize(language="de")
    assert fake_app.llm.requests == []
    # the lede (line 1), then one sentence from each of four runs: lines 2-8, 10 (its first
    # sentence; the second leans on it), 11-13 and 14-15. The toy embedder does not see that
    # line 2 repeats line 1 (cosine 0.63); EmbeddingGemma does (0.86), and the summary
    # then starts at line 2 (the lede rule is tested above).
    assert [(c.line, c.start, c.end) for c in answer.citations] == [
        (1, 0, 123), (2, 124, 300), (10, 1716, 1916), (11, 2011, 2115), (15, 2717, 2894)]  # fmt: skip
    text = ARTICLE.read_text(encoding="utf-8")
    assert all(text[c.start : c.end] == c.quote for c in answer.citations)
    assert not any(leans_on_earlier(c.quote, "de") for c in answer.citations)


def test_summary_of_the_harbour_strike(settings, chroma_client, toy_embedder):
    app = summary_app(settings, chroma_client, toy_embedder, HARBOUR)
    answer = app.answerer.summarize(language="en", doc_ids=["harbour-strike.en"])
    assert [(c.line, c.start, c.end) for c in answer.citations] == [
        (3, 62, 276), (9, 868, 1102), (19, 2229, 2311), (21, 2481, 2629), (25, 3175, 3366)]  # fmt: skip
    assert answer.answer.startswith("Dock workers at the Port of Vellmar will stay on strike until at least "
                                    "15 March, their union announced on Friday")  # fmt: skip
    assert "Note to AI" not in answer.answer  # a withheld passage is never a summary sentence
    assert app.llm.requests == []


def test_summary_of_a_wrapped_text_shows_whole_sentences_on_one_line(settings, chroma_client, toy_embedder):
    app = summary_app(settings, chroma_client, toy_embedder, MUSEUM)
    answer = app.answerer.summarize(language="de")
    # each sentence is one chunk with one vector now (the line pieces' vectors were summed
    # before): the alarm's hacking and the security firm's denial stand for their topics
    assert [(c.line, c.start, c.end) for c in answer.citations] == [
        (3, 53, 188), (13, 625, 728), (19, 979, 1127), (26, 1351, 1489), (45, 2361, 2565),
        (55, 2850, 2978)]  # fmt: skip
    first = answer.citations[0].quote
    assert first == ("Unbekannte Täter haben in der Nacht zum 3. Oktober 2023 den\nsogenannten Wierstaler "
                     "Goldschatz aus dem Stadtmuseum Kaltenbach\ngestohlen.")  # fmt: skip
    assert answer.answer.startswith(" ".join(first.split())[:-1] + " [1]. ")
    assert "\n" not in answer.answer


def test_summary_of_two_documents_shares_the_bound(settings, chroma_client, toy_embedder):
    app = summary_app(settings, chroma_client, toy_embedder, ARTICLE, HARBOUR)
    answer = app.answerer.summarize(language="de")
    assert [c.doc_id for c in answer.citations] == ["harbour-strike.en"] * 3 + [ARTICLE_ID] * 3


def test_focus_shows_a_leaning_sentence_after_the_one_it_leans_on(fake_app):
    answer = fake_app.answerer.summarize(language="de", focus="Selenskyj weist zurück")
    quotes = [c.quote for c in answer.citations]
    rejects = "Der ukrainische Präsident Wolodymyr Selenskyj weist dies zurück."
    assert rejects in quotes
    moscow = quotes[quotes.index(rejects) - 1]
    assert moscow.startswith("In der vergangenen Woche verkündete Moskau den Abschluss")
    assert "Das Bündnis zwischen Putin und Kim Jong Un" not in quotes  # headings never
