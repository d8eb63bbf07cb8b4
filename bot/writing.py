"""The answer's text: written by the model over the passages, or assembled in code.

`Writer` is what the pipeline and its rules write with:

- `decline` — the fixed text of `prompts/messages.toml`, in the user's language; a
  refusal never carries anything the model wrote;
- `generate` — the model's one `ANSWER:` line over the numbered passages, streamed
  through `AnswerStreamer` so the user sees only the answer text as it grows;
- `correct` — the one correction turn, kept only when the second reply is better;
- `passage_answer` — what the article says, verbatim (or translated), each sentence cited;
- `citations` — each quote cut from its document by offsets and checked.

What this module does not do: decide which of these a question gets (the rules and
`Answerer.ask` do), or check a reply against its passages (`bot.grounding`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from bot.citations import (
    Citation,
    QuoteMismatch,
    make_citation,
    renumber,
    strip_markers,
    strip_partial_marker,
)
from bot.grounding import NONE_REPLY, ground
from bot.language import LanguageDetector
from bot.lexicon import language_name
from bot.llm import LLM, Generation, Message
from bot.numbers import fix_number_spacing
from bot.prompting import PromptLibrary, neutralise, number_passages
from bot.request import Request
from bot.results import Answer
from bot.settings import Settings
from bot.translation import Translator
from retrieval.search import Passage

log = logging.getLogger(__name__)

# Declines that look the same to the user: the article does not say it.
_SAID_AS = {"ungrounded": "not_found", "unsupported_number": "not_found", "no_value": "not_found"}


class Writer:
    def __init__(self, *, settings: Settings, llm: LLM, prompts: PromptLibrary,
                 detector: LanguageDetector, translator: Translator,
                 prime: Callable[[], None]) -> None:  # fmt: skip
        self.settings = settings
        self.llm = llm
        self.prompts = prompts
        self.detector = detector
        self.translator = translator
        self._prime = prime

    def message(self, key: str, lang: str, **values: object) -> str:
        return self.prompts.message(key, lang, **values)

    # -- without the model --------------------------------------------------------------

    def decline(self, request: Request, reason: str, generation: Generation | None = None) -> Answer:
        """A decline for `reason`, in the user's language, with what the model saw."""
        text = self.message(_SAID_AS.get(reason, reason), request.language)
        return Answer.decline(question=request.question, language=request.language, text=text,
                              reason=reason, passages=request.passages, generation=generation)  # fmt: skip

    def citations(self, request: Request, order: Sequence[int], passages: Sequence[Passage]) -> list[Citation]:
        """Citations 1.. for `passages[n - 1]` of each n in `order`, cut from the documents."""
        citations = []
        for new_n, old_n in enumerate(order, start=1):
            passage = passages[old_n - 1]
            document = request.view.document(passage.doc_id)
            if document is None:
                continue
            try:
                citations.append(make_citation(new_n, passage, document))
            except QuoteMismatch:
                log.error("passage %s:%s does not match its document", passage.doc_id, passage.start)
        return citations

    def passage_answer(self, request: Request, passage: Passage, *, also: Sequence[Passage] = (),
                       generation: Generation | None = None) -> Answer:  # fmt: skip
        """What the article says: `passage` and the next sentence of its paragraph,
        translated when needed, each sentence cited. When `passage` ends its paragraph,
        the first of `also` is shown with it instead, in document order."""
        shown = [passage]
        following = request.view.following(passage)
        if following is not None and not request.withheld(following):
            shown.append(following)
        elif also:
            shown = sorted([passage, also[0]], key=lambda p: (p.doc_id, p.index))
        intro = self.message("quote_intro", request.language)
        label = self.message("translation_label", request.language)
        on_text = (lambda text: request.show(f"{intro} {text}")) if request.on_text else None
        body, translation = self.translator.passage_text(shown, request.language,
                                                          request.language_of, on_text, label)  # fmt: skip
        return Answer.cited(
            question=request.question, language=request.language, text=f"{intro} {body}",
            citations=self.citations(request, range(1, len(shown) + 1), shown),
            truncated=bool(translation and translation.truncated), passages=shown,
            generation=translation or generation,
        )  # fmt: skip

    # -- with the model -------------------------------------------------------------------

    def messages(self, request: Request) -> list[Message]:
        """The answer prompt: worked examples first (a cached prefix), then the passages,
        the conversation so far and the question."""
        passages = request.passages
        labels = [p.title[:60] for p in passages] if len({p.doc_id for p in passages}) > 1 else None
        turns = [(t.question, strip_markers(t.answer)) for t in request.history[-2:]]
        return self.prompts.chat(
            "answer", examples="answer_examples",
            passages=number_passages([p.text for p in passages], labels),
            question=neutralise(request.question), language=language_name(request.language),
            history=self.prompts.history(turns), note="",
        )[1]  # fmt: skip

    def generate(self, request: Request, messages: list[Message], *, name: str = "answer") -> Generation:
        """The model's reply to `messages`, a conversation with the `name` prompt."""
        self._prime()
        streamer = request.streamer
        return self.llm.generate(
            messages,
            max_tokens=self.settings.max_tokens,
            stop=self.prompts.stops(name),
            timeout_s=self.settings.generation_timeout_s,
            on_text=streamer.feed if streamer else None,
        )

    def answer(self, request: Request) -> tuple[Answer, list[Message]]:
        """The model's answer over `request.passages`, grounded; and the messages it saw."""
        if self.settings.answer_style == "extract":
            from bot.composing import extractive_answer

            answer = extractive_answer(request, self)
            return answer, request.messages
        if request.on_text:
            request.streamer = AnswerStreamer(request.on_text, len(request.passages))
        messages = self.messages(request)
        return ground(request, self.generate(request, messages), self), messages

    def correct(self, request: Request, answer: Answer, messages: list[Message], correction: str,
                faults: Callable[[Answer], tuple]) -> Answer:  # fmt: skip
        """One correction turn: the conversation so far is a cached prefix, so this costs
        only the new tokens. The second reply is kept only if `faults` rates it better."""
        request.retried = True
        retry = [*messages, Message("assistant", answer.generation.text), Message("user", correction)]
        if request.streamer:
            request.streamer.reset()
        second = self.generate(request, retry)
        # The retry rewords the same answer; when it drops its markers, the first reply's
        # citations stand for it (its figures are checked all the same).
        before = [i for i, p in enumerate(request.passages, 1)
                  if any((c.doc_id, c.start) == p.key for c in answer.citations)]  # fmt: skip
        revised = ground(request, second, self, cited_before=before)
        if faults(revised) < faults(answer):
            return revised
        if request.on_text and answer.answered:
            request.show(answer.answer)  # the streamed retry was not kept
        return answer


class AnswerStreamer:
    """Turns the model's raw `ANSWER:` stream into the answer text seen so far."""

    def __init__(self, sink: Callable[[str], None], passages: int) -> None:
        self.sink = sink
        self.valid = range(1, passages + 1)
        self.buffer = ""
        self.sent = ""

    def feed(self, piece: str) -> None:
        self.buffer += piece
        match = re.search(r"ANSWER\s*:\s*", self.buffer, re.IGNORECASE)
        if not match:
            return
        body = self.buffer[match.end():]
        if NONE_REPLY.match(body.strip()) or body.strip().upper().startswith("NON"):
            return
        shown = strip_partial_marker(renumber(fix_number_spacing(body), self.valid)[0])
        if shown and shown != self.sent:
            self.sent = shown
            self.sink(shown)

    def reset(self) -> None:
        """A new reply begins (a correction turn): it is shown from its first piece."""
        self.buffer = ""
        self.sent = ""
