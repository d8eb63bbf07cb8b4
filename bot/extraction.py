"""Answers copied out of the passages: the model marks the words, code checks them.

The model is asked for the words of a passage that answer the question, one line per
answer (`[2] copied words`), or `NONE`. Each line is then located in its passage: a
copy counts only when it is the passage's own text (compared with spacing, quotation
marks, letter case and a figure's separators normalised, but never with words changed),
and it becomes a `Span`, the document's text between two offsets. What the model wrote but the passage
does not say is dropped; an answer is made only of spans. A line that a passage holds
in other words is found as the passage's own words by `bot.recovery` (the `spans` rules);
the span is still the document's text, never the model's.

What this module does not do: decide the question's route, or render the answer
sentence (see `bot.writing`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.grounding import NONE_REPLY
from bot.lexicon import (
    ADJECTIVE_PREPOSITIONS,
    ARTICLES,
    CAPITALISED_NOUNS,
    DATE_WORDS,
    FUNCTION_WORDS,
    MONTHS,
    OR_WORDS,
    REPORTING,
    SPEAKER_FILLER,
    alternation,
)
from bot.numbers import NUMBER, fix_number_spacing, numbers
from retrieval.search import Passage

_LINE = re.compile(r"^\s*(?:\[(\d{1,2})\])?\s*(.+?)\s*$")
_TRAILING_MARKER = re.compile(r"\s*\[(\d{1,2})\]\s*[.;,]?\s*$")
_LABEL = re.compile(r"^(?:ANSWER|ANTWORT|RÉPONSE|REPONSE)\s*:\s*", re.IGNORECASE)
ANY_PASSAGE = 0  # a line without a marker: whichever passage holds its words
FOLDED_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'",
                         "’": "'", "\u00a0": " ", "\u202f": " ", "–": "-", "—": "-"})  # fmt: skip
MIN_CHARS = 2


@dataclass(frozen=True)
class Span:
    """Words of a passage that answer the question: `text == document.text[start:end]`."""

    passage: Passage
    start: int  # offsets in the document
    end: int
    text: str


def parse(reply: str) -> list[tuple[int, str]]:
    """`[(n, copied words)]` from the model's lines; [] for NONE or nothing usable. A line
    with its marker at the end counts as marked; one without a marker gets
    `ANY_PASSAGE` (the 1.5B model often copies the right words and leaves the marker out)."""
    reply = fix_number_spacing(reply)
    if NONE_REPLY.match(reply.strip()):
        return []
    found = []
    for line in reply.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        n, words = match.group(1), _LABEL.sub("", match.group(2))
        trailing = _TRAILING_MARKER.search(words)
        if trailing:
            n = n or trailing.group(1)
            words = words[: trailing.start()]
        words = words.strip().rstrip(" .;,").strip('"“”„«»').strip().rstrip(" .;,")
        if len(words) >= MIN_CHARS and not NONE_REPLY.match(words):
            found.append((int(n) if n else ANY_PASSAGE, words))
    return found


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` compared loosely (quotes unified, spaces collapsed, lower case, a comma
    between digits read as a point), with the index in `text` of each character kept."""
    chars, where = [], []
    previous_space = True
    for i, ch in enumerate(unicodedata.normalize("NFC", text)):
        ch = ch.translate(FOLDED_QUOTES).lower()
        if ch.isspace():
            if previous_space:
                continue
            ch = " "
        chars.append(ch)
        where.append(i)
        previous_space = ch == " "
    # A figure's separator may be the other one ("19.3%" copied for "19,3%", "4,700" for
    # "4.700"): the span is still the passage's own figure.
    for k in range(1, len(chars) - 1):
        if chars[k] == "," and chars[k - 1].isdigit() and chars[k + 1].isdigit():
            chars[k] = "."
    return "".join(chars), where


def _whole_words(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] neither begins nor ends inside a word ("60" in "600")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (
        after.isalnum() and text[end - 1].isalnum())


def locate(words: str, passage: Passage) -> tuple[int, int] | None:
    """Document offsets of `words` within `passage`, or None when the passage does not
    hold them as whole words. Spacing, quotation marks and case may differ; words may not."""
    start = passage.text.find(words)
    while start >= 0:
        if _whole_words(passage.text, start, start + len(words)):
            return passage.start + start, passage.start + start + len(words)
        start = passage.text.find(words, start + 1)
    haystack, where = _folded(passage.text)
    needle, _ = _folded(words)
    needle = needle.strip()
    if not needle:
        return None
    at = haystack.find(needle)
    while at >= 0:
        first, end = where[at], where[at + len(needle) - 1] + 1
        if _whole_words(passage.text, first, end):
            return passage.start + first, passage.start + end
        at = haystack.find(needle, at + 1)
    return None


def spans(reply: str, passages: list[Passage], document_text,
          missed: list[tuple[int, str]] | None = None) -> list[Span]:  # fmt: skip
    """The located spans of the reply, in its order, without repeats. `document_text(p)`
    gives the text of `p`'s document. The lines no passage holds go to `missed`, when
    given, as `(n, words)`."""
    out: list[Span] = []
    for n, words in parse(reply):
        passage, found = first_found(locate, n, words, passages)
        if found is None:
            if missed is not None and (n == ANY_PASSAGE or 1 <= n <= len(passages)):
                missed.append((n, words))
            continue
        start, end = found
        out = with_span(out, Span(passage, start, end, document_text(passage)[start:end]))
    return out


def first_found(find, n: int, words: str, passages: list[Passage]):
    """`(passage, offsets)` of the first passage `find` locates `words` in: passage `n`,
    or any (best ranked first) for `ANY_PASSAGE`; `(None, None)` when none does."""
    if n == ANY_PASSAGE:
        candidates = passages
    elif 1 <= n <= len(passages):
        candidates = [passages[n - 1]]
    else:
        return None, None
    located = ((p, find(words, p)) for p in candidates)
    return next(((p, f) for p, f in located if f is not None), (None, None))


def with_span(spans_: list[Span], span: Span) -> list[Span]:
    """`spans_` and `span`, without repeats: a span inside one already there is left out
    (already said), and the spans inside it give way to it."""
    if any(s.start <= span.start and span.end <= s.end for s in spans_):
        return spans_
    return [s for s in spans_ if not (span.start <= s.start and s.end <= span.end)] + [span]


# Where a clause ends: a comma, semicolon or colon before a space ("2,700" and "6:30" are
# figures), a bracket, a dash between spaces. Passages are sentences (retrieval.chunking).
_CLAUSE_END = re.compile(r"[,;:](?=\s)|[()]|\s[–—-]\s")
BARE_WORDS = 3  # a figure with at most this many other words does not say what it counts


_OR = re.compile(rf"\s+(?:{alternation(OR_WORDS)})(?=\s)", re.IGNORECASE)


def with_its_alternative(span: Span, document_text: str) -> Span:
    """`span` taken on to the end of its clause when the passage goes on with "or" right
    after it ("getötet" → "getötet oder verletzt wurden", "ctDNA" → "ctDNA oder cpDNA"):
    a copy cut before the alternative says one thing where the passage says either."""
    passage = span.passage
    text = passage.text
    end = span.end - passage.start
    alternative = _OR.match(text, end)
    if not alternative:
        return span
    stop = passage.start + _trimmed(text, end, _clause_end(text, alternative.end()))
    return Span(passage, span.start, stop, document_text[span.start:stop])


_REPORTING = {language: re.compile(rf"(?<!\w)({'|'.join(words)})(?!\w)", re.IGNORECASE)
              for language, words in REPORTING.items()}  # fmt: skip
_ANY_REPORTING = re.compile(rf"(?<!\w)({alternation(REPORTING)})(?!\w)", re.IGNORECASE)
_FUNCTION = frozenset(
    [w for words in FUNCTION_WORDS.values() for w in words.split()] + list(SPEAKER_FILLER)
)
SPEAKER_WORDS = 4  # words besides the reporting ones that can name a speaker and a time


def is_attribution(text: str, language: str | None = None) -> bool:
    """Whether `text` says only who said something, not what: a reporting verb or
    preposition with at most `SPEAKER_WORDS` other words and no figure ("Lee zitierte den
    NIS", "Laut des NIS", "mayor Ines Calloway said at the opening", "selon la préfecture")."""
    if numbers(text):
        return False
    pattern = _REPORTING.get(language or "", _ANY_REPORTING)
    if not pattern.search(text):
        return False
    rest = re.findall(r"[^\W\d_]+", pattern.sub(" ", text))
    return len([w for w in rest if w.lower() not in _FUNCTION]) <= SPEAKER_WORDS


def with_what_was_said(span: Span, document_text: str) -> Span:
    """`span` widened to its whole passage (a sentence, `retrieval.chunking`), without
    the final stop: the sentence holds what the speaker said."""
    passage = span.passage
    stop = passage.start + _trimmed(passage.text, 0, len(passage.text))
    start = passage.start + (len(passage.text) - len(passage.text.lstrip()))
    return Span(passage, start, stop, document_text[start:stop])


# The word right before a place in a text, with the spaces between.
_WORD_BEFORE = re.compile(r"([^\W\d_]+\s+)$")
_INFLECTED = re.compile(r"[^\W\d_]{2,}(?:e|en|em|er|es)$")
_CAPITALISED_RUN = re.compile(r"(?:\s+[^\W\d_]*[A-ZÀ-ÖØ-Þ][\w'’&-]*)+")
# A capitalised date ("in March", "on Friday") is not a name that goes on.
_DATE_NAMES = frozenset(w for words in (*MONTHS, *DATE_WORDS.values()) for w in words)


def with_its_noun_phrase(span: Span, document_text: str, language: str | None) -> Span:
    """`span` widened to the noun phrase it is part of, in the passage's `language`:

    - in a language that capitalises every noun (German), back over the article of a
      noun it starts with ("Meister" → "dem Meister") and over the inflected adjectives
      between the two or after a preposition ("Palmen" of "von hohen Palmen" → "hohen
      Palmen"): there a capital marks a noun, and its article starts its phrase;
    - in a language that capitalises only names, on over the capitalised words that go
      on with a name it ends with ("Grayhaven" → "Grayhaven Terminals"; not a date:
      "in March Putin said"). German capitalises every noun ("dass Nordkorea Truppen
      …"), so not there.

    A copy cut inside its noun phrase answers less than the passage says ("Palmen" for
    tall palm trees); the words added are the passage's own."""
    passage = span.passage
    text = passage.text
    begin, end = span.start - passage.start, span.end - passage.start
    articles = ARTICLES.get(language or "", ())
    prepositions = ADJECTIVE_PREPOSITIONS.get(language or "", ())
    if language in CAPITALISED_NOUNS and span.text[:1].isupper():
        left = begin
        while match := _WORD_BEFORE.search(text, 0, left):
            raw = match.group(1).rstrip()
            word = raw.lower()
            if word in articles:
                left = match.start()
                break
            before = _WORD_BEFORE.search(text, 0, match.start())
            if (raw.islower() and word not in prepositions and _INFLECTED.fullmatch(word)
                    and before and before.group(1).rstrip().lower() in (*articles, *prepositions)):
                left = match.start()
                continue
            break
        begin = left
    last = span.text.split()[-1:] or [""]
    if (language is not None and language not in CAPITALISED_NOUNS and last[0][:1].isupper()
            and last[0].lower() not in _DATE_NAMES):  # fmt: skip
        run = _CAPITALISED_RUN.match(text, end)
        if run:
            end = _trimmed(text, end, run.end())
    start, stop = passage.start + begin, passage.start + end
    if (start, stop) == (span.start, span.end):
        return span
    return Span(passage, start, stop, document_text[start:stop])


_NEXT_CLAUSE = re.compile(r"\s*[,;]\s+")


def with_the_figure_after(span: Span, document_text: str) -> Span:
    """`span`, a copy holding a figure that ends its clause, taken on over the next clause
    of its sentence when that one holds a figure too ("Police counted 1,800 marchers" →
    "…, the organisers said 4,500 took part"; "620 personnes ont dû quitter leur
    domicile" → "…; la mairie de Lorvignac avance le chiffre de 900"): the sentence sets
    another figure against it, from another source or time, or breaks it down."""
    passage = span.passage
    text = passage.text
    end = span.end - passage.start
    after = _NEXT_CLAUSE.match(text, end)
    if not numbers(span.text) or not after:
        return span
    stop = _clause_end(text, after.end())
    if not NUMBER.search(text, after.end(), stop):
        return span
    stop = passage.start + _trimmed(text, end, stop)
    return Span(passage, span.start, stop, document_text[span.start:stop])


def _clause_end(text: str, at: int) -> int:
    return next((m.start() for m in _CLAUSE_END.finditer(text, at)), len(text))


def _trimmed(text: str, floor: int, right: int) -> int:
    """`right` moved back over spaces and a sentence's final stop, not below `floor`."""
    while right > floor and (text[right - 1].isspace() or text[right - 1] in ".!?…"):
        right -= 1
    return right


def is_bare_figure(text: str) -> bool:
    """Whether `text` is a figure with too few words to say what it counts: "4.700",
    "300 nordkoreanische Soldaten", "about 2,000" (not "4.700 Verluste, darunter 600 Tote")."""
    if not numbers(text) or _CLAUSE_END.search(text):
        return False  # no figure, or a phrase of its own ("4.700 Verluste, darunter 600 Tote")
    words = re.findall(r"[^\W\d_]+", NUMBER.sub(" ", text))
    others = [w for w in words if not numbers(w)]  # number words are the figure
    return len(others) <= BARE_WORDS


def clause_of(span: Span, document_text: str) -> Span:
    """`span` widened to the clause of its sentence that holds it: from the last clause
    boundary before it to the first after it (the passage's own bounds at most). When
    the clause after a comma holds a figure too, it is taken with it: it breaks the figure
    down or sets another against it ("4.700 Verluste, darunter 600 Tote"; "2,000
    marchers, while the organisers spoke of 5,000")."""
    passage = span.passage
    text = passage.text
    begin, end = span.start - passage.start, span.end - passage.start
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, begin)), default=0)
    right = _clause_end(text, end)
    if text.startswith(",", right):
        following = _clause_end(text, right + 1)
        if NUMBER.search(text, right + 1, following):
            right = following
    while left < begin and text[left].isspace():
        left += 1
    right = _trimmed(text, end, right)
    start, stop = passage.start + left, passage.start + right
    return Span(passage, start, stop, document_text[start:stop])


def clauses(passage: Passage) -> list[tuple[int, int]]:
    """Offsets in the document of each clause of `passage` (the text between two places
    `_CLAUSE_END` cuts, without the spaces and the final stop around it), and of the
    whole passage when it has more than one."""
    text = passage.text
    bounds = [(m.start(), m.end()) for m in _CLAUSE_END.finditer(text)]
    starts = [0, *(end for _, end in bounds)]
    ends = [*(start for start, _ in bounds), len(text)]
    out = []
    for left, right in zip(starts, ends):
        while left < right and text[left].isspace():
            left += 1
        right = _trimmed(text, left, right)
        if any(ch.isalpha() for ch in text[left:right]):
            out.append((left, right))
    if len(out) > 1:
        out.append((0, _trimmed(text, 0, len(text))))
    return [(passage.start + a, passage.start + b) for a, b in out]
