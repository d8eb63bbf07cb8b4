"""Checks of a reply against its question, in code: did it say anything the question
did not, did it give the figure a how-many question asks for, and is that figure the
one its passage says about the thing asked?

A reply that fails the first two leaves out what was asked; the answering core then
shows what the article says instead (see `Answerer.ask`). A figure taken from the
wrong clause is replaced by the right one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from bot import lexicon as lx
from bot.citations import strip_markers
from bot.numbers import NUMBER, figure_clauses, names_unit, normalise_number, numbers, only_measures
from bot.routing import asks_how_many, asks_to_count

_FILLER = frozenset(word for words in lx.FILLER.values() for word in words.split())
_ABOUT_PASSAGE = re.compile(
    rf"\b({'|'.join(lx.SOURCE_NOUNS)})\b\W+(\w+\W+){{0,3}}?({'|'.join(lx.DENIAL_WORDS)})\b",
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


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{3,}", text.lower()) if w not in _FILLER]


def _same_word(a: str, b: str) -> bool:
    return a[:5] == b[:5]


def better_figure(answer: str, question: str, passage: str, sentences: Sequence[str]) -> tuple[str, str] | None:
    """`(given, better)` when `answer` gives one figure of `passage` but another figure's
    clause matches `question` better, else None. A clause matches by the question's words
    it holds ("verwundet"), each weighted by how rare it is among `sentences` (the
    document), so a word every sentence has ("Soldaten") weighs little. The words must be
    in one language: call this only when the question and the passage share it."""
    clauses = figure_clauses(passage)
    if len(clauses) < 2:
        return None
    given = {normalise_number(m.group()) for m in NUMBER.finditer(strip_markers(answer))}
    if len(given) != 1:
        return None
    (value,) = given
    sentence_words = [set(_content_words(s)) for s in sentences]

    def weight(word: str) -> float:
        containing = sum(any(_same_word(word, w) for w in words) for words in sentence_words)
        return math.log((len(sentences) + 1) / (containing + 1))

    asked = set(_content_words(question))

    def score(clause: str) -> float:
        words = _content_words(clause)
        return sum(weight(a) for a in asked if any(_same_word(a, w) for w in words))

    scores = {figure: score(clause) for figure, clause in clauses}
    # A range ("10.000 bis 12.000") is never swapped in or out: it is two figures.
    single = {f: normalise_number(f) for f in scores if NUMBER.fullmatch(f)}
    chosen = next((f for f, v in single.items() if v == value), None)
    best = max(scores, key=lambda f: scores[f])
    if chosen is None or best not in single or scores[best] <= scores[chosen]:
        return None
    return chosen, best


def counts_a_measure(answer: str, question: str) -> bool:
    """A question counting things ("How many soldiers died?") answered only with
    measured quantities ("1,000 square kilometres", "€ 3"): those figures are of
    something else. False when the question names the unit itself."""
    if not asks_to_count(question) or names_unit(question):
        return False
    return only_measures(strip_markers(answer))
