"""The answering core: a question in, a cited `Answer` out. Imports no Discord.

`Answerer.ask` takes a question through these stages, in this order:

1. **clean** the text, detect its language, take one snapshot of the index;
2. **route** it: a summary, an exact quote, or a question; `question` rules may decline
   (a request to play another role is never put to the model);
3. **retrieve**: the passages closest to the question, withheld and re-ranked by rules;
4. **decide**: `decide` rules may answer without the model (a why-question gets the
   article's words) or decline (nothing close enough, no sum of money to give);
5. **generate**: over the passages `context` rules choose, in `Settings.answer_style`:
   `extract` (default), the model copies the words that answer and the code writes the
   sentence around them (`bot.composing`); `write`, the model writes one `ANSWER:` line
   with `[n]` markers;
6. **ground**: copied words must be found in their passage as whole words
   (`bot.extraction`); written markers, sources and figures are checked against the
   passages (`bot.grounding`); what fails becomes a decline from `prompts/messages.toml`;
7. **repair**: `repair` rules check the answer against the question and may replace it.

The rules are named and ordered in `Settings.rules` (see `bot.rules`). Quotes are
never generated: every `Citation` is cut from its document by offsets. `quote()` is
retrieval only; `summarize()` is extractive (`bot.summaries`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence

from bot.answer_cache import cached
from bot.errors import InputError
from bot.language import LanguageDetector
from bot.llm import LLM
from bot.prompting import PromptLibrary
from bot.quoting import quote_answer, quote_hits
from bot.request import Candidate, Request, TextCallback
from bot.results import Answer, QuoteHit, Turn
from bot.routing import Route, route
from bot.rules import RULES, RuleSet
from bot.settings import Settings
from bot.summaries import SummaryCache, summary_answer, summary_passages
from bot.translation import Translator
from bot.writing import Writer
from retrieval.search import Searcher, Snapshot

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
RANKING_POOL = 4  # candidates re-ranked per question, whatever top_k is


class Answerer:
    def __init__(self, *, settings: Settings, searcher: Searcher, llm: LLM, prompts: PromptLibrary,
                 detector: LanguageDetector,
                 similarity: Callable[[str, str], float] | None = None) -> None:  # fmt: skip
        """`similarity` scores a translation against its original (the embedder's, when
        it has one; see `bot.translation.Translator.keep`)."""
        self.settings = settings
        self.searcher = searcher
        self.llm = llm
        self.prompts = prompts
        self.detector = detector
        self.rules = RuleSet(RULES, settings.rules)
        self.translator = Translator(settings=settings, llm=llm, prompts=prompts,
                                     prime=self._ensure_primed, detect=detector.detect,
                                     similarity=similarity)  # fmt: skip
        self.writer = Writer(settings=settings, llm=llm, prompts=prompts, detector=detector,
                             translator=self.translator, prime=self._ensure_primed)  # fmt: skip
        self._similarity = similarity
        self._summaries = SummaryCache()
        self._primed = False
        self._prime_lock = threading.Lock()

    # -- the three requests -----------------------------------------------------------

    @cached  # the same question about the same documents again: from memory (bot.answer_cache)
    def ask(self, question: str, *, history: Sequence[Turn] = (), doc_ids: list[str] | None = None,
            language_hint: str | None = None, on_text: TextCallback | None = None) -> Answer:  # fmt: skip
        """A cited answer to `question` in its language, or a decline; `on_text` sees the
        answer grow. `history` holds the conversation's earlier turns."""
        request = self._request(question, history, doc_ids, language_hint, on_text)
        if not request.view.has_documents():
            return request.finish(self.writer.decline(request, "no_documents"))
        declined = self.rules.first_answer("question", request, self.writer)
        if declined is not None:
            return request.finish(declined)
        if request.route.kind == "summary":
            return self._summary(request, request.route.focus)
        if request.route.kind == "quote":
            return request.finish(quote_answer(request, self.writer))

        self._retrieve(request)
        if not request.passages:
            return request.finish(self.writer.decline(request, "not_found"))
        started = time.perf_counter()
        answer = self.rules.first_answer("decide", request, self.writer)
        if answer is None:
            request.passages = self.rules.context(request)
            answer, request.messages = self.writer.answer(request)
            answer = self.rules.repair(request, answer, self.writer)
        return request.finish(answer, generate=(time.perf_counter() - started) * 1000)

    def summarize(self, *, language: str | None = None, focus: str | None = None,
                  doc_ids: list[str] | None = None, on_text: TextCallback | None = None,
                  question: str | None = None) -> Answer:  # fmt: skip
        """An extractive summary of the documents (or of what they say about `focus`)."""
        focus = self.clean(focus) if focus is not None else None
        q = question or (f"Summary: {focus}" if focus else "Summary")
        view = self._view(doc_ids)
        request = Request(question=q, language=language or self.settings.default_language,
                          view=view, settings=self.settings, route=Route("summary", q, focus),
                          doc_ids=doc_ids, on_text=on_text, withheld=self.rules.withheld)  # fmt: skip
        if not view.has_documents():
            return request.finish(self.writer.decline(request, "no_documents"))
        return self._summary(request, focus)

    def quote(self, query: str, *, k: int | None = None, doc_ids: list[str] | None = None) -> list[QuoteHit]:
        """The best passages for `query`, verbatim, with scores. No model involved."""
        q = self.clean(query)
        return quote_hits(self._view(doc_ids), q, k or self.settings.quote_k, doc_ids)

    def translate(self, texts: Sequence[str], language: str) -> list[str]:
        """Machine translation of quotes, one output per input (for display only)."""
        return self.translator.for_display(texts, language)

    # -- input ------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """Control characters stripped, whitespace collapsed; raises `InputError`."""
        text = _CONTROL.sub("", text.replace("\r", " ").replace("\t", " "))
        text = re.sub(r"\s+", " ", text).strip()
        limit = self.settings.max_question_chars
        if not text:
            raise InputError("the question is empty; type a question about the article",
                             key="empty_question")  # fmt: skip
        if len(text) > limit:
            raise InputError(
                f"the question is {len(text):,} characters long; the limit is {limit:,}, "
                f"so shorten it",
                key="too_long", values={"length": len(text), "limit": limit},
            )  # fmt: skip
        return text

    def detect_language(self, text: str, hint: str | None = None) -> str:
        return self.detector.detect(text, hint=hint)

    def _request(self, question: str, history: Sequence[Turn], doc_ids: list[str] | None,
                 hint: str | None, on_text: TextCallback | None) -> Request:  # fmt: skip
        """Stage 1 and 2: the cleaned question, its language, the index, its route."""
        q = self.clean(question)
        if history and hint is None:
            hint = self.detector.detect(history[-1].question)
        language = self.detector.detect(q, hint=hint)
        acted: list[str] = []
        return Request(question=q, language=language, view=self._view(doc_ids),
                       settings=self.settings, route=route(q, language), history=tuple(history),
                       doc_ids=doc_ids, on_text=on_text, acted=acted,
                       withheld=lambda passage: self.rules.withheld(passage, acted),
                       copied=self.rules.spans, similarity=self._similarity)  # fmt: skip

    def _view(self, doc_ids: list[str] | None) -> Snapshot:
        """The index for one request; raises `InputError` for a document it does not hold."""
        view = self.searcher.snapshot()
        unknown = [d for d in doc_ids or [] if d not in set(view.doc_ids())]
        if unknown:
            raise InputError(f"unknown document {', '.join(unknown)}; `articlebot sources` lists them")
        return view

    # -- stages -----------------------------------------------------------------------

    def _retrieve(self, request: Request) -> None:
        """Stage 3: candidates, ranked by the `rank` rules; the passages for the model are
        the first `top_k` within `passage_margin` of the best. A follow-up ("und wie viele
        davon starben?") is also searched together with the previous question."""
        started = time.perf_counter()
        pool = max(self.settings.top_k, RANKING_POOL)
        view, q = request.view, request.question
        found = {p.key: p for p in view.search(q, pool, doc_ids=request.doc_ids)}
        if request.history:
            combined = f"{request.history[-1].question} {q}"
            for p in view.search(combined, pool, doc_ids=request.doc_ids):
                if p.key not in found or found[p.key].score < p.score:
                    found[p.key] = p
        shown = [Candidate(p, p.score) for p in found.values() if not request.withheld(p)]
        request.candidates = self.rules.rank(request, shown)
        request.passages = request.top(self.settings.top_k, self.settings.passage_margin)
        request.timings_ms["retrieve"] = (time.perf_counter() - started) * 1000

    def _summary(self, request: Request, focus: str | None) -> Answer:
        key = (request.view.generation, tuple(sorted(request.doc_ids or [])), request.language,
               (focus or "").lower())  # fmt: skip
        cached = self._summaries.get(key)
        if cached is not None:
            request.show(cached.answer)
            return request.finish(cached.copy_for(request.question))
        started = time.perf_counter()
        passages = summary_passages(request.view, focus=focus, doc_ids=request.doc_ids,
                                    maximum=self.settings.summary_sentences,
                                    min_score=self.settings.min_score,
                                    withheld=request.withheld)  # fmt: skip
        request.timings_ms["retrieve"] = (time.perf_counter() - started) * 1000
        if not passages:
            return request.finish(self.writer.decline(request, "not_found"))
        started = time.perf_counter()
        answer = summary_answer(request, passages, self.writer)
        if answer.answered and not answer.truncated:
            self._summaries.put(key, answer)
        return request.finish(answer, generate=(time.perf_counter() - started) * 1000)

    # -- warming up -------------------------------------------------------------------

    def prime(self) -> float:
        """Warms the model's fixed prompt prefixes (and the language detector); returns
        seconds spent."""
        with self._prime_lock:
            self._primed = True
        self.detector.detect("warm up the language models")
        prime = getattr(self.llm, "prime", None)
        if prime is None:
            return 0.0
        if self.settings.answer_style == "extract":
            answer, _ = self.prompts.chat("extract", examples="extract_examples", passages="",
                                          question="")  # fmt: skip
        else:
            answer, _ = self.prompts.chat("answer", examples="answer_examples", passages="",
                                          question="", language="", history="", note="")  # fmt: skip
        translate, _ = self.prompts.chat("translate", examples="translate_examples", passages="",
                                         language="")  # fmt: skip
        return prime(answer) + prime(translate)

    def _ensure_primed(self) -> None:
        """Registers the fixed prompt prefixes with the model once (from disk when saved),
        so switching between answers and translations never re-reads a whole prefix."""
        with self._prime_lock:
            if self._primed:
                return
            self._primed = True
        self.prime()
