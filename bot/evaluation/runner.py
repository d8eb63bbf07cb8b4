"""Running question sets: each set over a temporary index of its own documents.

`Evaluator.run` ingests a set's documents into a fresh index in a temporary
directory (with the models already loaded, shared between sets), asks each question
about its own document, scores the answer and looks up its faithfulness verdict. The
settings decide everything else, including which rules run (`--without`).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.app import App
from bot.errors import InputError
from bot.evaluation.cases import Case, QuestionSet, gold_spans
from bot.evaluation.faithfulness import Verdict, Verdicts, answer_hash
from bot.evaluation.scoring import Score, score
from bot.results import Answer
from bot.settings import Settings
from retrieval.chroma_client import forget_chroma_system
from retrieval.documents import make_doc_id

log = logging.getLogger(__name__)


@dataclass
class Result:
    set: str
    file: str  # the question set's path
    case: Case
    answer: Answer
    seconds: float
    score: Score
    verdict: Verdict | None

    @property
    def passed(self) -> bool:
        return self.score.passed

    def to_dict(self) -> dict:
        return {
            "set": self.set, "file": self.file, "id": self.case.id, "kind": self.case.kind, "lang": self.case.lang,
            "q": self.case.q, "passed": self.passed, "reasons": self.score.reasons,
            "seconds": round(self.seconds, 2), "answer": self.answer.answer,
            "answered": self.answer.answered, "reason": self.answer.reason,
            "rules": self.answer.rules, "hash": answer_hash(self.answer.answer),
            "citations": [c.to_dict() for c in self.answer.citations],
            "verdict": self.verdict.verdict if self.verdict else None, "note": self.case.note,
            "translation": self.verdict.translation if self.verdict else None,
        }  # fmt: skip


class Evaluator:
    def __init__(self, app: App, *, default_document: Path, verdicts: Verdicts | None = None,
                 progress: Callable[[Result], None] | None = None) -> None:  # fmt: skip
        """`app` lends its settings and models; each set gets its own index."""
        self.app = app
        self.default_document = Path(default_document)
        self.verdicts = verdicts or Verdicts()
        self.progress = progress

    def run(self, qset: QuestionSet) -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="articlebot-eval-") as tmp:
            app = self._app_for(Path(tmp))
            try:
                paths = qset.documents(self.default_document)
                app.ingest(paths)
                return [self._ask(app, qset, case) for case in qset.cases]
            finally:
                forget_chroma_system(app.settings.chroma_path)

    def _app_for(self, directory: Path) -> App:
        base = self.app
        settings: Settings = base.settings.model_copy(
            update={"data_dir": directory, "chroma_url": None, "collection_prefix": "eval"}
        )
        return App(settings, llm=base.llm, embedder=base.embedder, prompts=base.prompts,
                   detector=base.detector)  # fmt: skip

    def _ask(self, app: App, qset: QuestionSet, case: Case) -> Result:
        doc_id = make_doc_id(qset.document_path(case, self.default_document))
        document = app.searcher.document(doc_id)
        if document is None:
            raise InputError(f"{qset.name}: document {doc_id} was not ingested")
        spans = gold_spans(case, document.text)
        started = time.perf_counter()
        try:
            answer = app.answerer.ask(case.q, doc_ids=[doc_id])
        except InputError as exc:
            answer = Answer.decline(question=case.q, language=case.lang, text=str(exc), reason="input")
        seconds = time.perf_counter() - started
        scored = score(case, answer, document.text, spans, app.detector, doc_id)
        verdict = self.verdicts.get(qset.name, case.id, answer.answer) if answer.answered else None
        result = Result(qset.name, str(qset.path), case, answer, seconds, scored, verdict)
        if self.progress:
            self.progress(result)
        return result
