"""Summaries: whole sentences, and no sentence that leans on an earlier one shown alone.
Structure and word lists on the test articles."""

from pathlib import Path

import pytest

from bot.sentences import document_sentences, leans_on_earlier, paragraphs
from retrieval.chunking import chunk_document
from retrieval.documents import Document
from retrieval.search import Passage
from tests.conftest import ARTICLE

SETS = Path(__file__).parent / "data" / "sets"
HARBOUR = SETS / "en-news" / "harbour-strike.en.txt"
MUSEUM = SETS / "de-wrapped" / "museumsdiebstahl-kaltenbach.de.txt"
SCHOOLS = SETS / "de-md" / "schulreform-elmsbrueck.de.md"
FIRE = SETS / "fr-news" / "incendie-valdorne.fr.txt"


def sentences_of(text: str, lang: str, withheld=lambda p: False):
    document = Document("d", "title", text, lang, "d.txt", "")
    passages = [Passage("d", c.start, c.end, c.text, 0.0, c.line, c.index, "title")
                for c in chunk_document("d", text)]  # fmt: skip
    return document_sentences(document, passages, withheld)


def texts(sentences) -> list[str]:
    return [s.passage.text for s in sentences]


# -- structure -------------------------------------------------------------------------------


def test_the_articles_subheading_is_a_heading_and_starts_a_section():
    text = ARTICLE.read_text(encoding="utf-8")
    paras = paragraphs(text)
    assert len(paras) == 15  # one paragraph per line
    assert [i for i, p in enumerate(paras) if p.heading] == [8]
    assert text[paras[8].start : paras[8].end] == "Das Bündnis zwischen Putin und Kim Jong Un"
    sentences = sentences_of(text, "de")
    assert len(sentences) == 18 and "Das Bündnis zwischen Putin und Kim Jong Un" not in texts(sentences)
    assert [s.section for s in sentences] == [0] * 10 + [1] * 8


def test_markdown_headings_and_list_items():
    text = SCHOOLS.read_text(encoding="utf-8")
    headings = [text[p.start : p.end] for p in paragraphs(text) if p.heading]
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
    )  # four chunks: three lines, and "zum 3." is no sentence end
    assert len(sentences[0].parts) == 4
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
