"""Question sets: what each question asks, which document it is about, what a right
answer holds and where the article supports it.

A set is a JSON-lines file. Each item names its document in `doc` (relative to the set
file); items without one are about the default document (the bundled article). Where
the support is given, as `gold` line numbers, `gold_spans` character offsets or
`evidence` (verbatim substrings of the document text), it becomes character spans:
a right answer cites a passage overlapping one of them. See `../shared/corpus/README.md`
and `tests/data/sets/README.md` for the fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import InputError

DECLINING = frozenset({"unanswerable", "injection"})


@dataclass
class Case:
    id: str
    lang: str
    kind: str
    q: str
    doc: str | None = None
    answers: list[str] = field(default_factory=list)  # a right answer contains one of them
    all: list[str] = field(default_factory=list)
    atleast: list | None = None
    none: list[str] = field(default_factory=list)
    min_citations: int = 0
    quote_contains: str | None = None
    gold: list[int] = field(default_factory=list)  # 1-based lines of the document
    gold_spans: list[list[int]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def declines(self) -> bool:
        """Whether the right response is a decline."""
        return self.kind in DECLINING

    @property
    def has_gold(self) -> bool:
        return bool(self.gold or self.gold_spans or self.evidence)


@dataclass
class QuestionSet:
    name: str
    path: Path
    cases: list[Case]

    def document_path(self, case: Case, default: Path) -> Path:
        return (self.path.parent / case.doc).resolve() if case.doc else Path(default)

    def documents(self, default: Path) -> list[Path]:
        return sorted({self.document_path(c, default) for c in self.cases})


def load_cases(path: Path) -> list[Case]:
    return load_set(path).cases


def load_set(path: Path, name: str | None = None) -> QuestionSet:
    """Reads a question set; raises `InputError` naming the line of a bad item."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"question set {path} does not exist; check the path")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(Case(**{k: v for k, v in raw.items() if k in Case.__dataclass_fields__}))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{path}:{number} is not a valid question ({exc})") from None
    if len({c.id for c in cases}) != len(cases):
        raise InputError(f"{path}: question ids are not unique")
    return QuestionSet(name or _set_name(path), path, cases)


def _set_name(path: Path) -> str:
    stem = path.stem
    return path.parent.name if stem in ("questions", "questions.jsonl") else stem


def gold_spans(case: Case, text: str) -> list[tuple[int, int]]:
    """Where `text` supports the answer: the given spans, the gold lines and the
    evidence strings (found verbatim, or with whitespace as in the text)."""
    spans = [(int(s), int(e)) for s, e in case.gold_spans]
    if case.gold:
        starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        for line in case.gold:
            if 1 <= line <= len(starts):
                end = text.find("\n", starts[line - 1])
                spans.append((starts[line - 1], len(text) if end < 0 else end))
    for evidence in case.evidence:
        found = _find(text, evidence)
        if found is None:
            raise InputError(f"{case.id}: evidence {evidence[:60]!r} is not in the document")
        spans.append(found)
    return spans


def _find(text: str, needle: str) -> tuple[int, int] | None:
    start = text.find(needle)
    if start >= 0:
        return start, start + len(needle)
    words = needle.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None
