"""A document's sentences as a summary sees them, and whether a sentence leans on an
earlier one.

**Structure** is the chunker's (`retrieval.chunking`): a sentence's paragraph is its
chunks' `Passage.paragraph`, sections are the parts the document's headings divide it
into (`retrieval.chunking.sections`), and headings are no chunks, so never sentences.

**Sentences** are the chunks, joined within a paragraph only where the chunker leaves a
sentence open: a quotation of several sentences is cut before its speaker ("We are not
striking … future. | We are … it," said …), and, rarely, syntok splits before a
parenthesis ("… eine Regierung zu stürzen | (oder …"). So a summary never shows a
quotation without its speaker, or half a sentence. Quotation marks are paired in
order, so a German „…" closed with a straight quote is closed.

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
into paragraphs and chunks (see `retrieval.chunking`).
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
)
from retrieval.chunking import HEADING, Paragraph, paragraphs, sections
from retrieval.documents import Document
from retrieval.search import Passage

_SENTENCE_END = re.compile(r"[.!?…][\"'”“„»«’‘)\]]*$")
_QUOTE_MARKS = re.compile(r'["„“”«»]')
# What closes a quotation each mark opens: „ “, and in sloppy text „ " or „ ”; "…", “…”,
# «…» and the German »…«.
_CLOSES = {'"': '"', "„": '“"”', "“": "”", "«": "»", "»": "«"}
_OPENING_MARKS = " \t\"'„“”«»‘’‚‹›(–—-"
# Quoted speech: its demonstratives point at the speaker's world, not at the sentence before.
_QUOTATION = re.compile(r'"[^"]*"|“[^“”]*”|„[^„“”]*[“”]|«[^«»]*»|‚[^‚‘’]*[‘’]')  # fmt: skip


@dataclass(frozen=True, eq=False)
class Sentence:
    """One sentence of a document: its chunks (several where the chunker left it open),
    where it stands, and whether a summary may show it."""

    passage: Passage  # spans all its chunks; its text is the document's text there
    parts: tuple[Passage, ...]
    position: int  # among the document's sentences, from 0
    paragraph: int  # `Paragraph.index`, headings counted
    section: int
    candidate: bool  # a full sentence, not withheld


def _leaves_open(text: str) -> bool:
    """Whether the sentence so far (`text`, one or more chunks) goes on in the next chunk
    of its paragraph: it ends without a sentence's final punctuation, or inside a
    quotation ("We are not striking … future. | We are …," said …)."""
    if not _SENTENCE_END.search(text.rstrip()):
        return True
    opened = None
    for mark in _QUOTE_MARKS.findall(text):
        if opened is None:
            opened = mark if mark in _CLOSES else None  # a stray ” opens nothing
        elif mark in _CLOSES[opened]:
            opened = None
    return opened is not None


def _paragraph_of(passage: Passage, paras: list[Paragraph], starts: list[int]) -> int:
    """The passage's paragraph; for an index an older chunker wrote (no `paragraph`, and
    headings may be chunks), the one its offsets fall in."""
    if passage.paragraph is not None:
        return passage.paragraph
    return paras[max(0, bisect.bisect_right(starts, passage.start) - 1)].index


def document_sentences(document: Document, passages: Sequence[Passage],
                       withheld: Callable[[Passage], bool]) -> list[Sentence]:  # fmt: skip
    """The sentences of `document`, from its chunks (`passages`, in any order)."""
    text = document.text
    paras = paragraphs(text)
    section_of = sections(paras)
    starts = [p.start for p in paras]
    runs: list[tuple[int, list[Passage]]] = []
    for passage in sorted(passages, key=lambda p: p.index):
        k = _paragraph_of(passage, paras, starts)
        if paras[k].kind == HEADING:
            continue  # only in an index an older chunker wrote
        if runs and runs[-1][0] == k and _leaves_open(_span(text, runs[-1][1])):
            runs[-1][1].append(passage)
        else:
            runs.append((k, [passage]))

    out = []
    for position, (k, parts) in enumerate(runs):
        whole = replace(parts[0], end=parts[-1].end, text=_span(text, parts))
        out.append(Sentence(whole, tuple(parts), position, k, section_of[k],
                            is_sentence(whole.text) and not withheld(whole)))  # fmt: skip
    return out


def _span(text: str, parts: list[Passage]) -> str:
    return text[parts[0].start : parts[-1].end]


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
