"""Checks of a reply against its question, in code: did it say anything the question
did not, and did it give the figure a how-many question asks for?

A reply that fails them leaves out what was asked; the answering core then shows
what the article says instead (see `Answerer.ask`).
"""

from __future__ import annotations

import re

from bot.citations import numbers, strip_markers
from bot.routing import asks_how_many

# Function words and reporting words of the supported languages: an answer made only of
# these and the question's own words says nothing new. Negations are not in the list:
# "X did not say that" corrects a question, it does not repeat it.
_FILLER = frozenset("""
the a an and or but of to in on at for by with from that this these those is are was were be
been being has have had did does do it its their his her they he she as about
any all there than then so such which who whom what when where why how article passage
passages text according says said say states stated state mentions mentioned report reports
reported reportedly claims claimed however also only
der die das den dem des ein eine einer eines einem einen und oder aber von vom zu zum zur im
in am an auf für mit aus dass ist sind war waren wird wurde wurden worden hat haben hatte
hatten laut artikel text es sie er ihr ihre ihren seine sein nach bei
dies diese dieser dieses warum wieso weshalb wie wer was wann wo heißt heisst steht sagt sagte
gesagt erklärt erklärte jedoch auch nur
le la les l un une des du de d et ou mais à au aux en dans pour par avec que qu qui est sont
été était étaient a ont avait selon article texte il elle ils elles ce cette ces
son sa ses leur leurs pourquoi comment quand où dit affirme indique aussi seulement
""".split())  # fmt: skip  # noqa: SIM905 (a word list reads best as text)


# "The passage does not state that …" is about the passage, not a correction of the
# question: that negation says nothing new either.
_ABOUT_PASSAGE = re.compile(
    r"\b(passages?|article|text|artikel|texte)\b\W+(\w+\W+){0,3}?"
    r"(not|nicht|kein\w*|pas|nothing|nichts|rien)\b",
    re.IGNORECASE,
)


def restates(answer: str, question: str) -> bool:
    """True when `answer` adds no content word or figure to `question`: it only says the
    question back. Words match on their first five letters or as a prefix, so inflection
    does not count as new ("confirm"/"confirmed", "hold"/"holds", "Soldaten"/"Soldat")."""
    asked = [w.lower() for w in re.findall(r"[^\W\d_]+|\d[\d.,]*\d|\d", question)]
    text = re.sub(r"n['’]t\b", " not", strip_markers(answer))  # "doesn't" -> "does not"
    text = _ABOUT_PASSAGE.sub(" ", text)
    said = [w.lower() for w in re.findall(r"[^\W\d_]+|\d[\d.,]*\d|\d", text)]

    def in_question(word: str) -> bool:
        return any(word[:5] == a[:5] or (min(len(word), len(a)) >= 3 and
                   (word.startswith(a) or a.startswith(word))) for a in asked)  # fmt: skip

    return bool(said) and all(w in _FILLER or in_question(w) for w in said)


def misses_figure(answer: str, question: str) -> bool:
    """A question asking how many (in any of its parts) answered without any figure."""
    return asks_how_many(question) and not numbers(answer)
