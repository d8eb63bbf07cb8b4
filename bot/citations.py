"""Citations are built in code: markers are parsed, checked and renumbered here,
and every quote is cut from its stored document by offsets.

The model only ever writes `[n]` markers that point into the numbered passages
it was given. This module keeps the markers that point at a given passage,
drops the rest, renumbers them by first appearance, and builds each `Citation`
from the passage's document: `quote == document.text[start:end]`, checked.

What this module does not do: read figures (`bot.numbers`) or judge an answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.documents import Document
from retrieval.search import Passage

MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
PARTIAL_MARKER = re.compile(r"\[[\d,;\s]*$")


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    quote: str
    start: int
    end: int
    title: str
    line: int

    def to_dict(self) -> dict:
        return {"n": self.n, "doc_id": self.doc_id, "quote": self.quote,
                "start": self.start, "end": self.end}  # fmt: skip


class QuoteMismatch(Exception):
    """A passage's text is not its document's text at its offsets."""


def make_citation(n: int, passage: Passage, document: Document) -> Citation:
    quote = document.text[passage.start : passage.end]
    if quote != passage.text or not quote:
        raise QuoteMismatch(f"{passage.doc_id}:{passage.start}-{passage.end}")
    return Citation(n, passage.doc_id, quote, passage.start, passage.end, passage.title,
                    passage.line)  # fmt: skip


def markers(text: str) -> list[int]:
    """Passage numbers in marker order, with repeats: "a [2] b [1, 3]" -> [2, 1, 3]."""
    found = []
    for match in MARKER.finditer(text):
        found.extend(int(x) for x in re.split(r"[,;]", match.group(1)))
    return found


def renumber(text: str, valid: Sequence[int]) -> tuple[str, list[int]]:
    """Keeps markers that point at `valid` passages, renumbered 1.. by first appearance.

    Returns the new text and the passage numbers in citation order. "[2, 5]" with
    only 2 valid becomes "[1]"; a marker pointing at nothing disappears.
    """
    allowed = set(valid)
    order: list[int] = []

    def replace(match: re.Match) -> str:
        out = []
        for raw in re.split(r"[,;]", match.group(1)):
            number = int(raw)
            if number not in allowed:
                continue
            if number not in order:
                order.append(number)
            label = f"[{order.index(number) + 1}]"
            if label not in out:
                out.append(label)
        return "".join(out)

    text = MARKER.sub(replace, text)
    return tidy(text), order


_MARKER_RUN = re.compile(rf"{MARKER.pattern}(?:\s*{MARKER.pattern})*")


def drop_unsourced(text: str, valid: Sequence[int]) -> str:
    """Removes each stretch of `text` whose markers all point at passages that were not
    given: "X [1], and Y [3]." with only [1] given becomes "X [1]." The model made Y up
    and cited a passage it never saw. Text with no valid marker at all is left alone."""
    allowed = set(valid)
    runs = list(_MARKER_RUN.finditer(text))
    if not any(set(markers(run.group())) & allowed for run in runs):
        return text
    kept, start, last_kept = [], 0, True
    for run in runs:
        last_kept = bool(set(markers(run.group())) & allowed)
        if last_kept:
            kept.append(text[start : run.end()])
        start = run.end()
    if last_kept:
        kept.append(text[start:])
    else:  # the dropped stretch ended the text: keep only its final punctuation
        end = re.search(r"[.!?…]+\s*$", text)
        kept.append(end.group().strip() if end else "")
    body = re.sub(r"^[\s.,;:!?…]+", "", "".join(kept))
    return tidy(body[:1].upper() + body[1:])


def tidy(text: str) -> str:
    text = re.sub(r"[ \t]+([.,;:!?)])", r"\1", text)  # space left before punctuation
    text = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", text)  # "[1] [1]" -> "[1]"
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip()


def strip_partial_marker(text: str) -> str:
    """Drops a marker still being streamed ("… 600 [") so it never flashes raw."""
    return PARTIAL_MARKER.sub("", text)


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


def append_markers(text: str, numbers_: Sequence[int]) -> str:
    """Adds `[n]` markers at the end of `text`, before its closing punctuation."""
    text = text.rstrip()
    marks = "".join(f"[{n}]" for n in numbers_)
    match = re.search(r"[.!?…]+$", text)
    end = match.start() if match else len(text)
    head = text[:end].rstrip()
    space = "" if head.endswith("]") else " "
    return f"{head}{space}{marks}{text[end:]}"
