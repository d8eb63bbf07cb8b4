"""A document's sentences as a summary sees them: paragraphs and headings read from the
text, chunks joined into whole sentences, and whether a sentence leans on an earlier one.

**Paragraphs and headings** come from the document's text, not from its chunks: a blank
line ends a paragraph, and so does a line break inside a block of lines, unless the
line before is a wrapped one: at most `WRAP_WIDTH` characters, at least `WRAP_FILL` of
the block's widest line, ending no sentence. A Markdown heading (`#`), or a one-line
paragraph of at most `HEADING_CHARS` characters without sentence-final punctuation (a
title, a subheading, also one written right above its text), is a heading: it starts a
new section and is no sentence.

**Sentences** are the document's chunks, joined within a paragraph while one does not
end a sentence: a line of a hard-wrapped paragraph, a German ordinal the chunker took
for a sentence end ("zum 3. | Oktober", `bot.lexicon.ORDINAL_BEFORE`), or a quotation
still open ("We are not striking … future. | We are … it," said …). So a summary never
shows half a sentence, or a quotation without its speaker. Once the chunker makes
whole sentences of such text, these joins simply do not happen.

**Leaning.** A sentence whose subject or point only an earlier sentence gives ("He
said …", "Dies sei …", "Ce traité …", "…“, sagte sie.", a bare quotation) must not
stand alone in a summary. `leans_on_earlier` decides it from the per-language word
lists in `bot.lexicon` (`LEANING_*`): pronouns, possessives and pointing adverbs that
open the sentence, demonstratives anywhere unless they name the time of writing
("This year's budget …", "diese Woche", "cette année" do not lean), and a speaker
given only as a pronoun. Words inside quotation marks are not looked at: "people in
this valley" in a quote points at the speaker's valley, not at the sentence before.
What it cannot see: a surname or "the company" whose full name came earlier ("Lee
zitierte …").

What this module does not do: choose sentences (see `bot.summaries`), or split text
into chunks (see `retrieval.chunking`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from bot.lexicon import (
    LEANING_ATTRIBUTION,
    LEANING_DEMONSTRATIVES,
    LEANING_EXEMPT,
    LEANING_IMPERSONAL,
    LEANING_OPENERS,
    MONTHS,
    ORDINAL_BEFORE,
)
from retrieval.documents import Document
from retrieval.search import Passage

WRAP_WIDTH = 100  # longer lines are paragraphs, not the lines of a hard-wrapped text
WRAP_FILL = 0.5  # a wrapped line is at least this share of its block's widest line
HEADING_CHARS = 100  # a heading is a short line without sentence-final punctuation

_HEADING_MARK = re.compile(r"[ \t]{0,3}#{1,6}(\s|$)")
_ITEM_MARK = re.compile(r"[ \t]*([-*+•]|\d{1,3}[.)])[ \t]+\S")
_SENTENCE_END = re.compile(r"[.!?…][\"'”“„»«’‘)\]]*$")
_ORDINAL_END = re.compile(r"(?:^|\s)(\w+)\s+\d{1,2}\.$")
_OPENING_MARKS = " \t\"'„“”«»‘’‚‹›(–—-"
# Quoted speech: its demonstratives point at the speaker's world, not at the sentence before.
_QUOTATION = re.compile(r'"[^"]*"|“[^“”]*”|„[^„“”]*[“”]|«[^«»]*»|‚[^‚‘’]*[‘’]')  # fmt: skip
_MONTHS = frozenset(name for names in MONTHS for name in names)


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    heading: bool


@dataclass(frozen=True, eq=False)
class Sentence:
    """One sentence of a document: its chunks (several when a wrapped line or an ordinal
    split it), where it stands, and whether a summary may show it."""

    passage: Passage  # spans all its chunks; its text is the document's text there
    parts: tuple[Passage, ...]
    position: int  # among the document's sentences, from 0
    paragraph: int
    section: int
    candidate: bool  # a full sentence, not withheld


def paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of `text`, in order, headings marked."""
    out: list[Paragraph] = []
    block: list[tuple[int, str]] = []

    def close() -> None:
        widest = max((len(line.strip()) for _, line in block), default=0)
        groups: list[list[tuple[int, str]]] = []
        for i, (offset, line) in enumerate(block):
            if groups and _soft_break(block[i - 1][1], line, widest):
                groups[-1].append((offset, line))
            else:
                groups.append([(offset, line)])
        for group in groups:
            first = group[0][1]
            short = len(group) == 1 and len(first.strip()) <= HEADING_CHARS
            heading = bool(_HEADING_MARK.match(first)) or (
                short and not _ITEM_MARK.match(first) and not _SENTENCE_END.search(first.strip())
            )
            start = group[0][0] + len(first) - len(first.lstrip())
            out.append(Paragraph(start, group[-1][0] + len(group[-1][1].rstrip()), heading))
        block.clear()

    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        if line.strip():
            block.append((offset, line))
        else:
            close()
        offset += len(raw)
    close()
    return out


def _soft_break(line: str, following: str, widest: int) -> bool:
    """Whether the break between two lines of a block only wraps a paragraph: the line
    is short enough to be wrapped (`WRAP_WIDTH`), yet not much shorter than the block's
    widest (`WRAP_FILL`), ends no sentence, and neither line is a heading or list item."""
    stripped = line.strip()
    return (
        len(stripped) <= WRAP_WIDTH and len(stripped) >= WRAP_FILL * widest
        and not _SENTENCE_END.search(stripped)
        and not any(_HEADING_MARK.match(x) or _ITEM_MARK.match(x) for x in (line, following))
    )  # fmt: skip


def _ends_sentence(text: str, following: str, lang: str | None) -> bool:
    """Whether `text` (a chunk) ends its sentence, given the next chunk of its paragraph."""
    text = text.rstrip()
    if not _SENTENCE_END.search(text):
        return False
    ordinal = _ORDINAL_END.search(text)
    if ordinal is None or lang not in ORDINAL_BEFORE:
        return True
    next_word = re.match(r"\w*", following.lstrip()).group(0).lower()
    return not (next_word in _MONTHS or ordinal.group(1).lower() in ORDINAL_BEFORE[lang])


def _quote_open(text: str) -> bool:
    """Whether a quotation opened in `text` is still open at its end ("We are not striking
    … future. | We are …," said …): the sentence goes on to the one that closes it."""
    if text.count('"') % 2 or text.count("«") > text.count("»"):
        return True
    if "„" in text:  # German: „ … “
        return text.count("„") > text.count("“")
    return text.count("“") > text.count("”")


def document_sentences(document: Document, passages: Sequence[Passage],
                       withheld: Callable[[Passage], bool]) -> list[Sentence]:  # fmt: skip
    """The sentences of `document`, from its chunks (`passages`, in order); headings are
    left out."""
    text = document.text
    paras = paragraphs(text)
    starts = [p.start for p in paras]
    sections, section, seen_text = [], 0, False
    for para in paras:
        if para.heading and seen_text:
            section, seen_text = section + 1, False
        seen_text = seen_text or not para.heading
        sections.append(section)

    runs: list[tuple[int, list[Passage]]] = []
    for passage in sorted(passages, key=lambda p: p.index):
        k = max(0, bisect.bisect_right(starts, passage.start) - 1)
        if paras[k].heading:
            continue
        if runs and runs[-1][0] == k and (
            not _ends_sentence(runs[-1][1][-1].text, passage.text, document.lang)
            or _quote_open(text[runs[-1][1][0].start : runs[-1][1][-1].end])
        ):
            runs[-1][1].append(passage)
        else:
            runs.append((k, [passage]))

    out = []
    for position, (k, parts) in enumerate(runs):
        first, last = parts[0], parts[-1]
        whole = replace(first, end=last.end, text=text[first.start : last.end])
        out.append(Sentence(whole, tuple(parts), position, k, sections[k],
                            is_sentence(whole.text) and not withheld(whole)))  # fmt: skip
    return out


def is_sentence(text: str) -> bool:
    """A full sentence, not a heading or a fragment: summaries are built from these."""
    text = " ".join(text.split())
    return len(text) >= 40 and text.rstrip("\"'“”»)").endswith((".", "!", "?"))


# -- sentences that lean on an earlier one -------------------------------------------------


@cache
def _leaning_patterns(lang: str) -> tuple[re.Pattern, ...] | None:
    if lang not in LEANING_OPENERS:
        return None

    def alternatives(table) -> str:
        return "|".join(table.get(lang, ())) or "(?!)"

    flags = re.IGNORECASE
    return (
        re.compile(rf"(?:{alternatives(LEANING_OPENERS)})(?![\w'’-])", flags),
        re.compile(rf"(?:{alternatives(LEANING_IMPERSONAL)})", flags),
        re.compile(rf"(?<![\w'’-])(?:{alternatives(LEANING_DEMONSTRATIVES)})(?![\w'’-])"
                   r"\s*(\w+(?:-\w+)?)?", flags),
        re.compile(alternatives(LEANING_ATTRIBUTION), flags),
    )  # fmt: skip


def leans_on_earlier(text: str, lang: str | None) -> bool:
    """Whether the sentence's subject or point is given only by an earlier sentence:
    it opens with a pronoun, a possessive or a pointing adverb ("He said …", "Dies sei
    …", "Ils ont …"), holds a demonstrative ("dieses Vertrages", "These figures …",
    "Ce traité …") that does not name the time of writing ("This year's budget …"), or
    gives its speaker as a pronoun ("…“, sagte sie.") or not at all (a sentence that is
    only a quotation). Words inside quotation marks are not looked at."""
    patterns = _leaning_patterns(lang or "")
    if patterns is None:
        return False
    opener, impersonal, demonstrative, attribution = patterns
    body = _QUOTATION.sub("«»", " ".join(text.split()))
    if not re.search(r"\w", body):
        return True  # only a quotation: its speaker is named before
    body = body.lstrip(_OPENING_MARKS)
    if opener.match(body) and not impersonal.match(body):
        return True
    exempt = LEANING_EXEMPT.get(lang, ())
    for match in demonstrative.finditer(body):
        if (match.group(1) or "").lower() not in exempt:
            return True
    return bool(attribution.search(body))
