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

from bot.citations import NUMBER, normalise_number, numbers, strip_markers
from bot.routing import asks_how_many, asks_to_count

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


_RANGE = re.compile(r"\s*(bis|to|-|–|à)\s*")


def _figure_spans(text: str) -> list[list[int]]:
    """[start, end] of each figure, a range counted as one."""
    spans: list[list[int]] = []
    for match in NUMBER.finditer(text):
        if spans and _RANGE.fullmatch(text, spans[-1][1], match.start()):
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    return spans


def figure_clauses(text: str) -> list[tuple[str, str]]:
    """Each figure of `text` as written, with the words after it up to the next figure or
    punctuation: what it counts. A range ("10.000 bis 12.000") is one figure.
    "… 300 nordkoreanische Soldaten getötet und weitere 2.700 verwundet wurden." ->
    [("300", "nordkoreanische Soldaten getötet und weitere"), ("2.700", "verwundet wurden")]."""
    spans = _figure_spans(text)
    clauses = []
    for i, (start, end) in enumerate(spans):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        clause = re.split(r"[,;:.!?()–](?!\d)|\s-\s", text[end:stop])[0]
        clauses.append((text[start:end], clause.strip()))
    return clauses


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


_UNIT = (
    r"(square |sq\.? )?(kilomet(er|re)s?|km[²2]?|miles?|met(er|re)s?|hectares?|acres?)\b|"
    r"(quadrat)?(kilo)?meter\w*|hektar\w*|(kilo)?mètres?( carrés)?|"
    r"tons?\b|tonnes?\b|tonnen\b|euros?\b|dollars?\b|[€$£]"
)
_UNIT_AFTER = re.compile(rf"\s*({_UNIT})", re.IGNORECASE)
_UNIT_WORD = re.compile(rf"(?<!\w)({_UNIT})", re.IGNORECASE)


def counts_a_measure(answer: str, question: str) -> bool:
    """A question counting things ("How many soldiers died?") answered only with
    measured quantities ("1,000 square kilometres", "€ 3"): those figures are of
    something else. False when the question names the unit itself."""
    if not asks_to_count(question) or _UNIT_WORD.search(question):
        return False
    text = strip_markers(answer)
    found = _figure_spans(text)
    return bool(found) and all(
        _UNIT_AFTER.match(text, end) or re.search(r"[€$£]\s*$", text[:start]) for start, end in found
    )
