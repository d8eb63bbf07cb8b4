"""Which figure of a sentence a how-many answer should give."""

import pytest

from bot.checks import better_figure, counts_a_measure
from bot.numbers import figure_clauses

JANUARY = (
    "Die jüngsten Zahlen stellen einen Anstieg im Vergleich zum Januar dar, als schätzungsweise "
    "300 nordkoreanische Soldaten getötet und weitere 2.700 verwundet wurden."
)
LOSSES = "Nordkorea habe 4.700 Verluste, darunter 600 Tote, erlitten."
SENT = "Nordkorea hat 10.000 bis 12.000 Soldaten entsandt, und im März weitere 3.000 Soldaten geschickt."
DOCUMENT = [
    "Rund 4.700 nordkoreanische Soldaten wurden getötet oder verletzt.",
    LOSSES,
    "Laut des NIS wurden 2.000 verletzte nordkoreanische Soldaten zurückgebracht.",
    JANUARY,
    SENT,
]


def test_figure_clauses_are_the_words_after_each_figure():
    assert figure_clauses(JANUARY) == [
        ("300", "nordkoreanische Soldaten getötet und weitere"),
        ("2.700", "verwundet wurden"),
    ]
    assert figure_clauses(SENT) == [
        ("10.000 bis 12.000", "Soldaten entsandt"),
        ("3.000", "Soldaten geschickt"),
    ]
    assert figure_clauses("In 2023, 4,700 were hurt and 1 200 died; 3.5 percent - no more.") == [
        ("2023", ""), ("4,700", "were hurt and"), ("1 200", "died"), ("3.5", "percent"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "question", "passage", "swap"),
    [
        # "verwundet" is in one sentence of the document, "Soldaten" in four: it decides.
        ("300 [1].", "Wie viele Soldaten waren im Januar verwundet?", JANUARY, ("300", "2.700")),
        ("2.700 [1].", "Wie viele Soldaten wurden im Januar getötet?", JANUARY, ("2.700", "300")),
        ("300 [1].", "Wie viele Soldaten wurden im Januar getötet?", JANUARY, None),
        ("600 [1].", "Wie viele Verluste erlitt Nordkorea?", LOSSES, ("600", "4.700")),
        ("4.700 [1].", "Wie viele Tote gab es?", LOSSES, ("4.700", "600")),
        # Neither clause holds a word of the question: the model's choice stands.
        ("4.700 [1].", "Wie viele wurden getötet?", LOSSES, None),
        # Two figures given, or a range: not one figure to swap.
        ("300 getötet, 2.700 verwundet [1].", "Wie viele Soldaten waren verwundet?", JANUARY, None),
        ("3.000 [1].", "Wie viele Soldaten wurden entsandt?", SENT, None),
        # One figure in the passage: nothing to choose from.
        ("2.000 [1].", "Wie viele Soldaten waren verwundet?", DOCUMENT[2], None),
    ],
)
def test_better_figure(answer, question, passage, swap):
    assert better_figure(answer, question, passage, DOCUMENT) == swap


@pytest.mark.parametrize(
    ("answer", "question", "measured"),
    [
        ("1,000 square kilometers of land were occupied [1].", "How many Ukrainian soldiers died?", True),
        ("fast 1.000 Quadratkilometer Land [1].", "Wie viele Soldaten starben?", True),
        ("il y a 1 000 kilomètres carrés [1]", "Combien de soldats sont morts ?", True),
        ("Russia paid € 3 [1].", "How many soldiers did Russia pay for?", True),
        # The question names the unit, or asks how much / how large: the measure is the answer.
        ("about 1,000 square kilometers [1].", "How many square kilometers did Ukraine capture?", False),
        ("about 1,000 km² [1]", "How much land did Ukraine capture?", False),
        # A count among the figures, or no unit at all.
        ("300 soldiers, on 1,000 square kilometers [1]", "How many soldiers?", False),
        ("600 Tote [1].", "Wie viele Soldaten starben?", False),
        ("5 % of the troops [1]", "How many troops died?", False),
        ("The article does not give a figure.", "How many troops died?", False),
    ],
)
def test_counts_a_measure(answer, question, measured):
    assert counts_a_measure(answer, question) is measured
