"""The async front door to the answering core, for front ends that serve many users.

One model context serves one request at a time (a llama.cpp server with N slots,
N at a time): requests wait in a bounded first-in-first-out line, each learns its
place as it moves up, and a full line answers "busy" at once without touching
anything already queued. A per-user cooldown is checked before queueing.
`close()` stops taking requests for a shutdown: new and waiting ones get "busy",
running ones finish.

It also offers what a chat front end needs besides answers, so the front end
never holds the `App`, the store or the answerer: the documents list, language
detection, ingesting an uploaded file and removing a document, backed by the
answerer and a `Library` (the `App` is one) passed in.

Nothing blocking runs on the event loop: embedding, Chroma and generation run
in worker threads (`asyncio.to_thread`), and text streamed by the model is handed
back to the loop with `call_soon_threadsafe`. A worker thread cannot be
cancelled, so a cancelled request's slot is freed only when its thread ends.
Imports no Discord.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.answering import Answerer
from bot.errors import BusyError, CooldownError
from bot.results import Answer, QuoteHit, Turn

if TYPE_CHECKING:
    from retrieval.ingest import IngestReport
    from retrieval.store import DocumentInfo

log = logging.getLogger(__name__)

PositionCallback = Callable[[int], Awaitable[None] | None]
TextCallback = Callable[[str], Awaitable[None] | None]


class Library(Protocol):
    """The documents behind the answers: what is ingested, adding and removing. `App` is one."""

    def documents(self) -> list[DocumentInfo]: ...

    def ingest_bytes(self, data: bytes, name: str, *, source: str | None = None) -> IngestReport: ...

    def remove(self, doc_id: str) -> bool: ...


@dataclass(eq=False)
class _Ticket:
    user_id: int | None
    notify: PositionCallback | None
    last_position: int = -1
    created: float = field(default_factory=time.monotonic)


class AnswerService:
    def __init__(
        self,
        answerer: Answerer,
        *,
        library: Library | None = None,
        queue_size: int = 20,
        cooldown_s: float = 0.0,
        max_concurrency: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.answerer = answerer
        self.library = library
        self.queue_size = queue_size
        self.cooldown_s = cooldown_s
        self.max_concurrency = max_concurrency or getattr(answerer.llm, "max_concurrency", 1)
        self.clock = clock
        self._waiting: deque[_Ticket] = deque()
        self._running = 0
        self._condition: asyncio.Condition | None = None
        self._last_request: dict[int, float] = {}
        self._tasks: set[asyncio.Future] = set()
        self._closed = False
        self.served = 0

    # -- public API ----------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return self._running

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Stops taking requests (shutting down): new and waiting ones raise `BusyError`;
        those already running finish."""
        self._closed = True
        if self._condition is not None:
            async with self._condition:
                self._condition.notify_all()

    async def ask(
        self,
        question: str,
        *,
        user_id: int | None = None,
        history: list[Turn] | tuple[Turn, ...] = (),
        doc_ids: list[str] | None = None,
        language_hint: str | None = None,
        on_text: TextCallback | None = None,
        on_position: PositionCallback | None = None,
    ) -> Answer:
        self.answerer.clean(question)  # reject bad input before it takes a place in line
        return await self._queued(
            user_id,
            on_position,
            lambda stream: self.answerer.ask(
                question, history=tuple(history), doc_ids=doc_ids,
                language_hint=language_hint, on_text=stream,
            ),  # fmt: skip
            on_text,
        )

    async def summarize(
        self,
        *,
        language: str,
        focus: str | None = None,
        doc_ids: list[str] | None = None,
        user_id: int | None = None,
        on_text: TextCallback | None = None,
        on_position: PositionCallback | None = None,
    ) -> Answer:
        return await self._queued(
            user_id,
            on_position,
            lambda stream: self.answerer.summarize(
                language=language, focus=focus, doc_ids=doc_ids, on_text=stream
            ),
            on_text,
        )

    async def translate(self, texts: list[str], language: str, *, user_id: int | None = None) -> list[str]:
        return await self._queued(
            user_id, None, lambda _stream: self.answerer.translate(texts, language), None,
            cooldown=False,
        )  # fmt: skip

    async def quote(self, query: str, *, k: int | None = None, doc_ids: list[str] | None = None) -> list[QuoteHit]:
        """Retrieval only: never waits for the model."""
        return await asyncio.to_thread(self.answerer.quote, query, k=k, doc_ids=doc_ids)

    async def detect_language(self, text: str, hint: str | None = None) -> str:
        """The language of `text` (one of the supported ones); `hint` decides short texts."""
        return await asyncio.to_thread(self.answerer.detect_language, text, hint)

    # -- the documents --------------------------------------------------------------------

    async def documents(self) -> list[DocumentInfo]:
        """The ingested documents (id, title, language, size), sorted by id."""
        return await asyncio.to_thread(self._library().documents)

    async def ingest(self, data: bytes, name: str, *, source: str | None = None) -> IngestReport:
        """Adds (or updates) one uploaded .txt, .md or .html file; its id comes from `name`."""
        return await asyncio.to_thread(self._library().ingest_bytes, data, name, source=source)

    async def remove(self, doc_id: str) -> bool:
        """Removes a document; False when there is none with that id."""
        return await asyncio.to_thread(self._library().remove, doc_id)

    def _library(self) -> Library:
        if self.library is None:
            raise RuntimeError("this AnswerService was built without a library")
        return self.library

    # -- the line -------------------------------------------------------------------------

    def _check_cooldown(self, user_id: int | None) -> None:
        if user_id is None or self.cooldown_s <= 0:
            return
        now = self.clock()
        last = self._last_request.get(user_id)
        if last is not None and now - last < self.cooldown_s:
            wait = self.cooldown_s - (now - last)
            raise CooldownError(f"please wait {wait:.0f} s before asking again", retry_after=wait)
        self._last_request[user_id] = now
        if len(self._last_request) > 10_000:  # forget users whose cooldown is long over
            self._last_request = {
                u: t for u, t in self._last_request.items() if now - t < self.cooldown_s
            }

    async def _queued(self, user_id, on_position, work, on_text, *, cooldown: bool = True):
        if self._condition is None:
            self._condition = asyncio.Condition()
        condition = self._condition
        if self._closed or len(self._waiting) >= self.queue_size:
            raise BusyError()
        if cooldown:
            self._check_cooldown(user_id)
        ticket = _Ticket(user_id, on_position)
        async with condition:
            self._waiting.append(ticket)
            self._report_positions()
            try:
                await condition.wait_for(
                    lambda: self._closed
                    or (self._waiting[0] is ticket and self._running < self.max_concurrency)
                )
                if self._closed:
                    raise BusyError()
            except BaseException:
                self._waiting.remove(ticket)
                self._report_positions()
                condition.notify_all()
                raise
            self._waiting.popleft()
            self._running += 1
            self._report_positions()
            condition.notify_all()  # the next one may start too when there are free slots
        # The worker thread cannot be cancelled: a cancelled request leaves at once, but its
        # slot stays taken until the thread really ends, so threads never outnumber the slots.
        stream = self._threadsafe(on_text) if on_text else None
        worker = self._keep(asyncio.ensure_future(asyncio.to_thread(work, stream)))
        worker.add_done_callback(self._release)
        result = await asyncio.shield(worker)
        self.served += 1
        return result

    def _release(self, worker: asyncio.Future) -> None:
        """The done-callback of a worker: frees its slot and wakes the line."""
        self._running -= 1
        if not worker.cancelled() and worker.exception() is not None:
            log.debug("a request's work failed: %r", worker.exception())  # also marks it retrieved
        self._keep(asyncio.ensure_future(self._wake()))

    async def _wake(self) -> None:
        assert self._condition is not None
        async with self._condition:
            self._condition.notify_all()

    def _report_positions(self) -> None:
        """Tells each request that has to wait its place in line (1 = next) when it changed.

        A request that can start at once is told nothing, so nobody sees "1st in line"
        flash by when the model is free."""
        free = max(0, self.max_concurrency - self._running)
        for index, ticket in enumerate(self._waiting):
            if index < free:
                continue
            position = index - free + 1
            if ticket.notify is not None and ticket.last_position != position:
                ticket.last_position = position
                self._fire(ticket.notify, position)

    def _threadsafe(self, callback: TextCallback) -> Callable[[str], None]:
        loop = asyncio.get_running_loop()

        def forward(text: str) -> None:
            loop.call_soon_threadsafe(self._fire, callback, text)

        return forward

    def _fire(self, callback: Callable[[Any], Any], value: Any) -> None:
        """Calls a sync or async callback from the event loop; its errors are logged, not raised."""
        try:
            result = callback(value)
            if inspect.isawaitable(result):
                self._keep(asyncio.ensure_future(result)).add_done_callback(_log_failure)
        except Exception:
            log.exception("callback failed")

    def _keep(self, task: asyncio.Future) -> asyncio.Future:
        """Holds a reference to `task` until it is done: the loop itself keeps only weak ones."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("callback failed", exc_info=task.exception())
