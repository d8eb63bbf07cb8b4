"""The answering core: a question in, a cited `Answer` out. Imports no Discord.

One `Answerer` is built from its collaborators (settings, searcher, LLM,
prompts, language detector) and serves every front end. A request goes:

1. clean the text, detect its language, route it (question, summary, exact
   quote, or a task articlebot declines);
2. retrieve passages; decline by rule, without the model, when even the best
   passage is far from the question, or when the question asks for a sum of money
   or an age and no passage writes one. A why-question gets what the article says
   (the best sentence and the rest of its paragraph) or a decline, never a cause
   written by the model;
3. ask the model for one `ANSWER:` line over the best passage(s), with `[n]` markers;
4. check the result in code: markers must point at given passages, figures
   must appear in a passage, and a reply without grounding becomes a decline,
   written from `prompts/messages.toml` in the user's language, never by the
   model. One correction turn is allowed for an invented figure or words left
   untranslated. A reply that leaves out what was asked (it only restates the
   question, or answers "how many" without a figure) is replaced by what the cited
   passage says, translated when needed.

Summaries are extractive: the article's key sentences (the lede plus the most
central ones, without repeats), each cited, translated by the model when the
reader's language is not the article's.

Quotes are never generated: every `Citation` is cut from the stored document
by its offsets. `quote()` is retrieval only and never calls the model.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from bot.checks import better_figure, counts_a_measure, figure_clauses, misses_figure, restates
from bot.citations import (
    NUMBER,
    Citation,
    QuoteMismatch,
    drop_unsourced,
    make_citation,
    markers,
    normalise_number,
    numbers,
    renumber,
    strip_markers,
    strip_partial_marker,
    unsupported_numbers,
)
from bot.errors import InputError
from bot.language import LanguageDetector
from bot.lexicon import QUOTE_MARKS, language_name
from bot.llm import LLM, Generation, Message
from bot.prompting import PromptLibrary, neutralise, number_passages
from bot.routing import (
    asked_measure,
    asks_how_many,
    asks_two_things,
    dated_elsewhere,
    is_injection,
    is_why_question,
    negates,
    route,
    states_measure,
)
from bot.results import Answer, QuoteHit, Turn
from bot.settings import Settings
from retrieval.search import Passage, Searcher

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NONE = re.compile(r"^\W*(none|keine?|aucune?|ninguna?|nessuna?)\W*$", re.IGNORECASE)
SUMMARY_CACHE_SIZE = 64
RANKING_POOL = 4  # candidates re-ranked per question, whatever top_k is



TextCallback = Callable[[str], None]


class Answerer:
    def __init__(
        self,
        *,
        settings: Settings,
        searcher: Searcher,
        llm: LLM,
        prompts: PromptLibrary,
        detector: LanguageDetector,
    ) -> None:
        self.settings = settings
        self.searcher = searcher
        self.llm = llm
        self.prompts = prompts
        self.detector = detector
        self._summary_cache: OrderedDict[tuple, Answer] = OrderedDict()
        self._summary_lock = threading.Lock()
        self._primed = False

    # -- input ------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """Control characters stripped, whitespace collapsed; raises `InputError`."""
        text = _CONTROL.sub("", text.replace("\r", " ").replace("\t", " "))
        text = re.sub(r"\s+", " ", text).strip()
        limit = self.settings.max_question_chars
        if not text:
            raise InputError(
                "the question is empty; type a question about the article",
                key="empty_question",
            )
        if len(text) > limit:
            raise InputError(
                f"the question is {len(text):,} characters long; the limit is {limit:,}, "
                f"so shorten it",
                key="too_long",
                values={"length": len(text), "limit": limit},
            )
        return text

    def detect_language(self, text: str, hint: str | None = None) -> str:
        return self.detector.detect(text, hint=hint)

    # -- the three requests -----------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        doc_ids: list[str] | None = None,
        language_hint: str | None = None,
        on_text: TextCallback | None = None,
    ) -> Answer:
        started = time.perf_counter()
        q = self.clean(question)
        hint = language_hint
        if history and hint is None:
            hint = self.detector.detect(history[-1].question)
        lang = self.detector.detect(q, hint=hint)
        self._check_doc_ids(doc_ids)
        if not self._has_documents():
            return self._decline(q, lang, "no_documents", started)
        routed = route(q)
        if routed.kind == "off_task":
            return self._decline(q, lang, "off_task", started)
        if routed.kind == "summary":
            return self.summarize(language=lang, focus=routed.focus, doc_ids=doc_ids,
                                  on_text=on_text, question=q)  # fmt: skip
        if routed.kind == "quote":
            return self._quote_answer(q, routed.query, lang, doc_ids, started)

        t = time.perf_counter()
        ranked = self._retrieve(q, history, doc_ids)
        passages = self._top(q, ranked, self.settings.top_k)
        retrieve_ms = (time.perf_counter() - t) * 1000
        if not passages or max(p.score for p in passages) < self.settings.min_score:
            answer = self._decline(q, lang, "not_found", started)
            answer.timings_ms["retrieve"] = retrieve_ms
            return answer
        if is_why_question(q):
            # Asked for a cause, a 1.5B model invents one ("resigned because Russia
            # supplied drones") or accepts a false premise. What the article says on the
            # subject answers a sound question and corrects a false one.
            if passages[0].score < self.settings.why_min_score:
                answer = self._decline(q, lang, "not_found", started)
            else:
                t = time.perf_counter()
                # "Why did the NIS say no soldiers had died?": what refutes a denial is
                # often not the passage closest to its subject (the dead were cremated)
                # but the next one (600 dead), so a denial also gets the runner-up.
                runner_up = self._top(q, ranked, 2)[1:] if negates(q) else []
                answer = self._passage_answer(q, lang, passages[0], on_text, also=runner_up)
                answer.timings_ms["generate"] = (time.perf_counter() - t) * 1000
            answer.passages = answer.passages or passages
            answer.timings_ms.update(retrieve=retrieve_ms, total=(time.perf_counter() - started) * 1000)
            return answer
        measure = asked_measure(q)
        if measure and not any(states_measure(p.text, measure) for p in passages):
            # Asked for a sum of money or an age, and no passage writes one: any figure
            # the model could give would be of something else.
            answer = self._decline(q, lang, "no_value", started)
            answer.passages = passages
            answer.timings_ms["retrieve"] = retrieve_ms
            return answer

        if asks_two_things(q) and len(passages) == 1:
            # The second part is often answered by the next sentence ("Moskau verkündete
            # den Abschluss …" / "Selenskyj weist dies zurück"); alone with the first, the
            # model makes the second answer up.
            following = self.searcher.following(passages[0])
            if following is not None and not self._quarantined(following):
                passages = [passages[0], following]
        messages = self._answer_messages(q, lang, passages, history)
        streamer = _AnswerStreamer(on_text, len(passages)) if on_text else None
        t = time.perf_counter()
        generation = self._generate_answer(messages, streamer)
        answer = self._grounded_answer(q, lang, passages, generation)
        correction = self._correction(answer, generation, passages, q, lang)
        if correction is not None:
            # One correction turn: the conversation so far is a cached prefix, so this
            # costs only the new tokens. The second reply is kept only if it is better.
            retry = [*messages, Message("assistant", generation.text), Message("user", correction)]
            if streamer:
                streamer.reset()
            second = self._generate_answer(retry, streamer)
            # The retry rewords the same answer; when it drops its markers, the first
            # reply's citations stand for it (its figures are checked all the same).
            before = [i for i, p in enumerate(passages, 1)
                      if any((c.doc_id, c.start) == p.key for c in answer.citations)]  # fmt: skip
            revised = self._grounded_answer(q, lang, passages, second, cited_before=before)
            if self._faults(revised, passages, q, lang) < self._faults(answer, passages, q, lang):
                answer = revised
            elif on_text and answer.answered:
                on_text(answer.answer)  # the streamed retry was not kept
        if answer.answered and counts_a_measure(answer.answer, q):
            # "How many Ukrainian soldiers died?" -> "1,000 square kilometres were taken":
            # the article's only figure near the subject is of something else.
            log.info("a count was asked and a measured quantity given; declining")
            answer = self._decline_after(q, lang, "no_value", passages, answer.generation)
        if answer.answered and asks_how_many(q):
            fixed = self._matching_figure(answer, q, lang, passages)
            if fixed != answer.answer:
                answer.answer = fixed
                if on_text:
                    on_text(fixed)
        if answer.answered and not answer.truncated and (
                restates(answer.answer, q) or misses_figure(answer.answer, q)):  # fmt: skip
            # A reply that only says the question back ("When did X deny Y?" -> "X denied
            # Y"), or a how-many answer without a figure ("soldiers died in the
            # conflict"), leaves out what was asked. Small models do this most when the
            # question takes something false for granted or the passage words it
            # unexpectedly ("600 Tote"). What the article says answers it instead.
            log.info("the reply left out what was asked; showing the passage instead")
            first = answer.citations[0]
            cited = next(p for p in passages if (p.doc_id, p.start) == (first.doc_id, first.start))
            answer = self._passage_answer(q, lang, cited, on_text, answer.generation)
        generate_ms = (time.perf_counter() - t) * 1000
        answer.timings_ms.update(
            retrieve=retrieve_ms,
            generate=generate_ms,
            total=(time.perf_counter() - started) * 1000,
        )
        return answer

    def _answer_messages(self, q: str, lang: str, passages: Sequence[Passage],
                         history: Sequence[Turn] = ()) -> list[Message]:  # fmt: skip
        return self.prompts.chat(
            "answer",
            examples="answer_examples",
            passages=number_passages([p.text for p in passages], self._labels(passages)),
            question=neutralise(q),
            language=language_name(lang),
            history=self._history_block(history),
            note="",
        )[1]

    def _passage_answer(self, q: str, lang: str, passage: Passage, on_text: TextCallback | None,
                        generation: Generation | None = None, also: Sequence[Passage] = ()) -> Answer:  # fmt: skip
        """What the article says: `passage` and the rest of its paragraph, translated when
        needed, each sentence cited. When `passage` ends its paragraph, the first of
        `also` is shown instead, in document order."""
        shown = [passage]
        following = self.searcher.following(passage)
        if following is not None and not self._quarantined(following):
            shown.append(following)
        elif also:
            shown = sorted([passage, also[0]], key=lambda p: (p.doc_id, p.index))
        intro = self.prompts.message("quote_intro", lang)
        texts, translation = self._passage_texts(
            shown, lang, (lambda text: on_text(f"{intro} {text}")) if on_text else None
        )
        body = " ".join(append_markers(text, [n]) for n, text in enumerate(texts, start=1))
        citations = self._citations(list(range(1, len(shown) + 1)), shown)
        truncated = bool(translation and translation.truncated)
        return Answer.cited(question=q, language=lang, text=f"{intro} {body}", citations=citations,
                            truncated=truncated, passages=shown,
                            generation=translation or generation)  # fmt: skip

    def _matching_figure(self, answer: Answer, q: str, lang: str, passages: Sequence[Passage]) -> str:
        """`answer`'s text, with its figure replaced when the cited sentence says another
        figure about the thing asked. Asked how many were wounded, of "300 … getötet und
        weitere 2.700 verwundet", the 1.5B model answers the first figure. Words are
        compared, so only when the question is in the passage's language."""
        first = answer.citations[0] if answer.citations else None
        cited = next((p for p in passages if first and p.key == (first.doc_id, first.start)), None)
        if cited is None or self._doc_lang(cited.doc_id) != lang or len(figure_clauses(cited.text)) < 2:
            return answer.answer  # nothing to choose from: skip reading the document
        sentences = [p.text for p in self.searcher.all_passages([cited.doc_id])]
        swap = better_figure(answer.answer, q, cited.text, sentences)
        if swap is None:
            return answer.answer
        given, better = swap
        log.info("the reply gave %s; the cited sentence says %s about what was asked", given, better)
        value = normalise_number(given)
        return NUMBER.sub(
            lambda m: better if normalise_number(m.group()) == value else m.group(), answer.answer
        )

    def _correction(self, answer: Answer, generation: Generation, passages, q: str, lang: str) -> str | None:
        """What to tell the model when its reply failed a check worth one more try."""
        if answer.reason == "unsupported_number":
            _, wrong = parse_reply(generation.text)
            missing = sorted(unsupported_numbers(wrong, [p.text for p in passages], q))
            return self.prompts.template("answer_retry").render(numbers=", ".join(missing))
        if answer.answered:
            words = self._untranslated(answer.answer, passages, q, lang)
            if words:
                return self.prompts.template("answer_translate").render(
                    words=", ".join(words), language=language_name(lang)
                )
        return None

    def _faults(self, answer: Answer, passages: Sequence[Passage], q: str, lang: str) -> tuple:
        """How bad a reply is, for choosing between a reply and its correction: a decline
        is worst, then a how-many answer without a figure, then untranslated words."""
        if not answer.answered:
            return (1, 0, 0)
        return (0, int(misses_figure(answer.answer, q)),
                len(self._untranslated(answer.answer, passages, q, lang)))  # fmt: skip

    def _untranslated(self, text: str, passages: Sequence[Passage], q: str, lang: str) -> list[str]:
        """Words of the passages' language copied into an answer in another language."""
        sources = {self._doc_lang(p.doc_id) for p in passages} - {lang, None}
        if not sources:
            return []
        passage_words = set()
        for p in passages:
            passage_words |= set(re.findall(r"[^\W\d_]+", p.text))
        asked = {w.lower() for w in re.findall(r"[^\W\d_]+", q)}
        found = []
        for word in re.findall(r"[^\W\d_]{5,}", strip_markers(text)):
            if word in passage_words and word.lower() not in asked and word not in found:
                if any(self.detector.confidence(word, src) >= 0.9 for src in sources):
                    found.append(word)
        return found

    def _doc_lang(self, doc_id: str) -> str | None:
        document = self.searcher.document(doc_id)
        return document.lang if document is not None else None

    def _ensure_primed(self) -> None:
        """Registers the fixed prompt prefixes with the model once (from disk when saved),
        so switching between answers and translations never re-reads a whole prefix."""
        if not self._primed:
            self._primed = True
            self.prime()

    def _generate_answer(self, messages: list[Message], streamer) -> Generation:
        self._ensure_primed()
        return self.llm.generate(
            messages,
            max_tokens=self.settings.max_tokens,
            stop=["\nSOURCES:", "\nQuestion:", "\nPassages:"],
            timeout_s=self.settings.generation_timeout_s,
            on_text=streamer.feed if streamer else None,
        )

    def summarize(
        self,
        *,
        language: str | None = None,
        focus: str | None = None,
        doc_ids: list[str] | None = None,
        on_text: TextCallback | None = None,
        question: str | None = None,
    ) -> Answer:
        started = time.perf_counter()
        lang = language or self.settings.default_language
        self._check_doc_ids(doc_ids)
        if focus is not None:
            focus = self.clean(focus)
        q = question or (f"Summary: {focus}" if focus else "Summary")
        if not self._has_documents():
            return self._decline(q, lang, "no_documents", started)
        generation_id = self.searcher.generation()
        key = (generation_id, tuple(sorted(doc_ids or [])), lang, (focus or "").lower())
        with self._summary_lock:
            cached = self._summary_cache.get(key)
        if cached is not None:
            if on_text:
                on_text(cached.answer)
            copy = cached.copy_for(q)
            copy.timings_ms.update(retrieve=0.0, generate=0.0,
                                   total=(time.perf_counter() - started) * 1000)
            return copy

        t = time.perf_counter()
        passages = self._summary_passages(focus, doc_ids)
        retrieve_ms = (time.perf_counter() - t) * 1000
        if not passages:
            return self._decline(q, lang, "not_found", started)
        t = time.perf_counter()
        texts, generation = self._passage_texts(passages, lang, on_text)
        generate_ms = (time.perf_counter() - t) * 1000
        body = " ".join(append_markers(text, [n]) for n, text in enumerate(texts, start=1))
        truncated = bool(generation and generation.truncated)
        answer = Answer.cited(
            question=q, language=lang, text=body, mode="summary", truncated=truncated,
            citations=self._citations(list(range(1, len(passages) + 1)), passages),
            passages=passages, generation=generation,
        )  # fmt: skip
        answer.timings_ms.update(
            retrieve=retrieve_ms, generate=generate_ms,
            total=(time.perf_counter() - started) * 1000,
        )  # fmt: skip
        if answer.answered and not answer.truncated:
            with self._summary_lock:
                self._summary_cache[key] = answer
                while len(self._summary_cache) > SUMMARY_CACHE_SIZE:  # focus texts are free-form
                    self._summary_cache.popitem(last=False)
        return answer

    def quote(self, query: str, *, k: int | None = None, doc_ids: list[str] | None = None) -> list[QuoteHit]:
        """The best passages for `query`, verbatim, with scores. No model involved."""
        q = self.clean(query)
        self._check_doc_ids(doc_ids)
        hits = []
        for passage in self.searcher.search(q, k or self.settings.quote_k, doc_ids=doc_ids):
            document = self.searcher.document(passage.doc_id)
            try:
                citation = make_citation(0, passage, document)
            except (QuoteMismatch, TypeError):
                log.error("dropping passage %s:%s that does not match its document",
                          passage.doc_id, passage.start)  # fmt: skip
                continue
            hits.append(QuoteHit(doc_id=citation.doc_id, quote=citation.quote, start=citation.start,
                                 end=citation.end, score=passage.score, title=passage.title,
                                 line=passage.line))  # fmt: skip
        return hits

    def translate(self, texts: Sequence[str], language: str) -> list[str]:
        """Machine translation of quotes, one output per input (for display only).

        A quote that reads like instructions to an assistant is not sent to the model;
        its translation is left empty."""
        safe = [i for i, text in enumerate(texts) if not is_injection(text)]
        translated = self._translate([texts[i] for i in safe], language)[0]
        out = [""] * len(texts)
        for i, text in zip(safe, translated, strict=True):
            out[i] = text
        return out

    def _translate(
        self, texts: Sequence[str], language: str, on_line: Callable[[int, str], None] | None = None
    ) -> tuple[list[str], Generation | None]:
        if not texts:
            return [], None
        _, messages = self.prompts.chat(
            "translate",
            examples="translate_examples",
            passages=number_passages(list(texts)),
            language=language_name(language),
        )
        found: dict[int, str] = {}

        def parse(text: str, final: bool) -> None:
            lines = text.split("\n")
            for line in lines if final else lines[:-1]:  # the last line may still grow
                match = re.match(r"\s*\[(\d+)\]\s*(.+)", line)
                if match and 1 <= int(match.group(1)) <= len(texts):
                    n = int(match.group(1))
                    if n not in found:
                        found[n] = fix_number_spacing(match.group(2).strip())
                        if on_line:
                            on_line(n, found[n])

        streamed = []
        self._ensure_primed()
        generation = self.llm.generate(
            messages,
            max_tokens=min(self.settings.translate_max_tokens, 100 * len(texts) + 40),
            stop=["\nQuotations:", "\nRequested language:"],
            timeout_s=self.settings.generation_timeout_s,
            on_text=lambda piece: (streamed.append(piece), parse("".join(streamed), False)),
        )
        parse(generation.text, True)
        return [found.get(i, "") for i in range(1, len(texts) + 1)], generation

    def _passage_texts(
        self, passages: list[Passage], lang: str, on_text: TextCallback | None
    ) -> tuple[list[str], Generation | None]:
        """The passages' sentences as shown in a summary or a passage answer: the passages
        themselves, translated when the reader's language is not the article's. A
        translation that loses or invents a figure is replaced by the original sentence."""
        texts = [p.text for p in passages]
        foreign = [i for i, p in enumerate(passages) if self._doc_lang(p.doc_id) != lang]

        def show() -> None:
            if on_text:
                on_text(" ".join(append_markers(t, [n]) for n, t in enumerate(texts, start=1)))

        if not foreign:
            show()
            return texts, None
        shown = list(texts)

        def on_line(n: int, text: str) -> None:
            shown[foreign[n - 1]] = text
            if on_text:
                on_text(" ".join(append_markers(t, [i]) for i, t in enumerate(shown, start=1)))

        translated, generation = self._translate([texts[i] for i in foreign], lang, on_line)
        for i, text in zip(foreign, translated, strict=True):
            original = passages[i].text
            if (text and not unsupported_numbers(text, [original])
                    and numbers(original, words=False) <= numbers(text)):  # fmt: skip
                texts[i] = text
        return texts, generation

    def prime(self) -> float:
        """Warms the model's fixed prompt prefixes (and the language detector); returns
        seconds spent."""
        self._primed = True
        self.detector.detect("warm up the language models")
        prime = getattr(self.llm, "prime", None)
        if prime is None:
            return 0.0
        spent = 0.0
        prefix, _ = self.prompts.chat(
            "answer", examples="answer_examples", passages="", question="", language="",
            history="", note="",
        )  # fmt: skip
        spent += prime(prefix)
        prefix, _ = self.prompts.chat("translate", examples="translate_examples", passages="",
                                      language="")  # fmt: skip
        spent += prime(prefix)
        return spent

    # -- retrieval ----------------------------------------------------------------------

    def _has_documents(self) -> bool:
        return self.searcher.has_documents()

    def _check_doc_ids(self, doc_ids: list[str] | None) -> None:
        if not doc_ids:
            return
        known = set(self.searcher.doc_ids())
        unknown = [d for d in doc_ids if d not in known]
        if unknown:
            raise InputError(
                f"unknown document {', '.join(unknown)}; `articlebot sources` lists them"
            )

    def _retrieve(self, q: str, history: Sequence[Turn], doc_ids) -> list[Passage]:
        """The candidates for `q`, best first by `_ranking_score`; cut with `_top`."""
        pool = max(self.settings.top_k, RANKING_POOL)
        found = {p.key: p for p in self.searcher.search(q, pool, doc_ids=doc_ids)}
        if history:
            # A follow-up ("und wie viele davon starben?") leans on the previous question.
            combined = f"{history[-1].question} {q}"
            for p in self.searcher.search(combined, pool, doc_ids=doc_ids):
                if p.key not in found or found[p.key].score < p.score:
                    found[p.key] = p
        rank = self._ranking_score(q)
        return sorted((p for p in found.values() if not self._quarantined(p)), key=lambda p: -rank(p))

    def _top(self, q: str, ranked: list[Passage], k: int) -> list[Passage]:
        """The first `k` of `ranked` within `passage_margin` of the best."""
        if not ranked:
            return []
        rank = self._ranking_score(q)
        best = rank(ranked[0])
        return [p for p in ranked if rank(p) >= best - self.settings.passage_margin][:k]

    def _ranking_score(self, q: str) -> Callable[[Passage], float]:
        """The similarity a passage ranks by. A how-many question without a month asks
        for the latest count; a passage dated to another month ("im Januar ... 300
        getötet") holds an earlier or partial one, so it ranks lower. Its `score`, which
        the thresholds use, stays the embedder's."""
        penalty = self.settings.dated_penalty if asks_how_many(q) else 0.0
        if not penalty:
            return lambda p: p.score
        return lambda p: p.score - (penalty if dated_elsewhere(q, p.text) else 0.0)

    def _summary_passages(self, focus: str | None, doc_ids) -> list[Passage]:
        if focus:
            n = self.settings.summary_sentences
            hits = self.searcher.search(focus, n, doc_ids=doc_ids)
            hits = [p for p in hits if p.score >= self.settings.min_score and not self._quarantined(p)]
            return sorted(hits, key=lambda p: (p.doc_id, p.index))
        candidates = [p for p in self.searcher.all_passages(doc_ids)
                      if _is_sentence(p.text) and not self._quarantined(p)]  # fmt: skip
        n = self.settings.summary_sentences
        if len(candidates) <= n:
            return candidates
        vectors = self.searcher.vectors(candidates)
        chosen = select_key_sentences(candidates, vectors, n)
        return sorted(chosen, key=lambda p: (p.doc_id, p.index))

    @staticmethod
    def _quarantined(passage: Passage) -> bool:
        """A passage that reads like instructions to an assistant is never put before the
        model (it stays available verbatim through `quote`)."""
        if is_injection(passage.text):
            log.warning("withholding passage %s:%s from the model: it reads like an instruction",
                        passage.doc_id, passage.start)  # fmt: skip
            return True
        return False

    @staticmethod
    def _labels(passages: Sequence[Passage]) -> list[str] | None:
        if len({p.doc_id for p in passages}) < 2:
            return None
        return [p.title[:60] for p in passages]

    @staticmethod
    def _history_block(history: Sequence[Turn]) -> str:
        if not history:
            return ""
        lines = ["Earlier in this conversation:"]
        for turn in history[-2:]:
            lines.append(f"- Question: {neutralise(turn.question)[:300]}")
            lines.append(f"  Answer: {neutralise(strip_markers(turn.answer))[:300]}")
        return "\n".join(lines) + "\n"

    # -- checking what the model wrote -----------------------------------------------------

    def _grounded_answer(
        self, q: str, lang: str, passages: list[Passage], generation: Generation,
        cited_before: Sequence[int] = (),
    ) -> Answer:  # fmt: skip
        sources, text = parse_reply(generation.text)
        given = list(range(1, len(passages) + 1))
        if sources == [] or not text or _NONE.match(text):
            return self._decline_after(q, lang, "not_found", passages, generation)

        # Markers to given passages only; else the SOURCES line; else evidence overlap.
        cited = [n for n in markers(text) if n in given]
        if not cited:
            fallback = [n for n in (sources or cited_before) if n in given]
            if not fallback:
                fallback = _supporting(text, passages)
            if not fallback:
                return self._decline_after(q, lang, "ungrounded", passages, generation)
            text = append_markers(strip_markers(text), fallback)
        else:
            # What the model attributed to a passage it never saw ("… and Ukraine
            # disputes it [3]" with one passage) has no source: it goes.
            text = drop_unsourced(text, given)

        # Every figure must be in a passage; repair the citation when it is in another one.
        numbered = renumber(text, given)[1]
        cited_texts = [passages[n - 1].text for n in numbered]
        missing = unsupported_numbers(text, cited_texts, q)
        if missing:
            elsewhere = [n for n in given if n not in numbered
                         and numbers(passages[n - 1].text) & missing]  # fmt: skip
            still = unsupported_numbers(
                text, cited_texts + [passages[n - 1].text for n in elsewhere], q
            )
            if still:
                log.info("declining: figures %s are in no passage", sorted(still))
                return self._decline_after(q, lang, "unsupported_number", passages, generation)
            text = append_markers(text, elsewhere)

        body, order = renumber(text, given)
        citations = self._citations(order, passages)
        if not citations:
            return self._decline_after(q, lang, "ungrounded", passages, generation)
        if generation.truncated:
            body = f"{body} {self.prompts.message('truncated', lang)}"
        return Answer.cited(question=q, language=lang, text=body, citations=citations,
                            truncated=generation.truncated, passages=passages,
                            generation=generation)  # fmt: skip

    def _quote_answer(self, q: str, query: str, lang: str, doc_ids, started: float) -> Answer:
        t = time.perf_counter()
        hits = self.searcher.search(query, self.settings.quote_k, doc_ids=doc_ids)
        retrieve_ms = (time.perf_counter() - t) * 1000
        if not hits or hits[0].score < self.settings.min_score:
            return self._decline(q, lang, "not_found", started)
        citations = self._citations([1], hits[:1])
        if not citations:
            return self._decline(q, lang, "not_found", started)
        opening, closing = QUOTE_MARKS.get(lang, QUOTE_MARKS["en"])
        text = f"{self.prompts.message('quote_intro', lang)} {opening}{citations[0].quote}{closing} [1]"
        total = (time.perf_counter() - started) * 1000
        answer = Answer.cited(question=q, language=lang, text=text, citations=citations,
                              mode="quote", passages=hits[:1])
        answer.timings_ms.update(retrieve=retrieve_ms, generate=0.0, total=total)
        return answer

    def _citations(self, order: list[int], passages: Sequence[Passage]) -> list[Citation]:
        citations = []
        for new_n, old_n in enumerate(order, start=1):
            passage = passages[old_n - 1]
            document = self.searcher.document(passage.doc_id)
            if document is None:
                continue
            try:
                citations.append(make_citation(new_n, passage, document))
            except QuoteMismatch:
                log.error("passage %s:%s does not match its document", passage.doc_id, passage.start)
        return citations

    def _decline(self, q: str, lang: str, reason: str, started: float) -> Answer:
        key = {"ungrounded": "not_found", "unsupported_number": "not_found",
               "no_value": "not_found"}.get(reason, reason)  # fmt: skip
        total = (time.perf_counter() - started) * 1000
        answer = Answer.decline(question=q, language=lang, text=self.prompts.message(key, lang),
                                reason=reason)
        answer.timings_ms.update(retrieve=0.0, generate=0.0, total=total)
        return answer

    def _decline_after(self, q, lang, reason, passages, generation) -> Answer:
        answer = self._decline(q, lang, reason, time.perf_counter())
        answer.passages = list(passages)
        answer.generation = generation
        return answer


# -- helpers ----------------------------------------------------------------------------


def append_markers(text: str, numbers_: Sequence[int]) -> str:
    """Adds `[n]` markers at the end of `text`, before its closing punctuation."""
    text = text.rstrip()
    marks = "".join(f"[{n}]" for n in numbers_)
    match = re.search(r"[.!?…]+$", text)
    end = match.start() if match else len(text)
    head = text[:end].rstrip()
    space = "" if head.endswith("]") else " "
    return f"{head}{space}{marks}{text[end:]}"


def fix_number_spacing(text: str) -> str:
    """Undoes a tokenizer artefact of small models: "10, 000" -> "10,000", "4. 700" -> "4.700"."""
    return re.sub(r"(?<!\d)(\d{1,3})([.,]) (\d{3})(?!\d)", r"\1\2\3", text)


def parse_reply(text: str) -> tuple[list[int] | None, str]:
    """(sources, answer) from "SOURCES: 1, 3\\nANSWER: …". Sources: [] for NONE, None if absent."""
    text = fix_number_spacing(text)
    sources: list[int] | None = None
    match = re.search(r"SOURCES?\s*:\s*([^\n]*)", text, re.IGNORECASE)
    if match:
        raw = match.group(1)
        if re.search(r"\bnone\b|\bkeine?\b|^\W*$", raw, re.IGNORECASE):
            sources = []
        else:
            sources = [int(n) for n in re.findall(r"\d+", raw)]
    answer = re.search(r"ANSWER\s*:\s*(.*)", text, re.IGNORECASE | re.DOTALL)
    if answer:
        body = answer.group(1)
    elif match:
        body = re.sub(r"^\s*EVIDENCE\s*:[^\n]*", "", text[match.end():], flags=re.IGNORECASE)
    else:
        body = text
    body = re.sub(r"\n\s*(SOURCES?|EVIDENCE)\s*:.*", "", body, flags=re.IGNORECASE | re.DOTALL)
    return sources, body.strip()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{4,}", text.lower())}


def _supporting(text: str, passages: Sequence[Passage]) -> list[int]:
    """Passages that evidently support `text`: shared figures first, then shared words."""
    wanted = numbers(text)
    if wanted:
        hits = [i for i, p in enumerate(passages, 1) if numbers(p.text) & wanted]
        if hits:
            return hits[:2]
    words = _words(strip_markers(text))
    best, best_n = 0.0, 0
    for i, p in enumerate(passages, 1):
        overlap = len(words & _words(p.text)) / max(1, min(len(words), 12))
        if overlap > best:
            best, best_n = overlap, i
    return [best_n] if best >= 0.34 else []


def select_key_sentences(passages: list[Passage], vectors: np.ndarray, n: int) -> list[Passage]:
    """The lede plus the most central sentences, without repeats (maximal marginal relevance).

    News puts its main point first, so the first two sentences of each document get
    a bonus; centrality (mean similarity to the rest) finds what the article keeps
    coming back to; MMR keeps two sentences that say the same thing from both being
    chosen."""
    sims = vectors @ vectors.T
    centrality = (sims.sum(axis=1) - 1.0) / max(1, len(passages) - 1)
    lead = np.array([0.15 if p.index < 2 else (0.08 if p.index < 4 else 0.0) for p in passages])
    relevance = centrality + lead
    chosen: list[int] = []
    while len(chosen) < min(n, len(passages)):
        best, best_score = None, -1e9
        for i in range(len(passages)):
            if i in chosen:
                continue
            redundancy = max((sims[i, j] for j in chosen), default=0.0)
            score = 0.5 * relevance[i] - 0.5 * redundancy
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
    return [passages[i] for i in chosen]


def _is_sentence(text: str) -> bool:
    """A full sentence, not a heading or a fragment: summaries are built from these."""
    return len(text) >= 40 and text.rstrip("\"'“”»)").endswith((".", "!", "?"))


class _AnswerStreamer:
    """Turns the model's raw `SOURCES/ANSWER` stream into the answer text seen so far."""

    def __init__(self, sink: TextCallback, passages: int, *, raw: bool = False) -> None:
        self.sink = sink
        self.valid = range(1, passages + 1)
        self.raw = raw
        self.buffer = ""
        self.sent = ""

    def feed(self, piece: str) -> None:
        self.buffer += piece
        if self.raw:
            body = self.buffer
        else:
            match = re.search(r"ANSWER\s*:\s*", self.buffer, re.IGNORECASE)
            if not match:
                return
            body = self.buffer[match.end():]
            if _NONE.match(body.strip()) or body.strip().upper().startswith("NON"):
                return
        shown = strip_partial_marker(renumber(fix_number_spacing(body), self.valid)[0])
        if shown and shown != self.sent:
            self.sent = shown
            self.sink(shown)

    def reset(self) -> None:
        self.buffer = ""
