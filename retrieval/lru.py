"""A bounded, thread-safe least-recently-used map: the one cache shape of the project.

The embedders keep question vectors in it (a question asked again skips the model),
and `bot.answer_cache` keeps finished answers in it. Requests run in threads of their
own, so every read and write holds the lock: an `OrderedDict` reordered by two threads
at once can lose entries or raise.

What this module does not do: decide keys (the callers normalise them) or count hits
(`bot.answer_cache.AnswerCache` does, for its figures).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` values; the least recently read or written goes first. A size of
    0 or less holds nothing (a cache switched off)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
