"""Copies the passages do not hold verbatim, found as the passage's own words.

The 1.5B model often writes a copy in other words than its passage's: a word of the
question's language slipped in ("Grissom, White and Chaffee" for "… und Chaffee"), a
number written in the question's language ("three" for "drei"), another inflected
ending ("weibliche" for "weiblichen"), or the whole clause translated. Each function
here finds, for such a copy, the words of its passage it stands for; the `spans` rules
(`bot.rules.spans`) make them the answer's spans. What is returned is always offsets
into the passage, so the answer shows the document's words, never the model's.

What this module does not do: parse the model's reply or locate verbatim copies
(`bot.extraction`), or decide which of these runs (the rules and their order).
"""

from __future__ import annotations

import os
import re
import unicodedata

from bot.extraction import FOLDED_QUOTES, Span, clauses, first_found, with_span
from bot.numbers import numbers
from retrieval.search import Passage

# -- copies with a changed word -----------------------------------------------------------

# A word, a figure with its separators ("2,700", "4.700", "6:30") or a hyphenated name.
_TOKEN = re.compile(r"[^\W_]+(?:[.,:'’\-][^\W_]+)*")
MIN_ALIGNED_WORDS = 2  # a one-word copy is found exactly or not at all


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """`(folded word, start, end)` for each word of `text` (offsets into `text` itself)."""
    return [(unicodedata.normalize("NFC", m.group()).translate(FOLDED_QUOTES).lower(), m.start(), m.end())
            for m in _TOKEN.finditer(text)]  # fmt: skip


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def align(words: str, passage: Passage) -> tuple[int, int] | None:
    """Document offsets of the words of `passage` that `words` copies with some words
    changed, or None. The 1.5B model often copies a passage in another language than
    the question's and slips in a word of the question's ("Grissom, White and Chaffee"
    for "Grissom, White und Chaffee", "not monophyletisch" for "nicht monophyletisch").
    The copy is aligned word by word with the passage (a word changed, left out or
    added costs one); it is taken when at most one word in three differs (one in a
    two-word copy) and a word of at least four letters matches. A figure must match
    exactly: one changed, added or left out never aligns. What is returned is the
    passage's own words; the model's changed words are never shown."""
    mine = [w for w, _, _ in _tokens(words)]
    mine_set = set(mine)
    theirs = _tokens(passage.text)
    k, n = len(mine), len(theirs)
    if k < MIN_ALIGNED_WORDS or not n:
        return None
    budget = max(1, k // 3)
    present = {w for w, _, _ in theirs}
    if sum(w not in present for w in mine) > budget:
        return None  # each word the passage lacks costs one wherever the copy is aligned
    inf = k + n + 1
    # best[i][j]: (cost, words added, -exact matches, window start) of mine[:i] aligned
    # with the passage words ending before j, the window starting anywhere.
    best = [[(0, 0, 0, j) for j in range(n + 1)]] + [[(inf, 0, 0, 0)] * (n + 1) for _ in range(k)]
    for i in range(1, k + 1):
        word = mine[i - 1]
        for j in range(n + 1):
            options = []
            if not _has_digit(word):  # a word the passage does not have
                cost, added, exact, start = best[i - 1][j]
                options.append((cost + 1, added + 1, exact, start))
            if j:
                theirs_word = theirs[j - 1][0]
                cost, added, exact, start = best[i - 1][j - 1]
                if word == theirs_word:
                    options.append((cost, added, exact - 1, start))
                elif not (_has_digit(word) or _has_digit(theirs_word)):  # a word changed
                    options.append((cost + 1, added, exact, start))
                if not _has_digit(theirs_word):  # a passage word left out
                    cost, added, exact, start = best[i][j - 1]
                    options.append((cost + 1, added, exact, start))
            if options:
                best[i][j] = min(options)
    chosen = None
    for j in range(1, n + 1):
        cost, added, _, start = best[k][j]
        if cost > budget or start >= j:
            continue
        window = [w for w, _, _ in theirs[start:j]]
        if not any(w in mine_set and (len(w) >= 4 or _has_digit(w)) for w in window):
            continue
        key = (cost, added, j - start)
        if chosen is None or key < chosen[0]:
            chosen = (key, start, j)
    if chosen is None:
        return None
    _, first, last = chosen
    start, end = theirs[first][1], theirs[last - 1][2]
    return passage.start + start, passage.start + _closed(passage.text, start, end)


_PAIRS = {"(": ")", "[": "]", "„": "“", "«": "»", "“": "”"}


def _closed(text: str, start: int, end: int) -> int:
    """`end`, moved past the closing bracket or quotation mark that follows it when the
    words `text[start:end]` open one they do not close ("(John Barrowman" + ")")."""
    inside = text[start:end]
    for opening, closing in _PAIRS.items():
        if inside.count(opening) > inside.count(closing) and text[end:end + 1] == closing:
            return end + 1
    return end


def recovered(missed: list[tuple[int, str]], passages: list[Passage], document_text,
              find) -> tuple[list[Span], list[tuple[int, str]]]:  # fmt: skip
    """Spans for the copies of `missed` that `find(words, passage)` locates in the
    passage each names, in the order of `missed`, and the copies it does not locate.
    Only the named passage: a copy found in another than the one the model named was
    measured as a rule and answered four unanswerable questions for one answerable."""
    out: list[Span] = []
    left: list[tuple[int, str]] = []
    for n, words in missed:
        passage, found = first_found(find, n, words, passages)
        if found is None:
            left.append((n, words))
            continue
        start, end = found
        out = with_span(out, Span(passage, start, end, document_text(passage)[start:end]))
    return out, left


# -- copies in other words -----------------------------------------------------------------


def closest_clause(words: str, passage: Passage, similarity, threshold: float) -> tuple[int, int] | None:
    """Document offsets of the clause of `passage` (or the whole passage) that
    `similarity(words, clause)` scores highest, when at least `threshold`; None for a
    copy of one word (one word is too little to tell a clause by)."""
    if len(_tokens(words)) < MIN_ALIGNED_WORDS:
        return None
    scored = [(similarity(words, passage.text[a - passage.start : b - passage.start]), a, b)
              for a, b in clauses(passage)]  # fmt: skip
    if not scored:
        return None
    best, start, end = max(scored, key=lambda s: s[0])
    return (start, end) if best >= threshold else None


def figure_clause(words: str, passage: Passage) -> tuple[int, int] | None:
    """Document offsets of the shortest clause of `passage` (or the whole passage) that
    holds every figure of a copy written in other words ("in the 19. yearhundert" for
    "im 19. Jahrhundert", "in the first month of the year 1754" for "in den ersten
    Monaten des Jahres 1754"): figures are written alike in every language, so the
    model took them from there. None for a copy without a figure in digits, or when no
    clause holds them all."""
    mine = numbers(words, words=False)
    if not mine:
        return None
    held = [(b - a, a, b) for a, b in clauses(passage) or [(passage.start, passage.end)]
            if mine <= numbers(passage.text[a - passage.start : b - passage.start], words=False)]  # fmt: skip
    if not held:
        return None
    _, start, end = min(held)
    return start, end


# -- one-word copies ------------------------------------------------------------------------

STEM_SLACK = 2  # letters an inflected ending may add or change ("weibliche" / "weiblichen")
MIN_STEM = 5  # the shorter of the two words has at least this many letters


def _same_number(mine: str, theirs: str) -> bool:
    """Whether two words are the same number, one of them written as a word ("three" /
    "drei" / "3"); zero and one are left out ("one" is also "ein", an article)."""
    if mine == theirs or not (mine.isalpha() or theirs.isalpha()):
        return False
    values = numbers(mine), numbers(theirs)
    return len(values[0]) == 1 and values[0] == values[1] and not values[0] & {"0", "1"}


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def _same_stem(mine: str, theirs: str) -> bool:
    """Whether two words differ only in an inflected ending ("weibliche" / "weiblichen",
    "Meister" / "Meisters"): letters only, the shorter of at least `MIN_STEM`, and at
    most `STEM_SLACK` letters after their common beginning."""
    if mine == theirs or not (mine.isalpha() and theirs.isalpha()):
        return False
    if min(len(mine), len(theirs)) < MIN_STEM:
        return False
    return _common_prefix(mine, theirs) >= max(len(mine), len(theirs)) - STEM_SLACK


def match_word(words: str, passage: Passage) -> tuple[int, int] | None:
    """Document offsets of the one word of `passage` that a one-word copy the passage
    does not hold stands for: the same number written otherwise ("three" for "drei",
    "drei" for "3") or the same word with another ending ("weibliche" for "weiblichen").
    The passage's own word is returned; None when the copy is not one word or no word
    of the passage is one of these (the closest beginning wins among several)."""
    mine = _tokens(words)
    if len(mine) != 1:
        return None
    word = mine[0][0]
    best = None
    for theirs, start, end in _tokens(passage.text):
        if _same_number(word, theirs):
            return passage.start + start, passage.start + end
        if _same_stem(word, theirs):
            key = -_common_prefix(word, theirs)
            if best is None or key < best[0]:
                best = (key, start, end)
    if best is None:
        return None
    return passage.start + best[1], passage.start + best[2]
