"""Split a document into sentence chunks that keep their character offsets.

Each line (paragraph) is segmented on its own with syntok, which knows German
abbreviations and ordinals ("z.B.", "3. Okt.") and leaves numbers such as
"4.700" whole. A chunk is one sentence; `text[start:end] == chunk.text` holds by
construction, because the chunk text is cut from the document, never rebuilt
from tokens. Sentences longer than `max_chars` are cut at a clause or word
boundary so no chunk overflows the embedder.

Chunk ids are derived from the document id and the offsets, so re-ingesting
the same text yields the same ids.

What this module does not do: read files (see `documents`), embed or store chunks.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import syntok.segmenter as segmenter

log = logging.getLogger(__name__)

MAX_CHARS = 600


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int  # position of the sentence in the document, from 0
    start: int
    end: int
    line: int  # 1-based line of the document the sentence starts on
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"


def split_sentences(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for line_no, (line_start, line) in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        for start, end in _sentences_in_line(line, line_no=line_no, offset=line_start):
            for s, e in _cap_length(line, start, end, max_chars):
                spans.append((line_start + s, line_start + e))
    return spans


def chunk_document(doc_id: str, text: str, max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    line_index = 0
    for index, (start, end) in enumerate(split_sentences(text, max_chars)):
        while line_index + 1 < len(line_starts) and line_starts[line_index + 1] <= start:
            line_index += 1
        chunks.append(Chunk(doc_id, index, start, end, line_index + 1, text[start:end]))
    return chunks


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line))
        pos += len(line)
    return out


def _sentences_in_line(line: str, *, line_no: int = 1, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one line; `line_no` and `offset` (its first character in the
    document) only name the place in a warning."""
    spans = []
    try:
        for paragraph in segmenter.analyze(line):
            for sentence in paragraph:
                tokens = [t for t in sentence if t.value]
                if not tokens:
                    continue
                start = tokens[0].offset
                end = tokens[-1].offset + len(tokens[-1].value)
                spans.append((start, min(end, len(line))))
    except (AssertionError, IndexError) as exc:
        # What syntok 1.4.4 raises on input its heuristics do not expect: its own asserts
        # and unguarded list indexing. Never lose text because of it: one sentence.
        log.warning("syntok could not split line %d (character %d) into sentences (%s: %s); "
                    "keeping the line as one sentence", line_no, offset, type(exc).__name__,
                    exc)  # fmt: skip
        spans = []
    if not spans:
        spans = [(0, len(line))]
    # Close gaps so no text between sentences is dropped, then trim whitespace.
    fixed = []
    for i, (start, _end) in enumerate(spans):
        start = 0 if i == 0 else start
        end = spans[i + 1][0] if i + 1 < len(spans) else len(line)
        s, e = _trim(line, start, end)
        if e > s:
            fixed.append((s, e))
    return fixed


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
