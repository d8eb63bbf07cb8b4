"""Split a document into paragraphs, and paragraphs into sentence chunks with exact offsets.

**Paragraphs.** A blank line (only whitespace) ends a paragraph. Inside a block
of lines, a line break is a *soft wrap* when the document is hard-wrapped and a
paragraph break otherwise. `wrap_width` decides from the document alone: its
typical line width (the 90th percentile of its line lengths) is at most
`MAX_WRAP_WIDTH`, and most line breaks inside blocks fall where a greedy wrapper
at that width would put them (the next line's first word would not have fitted)
and in mid-sentence. In a hard-wrapped document, a line that the next word would
have fitted on with room to spare ends its paragraph; a paragraph whose last
line is nearly full and that no blank line ends cannot be told from its wrap, so
it runs on into the next. A document with one paragraph per long line keeps one
paragraph per line. Markdown headings (`#`…) and list items (`- `, `* `, `1. `)
are paragraphs of their own; in a wrapped text, a line starting with "3. " starts
an item only after another item or a line ending in ":" (else it may be a date
wrapped after "am"), or where a short line ends the paragraph anyway.

**Headings.** A Markdown heading, or a paragraph of one line of at most
`MAX_HEADING_CHARS` characters that ends in a letter or digit (a title line, a
subheading) or holds none (a separator), has kind `HEADING`. `paragraphs()`
returns it, with its index; it is no sentence and no chunk, because it answers
nothing on its own. A line ending in "?", ":" or a closing quote may be a
sentence and stays one.
`sections` numbers the parts a document's headings divide it into.

**Sentences.** Each paragraph is segmented with syntok, which knows German
abbreviations ("z.B.", "3. Okt.") and leaves numbers such as "4.700" whole.
Syntok sees the paragraph with its soft line breaks replaced by spaces (one space
per character, so offsets map 1:1), and every chunk is cut from the original
text: `text[start:end] == chunk.text` holds by construction, and a chunk of a
wrapped paragraph contains the original's newlines, which is the verbatim quote.
Splits syntok makes after German ordinals and dates ("am 3. Oktober") are undone
when the document's language is given (see `ordinals`). Sentences longer than
`max_chars` are cut at a clause or word boundary so no chunk overflows the embedder.

Chunk ids are derived from the document id and the offsets, so re-ingesting the
same text yields the same ids. `CHUNKER_VERSION` changes whenever the same text
would be chunked differently; the store records it, and ingest re-chunks
documents indexed by another version.

What this module does not do: read files (see `documents`), embed or store chunks.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
from dataclasses import dataclass

import syntok.segmenter as segmenter

from retrieval.ordinals import is_ordinal_split

log = logging.getLogger(__name__)

CHUNKER_VERSION = 3  # 1: one syntok run per physical line; 2: paragraphs, headings, ordinals;
# 3: an ordinal after an article and an adjective ("des frühen 20. Jahrhunderts")
MAX_CHARS = 600
# Hard wraps: the width is this percentile of the line lengths, and at most MAX_WRAP_WIDTH
# (wider lines are paragraphs). A line break inside a block is a wrap when the line plus
# the next line's first word would exceed WRAP_FILL of the width. A document is wrapped
# when at least WRAPPED_SHARE of those breaks are wraps, and MID_SENTENCE_SHARE of them
# fall in mid-sentence (lines that are sentences of similar length are not wrapped).
WIDTH_PERCENTILE = 0.9
MAX_WRAP_WIDTH = 100
WRAP_FILL = 0.85
WRAPPED_SHARE = 0.6
MID_SENTENCE_SHARE = 1 / 3
MAX_HEADING_CHARS = 100

TEXT, HEADING, ITEM = "text", "heading", "item"

# What str.splitlines() ends a line at; inside a paragraph these become spaces.
_LINE_ENDS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SOFT_BREAKS = str.maketrans(_LINE_ENDS, " " * len(_LINE_ENDS))
_HEADING_LINE = re.compile(r"[ \t]{0,3}#{1,6}(?:\s|$)")
_BULLET_LINE = re.compile(r"[ \t]*[-*+•][ \t]+\S")
_NUMBERED_LINE = re.compile(r"[ \t]*\d{1,3}[.)][ \t]+\S")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”“„»«’‘)\]]*$")


@dataclass(frozen=True)
class Paragraph:
    index: int  # position in the document, from 0, headings included
    start: int
    end: int
    line: int  # 1-based line of the document the paragraph starts on
    kind: str  # TEXT, HEADING (not chunked) or ITEM (a list item, chunked like TEXT)
    text: str


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int  # position of the sentence among the document's chunks, from 0
    start: int
    end: int
    line: int  # 1-based line of the document the sentence starts on
    text: str
    # `Paragraph.index` of the sentence's paragraph; None only for a chunk read from
    # an index written by chunker version 1, which did not record it.
    paragraph: int | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"


def paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of `text`, headings included (their `kind` is `HEADING`)."""
    lines = _lines(text)
    width = _wrap_width(lines)
    line_starts = _line_starts(text)
    out: list[Paragraph] = []
    group: list[_Line] = []

    def close() -> None:
        if group:
            out.append(_paragraph(text, len(out), group, line_starts))
            group.clear()

    for line in lines:
        if line.kind == "blank":
            close()
        elif group and not _continues(group, line, width):
            close()
            group.append(line)
        else:
            group.append(line)
    close()
    return out


def split_sentences(
    text: str, max_chars: int = MAX_CHARS, *, lang: str | None = None
) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, trimmed of surrounding whitespace.

    Headings are left out (see `paragraphs`). `lang` (e.g. "de") turns on that
    language's ordinal rules; None keeps syntok's splits."""
    return [(s, e) for s, e, _ in _sentences(text, max_chars, lang)]


def chunk_document(
    doc_id: str, text: str, max_chars: int = MAX_CHARS, *, lang: str | None = None
) -> list[Chunk]:
    """The sentence chunks of a document, in order, each with its paragraph and line."""
    line_starts = _line_starts(text)
    return [
        Chunk(doc_id, index, start, end, bisect.bisect_right(line_starts, start), text[start:end],
              paragraph)  # fmt: skip
        for index, (start, end, paragraph) in enumerate(_sentences(text, max_chars, lang))
    ]


def wrap_width(text: str) -> int | None:
    """The width `text` is hard-wrapped at, or None when its lines are its paragraphs."""
    return _wrap_width(_lines(text))


def sections(paras: list[Paragraph]) -> list[int]:
    """The section of each of a document's paragraphs (`paragraphs(text)`), from 0: a
    heading after text starts the next one; a heading right after a heading (a title and
    its subheading) belongs to the same section."""
    out, section, seen_text = [], 0, False
    for paragraph in paras:
        if paragraph.kind == HEADING and seen_text:
            section, seen_text = section + 1, False
        seen_text = seen_text or paragraph.kind != HEADING
        out.append(section)
    return out


# -- internals ------------------------------------------------------------------------------


def _wrap_width(lines: list[_Line]) -> int | None:
    lengths = sorted(line.width for line in lines if line.kind != "blank")
    if len(lengths) < 2:
        return None
    width = lengths[math.ceil(WIDTH_PERCENTILE * len(lengths)) - 1]
    if width > MAX_WRAP_WIDTH:
        return None
    inner = [
        (a, b)
        for a, b in zip(lines, lines[1:], strict=False)
        if a.kind in (TEXT, "bullet", "numbered") and b.kind in (TEXT, "numbered")
    ]
    if not inner:
        return None
    wrapped = sum(_filled(a, b, width) for a, b in inner)
    mid_sentence = sum(not _SENTENCE_END.search(a.content.rstrip()) for a, _ in inner)
    if wrapped >= WRAPPED_SHARE * len(inner) and mid_sentence >= MID_SENTENCE_SHARE * len(inner):
        return width
    return None


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # end of the content, before the line break
    content: str
    kind: str  # "blank", HEADING, "bullet", "numbered" or TEXT

    @property
    def width(self) -> int:
        return len(self.content.rstrip())

    @property
    def first_word(self) -> str:
        return self.content.split(maxsplit=1)[0] if self.content.strip() else ""


def _lines(text: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = (raw.splitlines() or [""])[0]  # without its line break
        if not content.strip():
            kind = "blank"
        elif _HEADING_LINE.match(content):
            kind = HEADING
        elif _BULLET_LINE.match(content):
            kind = "bullet"
        elif _NUMBERED_LINE.match(content):
            kind = "numbered"
        else:
            kind = TEXT
        out.append(_Line(pos, pos + len(content), content, kind))
        pos += len(raw)
    return out


def _line_starts(text: str) -> list[int]:
    """Where each line starts, counting only "\\n" (as editors number lines)."""
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _filled(a: _Line, b: _Line, width: int) -> bool:
    """True when `b`'s first word would not have fitted on `a` (a greedy wrap)."""
    return a.width + 1 + len(b.first_word) > WRAP_FILL * width


def _continues(group: list[_Line], line: _Line, width: int | None) -> bool:
    """Whether `line` continues the paragraph whose lines so far are `group`."""
    last = group[-1]
    if width is None or HEADING in (last.kind, line.kind) or line.kind == "bullet":
        return False
    if line.kind == "numbered" and (
        group[0].kind in ("bullet", "numbered") or last.content.rstrip().endswith(":")
    ):
        return False  # the next item of a list, or the first after its lead-in
    return _filled(last, line, width)


def _paragraph(text: str, index: int, group: list[_Line], line_starts: list[int]) -> Paragraph:
    start, end = _trim(text, group[0].start, group[-1].end)
    first = group[0].kind
    if first == HEADING:
        kind = HEADING
    elif first in ("bullet", "numbered"):
        kind = ITEM
    elif len(group) == 1 and end - start <= MAX_HEADING_CHARS and _ends_unpunctuated(
        text[start:end]
    ):
        kind = HEADING  # a title line, a subheading, a separator
    else:
        kind = TEXT
    line = bisect.bisect_right(line_starts, start)
    return Paragraph(index, start, end, line, kind, text[start:end])


def _ends_unpunctuated(line: str) -> bool:
    """True for "Fresno, California" and "---"; False for a line that ends in a full stop,
    a question mark, a colon, a closing quote or bracket: those may be sentences
    ("„Keine Erzieherin wird entlassen“"), and a sentence is never dropped."""
    return line[-1].isalnum() or not any(c.isalnum() for c in line)


def _sentences(text: str, max_chars: int, lang: str | None) -> list[tuple[int, int, int]]:
    """(start, end, paragraph index) of every sentence outside headings."""
    out = []
    for paragraph in paragraphs(text):
        if paragraph.kind == HEADING:
            continue
        joined = paragraph.text.translate(_SOFT_BREAKS)
        spans = _sentences_in_paragraph(joined, lang=lang, line_no=paragraph.line,
                                        offset=paragraph.start)  # fmt: skip
        for start, end in spans:
            for s, e in _cap_length(joined, start, end, max_chars):
                out.append((paragraph.start + s, paragraph.start + e, paragraph.index))
    return out


def _sentences_in_paragraph(
    text: str, *, lang: str | None = None, line_no: int = 1, offset: int = 0
) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph (without line breaks); `line_no` and `offset` (its
    first character in the document) only name the place in a warning."""
    spans: list[tuple[int, int]] = []
    try:
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                tokens = [t for t in sentence if t.value]
                if not tokens:
                    continue
                start = tokens[0].offset
                end = tokens[-1].offset + len(tokens[-1].value)
                spans.append((start, min(end, len(text))))
    except (AssertionError, IndexError) as exc:
        # What syntok 1.4.4 raises on input its heuristics do not expect: its own asserts
        # and unguarded list indexing. Never lose text because of it: one sentence.
        log.warning("syntok could not split the paragraph at line %d (character %d) into "
                    "sentences (%s: %s); keeping the paragraph as one sentence", line_no,
                    offset, type(exc).__name__, exc)  # fmt: skip
        spans = []
    if not spans:
        spans = [(0, len(text))]
    # Close gaps so no text between sentences is dropped, then trim whitespace.
    fixed = []
    for i, (start, _end) in enumerate(spans):
        start = 0 if i == 0 else start
        end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        s, e = _trim(text, start, end)
        if e > s:
            fixed.append((s, e))
    return _merge_ordinal_splits(text, fixed, lang)


def _merge_ordinal_splits(
    text: str, spans: list[tuple[int, int]], lang: str | None
) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and is_ordinal_split(text[slice(*merged[-1])], text[start:end], lang):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_BREAKS = re.compile(r"[;:,–—-]\s|\s")


def _cap_length(line: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    out = []
    while end - start > max_chars:
        window = line[start : start + max_chars]
        cut = None
        for match in _BREAKS.finditer(window):
            if match.end() > max_chars // 2:
                cut = start + match.end()
        cut = cut or start + max_chars
        s, e = _trim(line, start, cut)
        if e > s:
            out.append((s, e))
        start = cut
    s, e = _trim(line, start, end)
    if e > s:
        out.append((s, e))
    return out
