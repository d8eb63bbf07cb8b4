"""What the local Discord saw: REST requests, gateway connections and frames.

Everything is appended to a `Log`, which tests can read directly (`.items`) or
wait on (`await log.wait_for(predicate)`), so an assertion can be written as
"the next PATCH of @original, within 2 s" without sleeping. Times are
`time.monotonic()`, the clock asyncio's default loop uses, so they compare with
`loop.time()` in the test.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")


@lru_cache(maxsize=256)
def compile_route(pattern: str) -> re.Pattern[str]:
    """'/channels/{c}/messages/{m}' -> a regex where each {name} is one path segment.

    A pattern without placeholders matches that exact path, so tests can write
    either the template or a concrete path.
    """
    parts = re.split(r"(\{[^}/]+\})", pattern)
    regex = "".join(
        "[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}$")


def route_matches(pattern: str, path: str) -> bool:
    return compile_route(pattern).match(path) is not None


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request. `path` is relative to /api/v10; `json` is the JSON body
    or, for multipart bodies, the parsed `payload_json` part."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    route: str | None  # the template it matched, None for unknown routes
    params: dict[str, str]
    json: Any
    files: list[UploadedFile]
    content_type: str | None
    authorized: bool
    at: float
    status: int | None = None
    response: Any = None
    answered_at: float | None = None
    fault: str | None = None  # set when an injected fault answered it

    def matches(self, method: str | None = None, route: str | None = None) -> bool:
        if method is not None and self.method != method.upper():
            return False
        return route is None or route_matches(route, self.path)

    def __repr__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"<{self.method} {self.path}{'?' + query if query else ''} -> {self.status}>"


@dataclass
class Frame:
    """One gateway message, decoded. `direction` is 'recv' (from the client) or 'send'."""

    index: int
    connection: int
    direction: Literal["recv", "send"]
    op: int | None
    t: str | None
    s: int | None
    d: Any
    at: float
    wire_bytes: int

    def __repr__(self) -> str:
        label = self.t or f"op{self.op}"
        return f"<{self.direction} #{self.connection} {label} s={self.s}>"


@dataclass
class ConnectionInfo:
    """One websocket connection to the gateway."""

    id: int
    path: str
    query: dict[str, str]
    compress: str | None
    opened_at: float
    session_id: str | None = None
    resumed: bool = False
    closed_at: float | None = None
    close_code: int | None = None
    closed_by: Literal["server", "client"] | None = None


@dataclass
class Log(Generic[T]):
    """An append-only list that can be awaited."""

    items: list[T] = field(default_factory=list)
    _waiters: set[asyncio.Future[None]] = field(default_factory=set, repr=False)

    def append(self, item: T) -> T:
        self.items.append(item)
        self.changed()
        return item

    def changed(self) -> None:
        """Wake waiters, e.g. after an item was updated in place."""
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]

    async def wait_for(
        self,
        predicate: Callable[[T], bool],
        *,
        timeout: float,
        start: int = 0,
        what: str = "an item",
    ) -> T:
        """The first item from index `start` on that satisfies `predicate`.

        Raises AssertionError naming `what` and the last items seen on timeout.
        """
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        while True:
            for item in self.items[start:]:
                if predicate(item):
                    return item
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(repr(i) for i in self.items[-8:]) or "nothing"
                raise AssertionError(
                    f"timed out after {timeout:.2f}s waiting for {what}; last seen: {seen}"
                )
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
