"""Ordinals and dates that syntok takes for a sentence end, per language.

German writes ordinals with a period ("am 3. Oktober", "im 19. Jahrhundert",
"zum 2. Mal"), and syntok 1.4.4 ends a sentence after "3." whenever a capitalised
word follows. `is_ordinal_split` tells the chunker when such a split is not a
sentence end: right after a one- or two-digit number with a period, when

- the next word is a month ("4. März"), or
- the word before the number is a preposition or article that precedes ordinals
  ("am 3.", "im 19.", "zum 2."), or a lower-case word (an adjective) right after one
  ("des frühen 20. Jahrhunderts", "im späten 19."), and the next word is not one that
  usually opens a sentence ("… bis 12. Danach fiel sie." stays two sentences).

A number after any other word still ends a sentence: "Die Antwort lautete 42.
Danach …" is two. What this cannot tell apart: a sentence that really ends in
"bis 12." and is followed by a noun ("… stieg bis 12. Polizisten …") is kept as one.

The lists are keyed by language (`Document.lang`); a language without an entry
keeps every split syntok makes. This module lives in `retrieval/` because the
chunker needs it and `retrieval/` does not import `bot/` (where `bot.lexicon`
keeps the answering core's word lists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class OrdinalWords:
    months: frozenset[str]  # as written after a date's day, abbreviations without the period
    before: frozenset[str]  # lower case: after these, "3." is an ordinal
    openers: frozenset[str]  # capitalised words that open a sentence, not follow an ordinal


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ORDINALS: dict[str, OrdinalWords] = {
    "de": OrdinalWords(
        months=_words(
            "Januar Jänner Februar Feber März April Mai Juni Juli August September Oktober "
            "November Dezember Jan Feb Febr Mär Mrz Apr Jun Jul Aug Sep Sept Okt Nov Dez"
        ),
        before=_words(
            # contracted prepositions, prepositions of dates, articles, possessives
            "am im vom zum zur beim ins ans bis ab seit "
            "der die das den dem des "
            "sein seine seinem seinen seiner seines ihr ihre ihrem ihren ihrer ihres "
            "jeden jedem jeder jedes"
        ),
        openers=_words(
            # pronouns, articles, conjunctions and adverbs that start sentences; none of
            # them is what an ordinal qualifies ("zum 2. Mal", "im 19. Jahrhundert")
            "Der Die Das Den Dem Des Ein Eine Einen Einem Einer Kein Keine Dies Diese Dieser "
            "Dieses Er Sie Es Ich Wir Ihr Man Alle Viele Danach Dann Damit Dabei Daher "
            "Darauf Dort Hier Doch Aber Und Oder Denn Auch Nun Jetzt Heute So Zudem "
            "Außerdem Trotzdem Deshalb Allerdings Später Zuvor Am Im Zum Zur Vom Bei Mit "
            "Nach Vor In An Auf Aus Für Um Als Wie Was Wer Wo Warum Wenn Weil Ob Da Laut "
            "Seit Bis Ab"
        ),
    ),
}

_NUMBER_AT_END = re.compile(r"(?<![\w.,:/-])\d{1,2}\.$")
_WORD_AT_END = re.compile(r"(\w+)$")
_TWO_WORDS_AT_END = re.compile(r"(\w+)\s+(\w+)$")
_FIRST_WORD = re.compile(r"\w+")


def is_ordinal_split(left: str, right: str, lang: str | None) -> bool:
    """True when the split between `left` (a sentence as syntok ended it) and `right`
    (the next one) follows an ordinal or a date's day, not a sentence's end."""
    words = ORDINALS.get(lang or "")
    if words is None:
        return False
    number = _NUMBER_AT_END.search(left.rstrip())
    following = _FIRST_WORD.match(right.lstrip())
    if number is None or following is None:
        return False
    next_word = following.group()
    if next_word in words.months:
        return True
    before_number = left.rstrip()[: number.start()].rstrip()
    return (
        _after_ordinal_word(before_number, words.before)
        and next_word not in words.openers
        and not next_word[0].isdigit()
    )


def _after_ordinal_word(text: str, before: frozenset[str]) -> bool:
    """Whether `text` ends in a word that precedes ordinals ("im"), or in one followed by a
    lower-case word ("des frühen")."""
    previous = _WORD_AT_END.search(text)
    if previous is None:
        return False
    if previous.group(1).lower() in before:
        return True
    two = _TWO_WORDS_AT_END.search(text)
    return (
        two is not None
        and two.group(2).islower()
        and not two.group(2).isdigit()
        and two.group(1).lower() in before
    )
