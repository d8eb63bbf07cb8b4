"""Faithfulness verdicts: whether each answer says only what its cited passages say.

People (or reviewers) judge every answered question by reading the answer against
the passages it cites, and the verdicts are kept in a JSON-lines file, one per answer:
`{"set", "id", "hash", "verdict": "faithful" | "unfaithful", "error", "note"}`. The
`hash` is of the answer text, so a verdict holds only for the answer it judged; `eval`
reports the unfaithful share of the judged answers and lists the answers that changed
since they were judged (they need a new verdict).

Kinds of error (`error`): `polarity` (says yes where the passage says no), `other_figure`
(a figure of another thing, place or time), `invented` (an attribute, agent, cause or
detail the passages do not give), `mistranslation` (a translated word that changes
what is said), `other`.

An answer in another language than its article ends with a labelled machine
translation of the article's words it quotes (`Settings.translation`). That line is
judged on its own (`translation`: whether it translates faithfully, None when the
answer has none) and reported beside the unfaithful share, not inside it: the answer
above it is the article's words.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InputError

VERDICTS = ("faithful", "unfaithful")
ERRORS = ("polarity", "other_figure", "invented", "mistranslation", "other")


def answer_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Verdict:
    set: str
    id: str
    hash: str
    verdict: str
    error: str | None = None
    note: str = ""
    translation: str | None = None  # "faithful" | "unfaithful": the labelled machine translation

    @property
    def faithful(self) -> bool:
        return self.verdict == "faithful"


class Verdicts:
    """The verdicts of a file, looked up by (set, question id, answer hash)."""

    def __init__(self, verdicts: list[Verdict] | None = None) -> None:
        self._by_key = {(v.set, v.id, v.hash): v for v in verdicts or []}

    @classmethod
    def load(cls, path: Path | None) -> Verdicts:
        if path is None or not Path(path).exists():
            return cls()
        verdicts = []
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                verdict = Verdict(**json.loads(line))
            except (ValueError, TypeError) as exc:
                raise InputError(f"{path}:{number} is not a valid verdict ({exc})") from None
            if (verdict.verdict not in VERDICTS or (verdict.error and verdict.error not in ERRORS)
                    or verdict.translation not in (None, *VERDICTS)):  # fmt: skip
                raise InputError(f"{path}:{number}: verdict and translation must be one of "
                                 f"{VERDICTS}, error one of {ERRORS}")  # fmt: skip
            verdicts.append(verdict)
        return cls(verdicts)

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, set_name: str, case_id: str, text: str) -> Verdict | None:
        return self._by_key.get((set_name, case_id, answer_hash(text)))
