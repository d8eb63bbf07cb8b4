"""Freed heap memory goes back to the system (bot.memory), on the real C library."""

from __future__ import annotations

import pytest

from bot.memory import can_give_back, give_back_freed_memory

MB = 2**20


def _resident() -> int:
    import psutil

    return psutil.Process().memory_info().rss


@pytest.mark.skipif(not can_give_back(), reason="this C library has no malloc_trim (glibc only)")
def test_freed_blocks_under_live_ones_stay_resident_until_given_back():
    blocks = [bytes(4096) for _ in range(20_000)]  # 80 MB of 4 KB heap blocks
    pinned = [bytearray(1024) for _ in range(100)]  # allocated after them: the heap's top
    del blocks
    freed = _resident()
    assert give_back_freed_memory() is True
    given_back = freed - _resident()
    assert given_back >= 60 * MB, f"only {given_back / MB:.1f} MB went back"
    assert len(pinned) == 100


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    from bot import memory

    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)  # musl, macOS
    assert memory.can_give_back() is False
    assert memory.give_back_freed_memory() is False
