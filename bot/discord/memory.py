"""Conversation memory of the Discord front end: which exchange each answer belongs to.

A reply to an answer is a follow-up, with the reply chain as the memory; this
module remembers the exchanges behind answer messages (a /ask answer's question
is not kept by Discord) and each answer thread's exchanges, bounded, least
recently used first out. It reads nothing from Discord (the cogs read chains
back after a restart) and imports no discord.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

from bot.results import Turn


class ConversationMemory:
    """Which exchange each answer message belongs to, and each answer thread's exchanges.

    Bounded (least recently used first out). It makes a reply to a /ask answer, whose
    question Discord does not keep, a follow-up; reply chains between messages are
    also read back from Discord when this memory does not know them (after a restart).
    """

    def __init__(self, max_entries: int = 5000, *, thread_turns: int = 20) -> None:
        self.max_entries = max_entries
        self._turns: OrderedDict[int, Turn] = OrderedDict()
        self._threads: OrderedDict[int, deque[Turn]] = OrderedDict()
        self._thread_turns = thread_turns

    def remember(self, message_ids: Iterable[int], turn: Turn) -> None:
        for message_id in message_ids:
            self._turns[message_id] = turn
            self._turns.move_to_end(message_id)
        while len(self._turns) > self.max_entries:
            self._turns.popitem(last=False)

    def turn(self, message_id: int) -> Turn | None:
        return self._turns.get(message_id)

    def add_thread_turn(self, thread_id: int, turn: Turn) -> None:
        turns = self._threads.setdefault(thread_id, deque(maxlen=self._thread_turns))
        turns.append(turn)
        self._threads.move_to_end(thread_id)
        while len(self._threads) > self.max_entries:
            self._threads.popitem(last=False)

    def thread_turns(self, thread_id: int) -> list[Turn]:
        return list(self._threads.get(thread_id, ()))
