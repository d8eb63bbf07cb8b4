"""The one bounded cache shape (`retrieval.lru.LRU`): order, bounds, threads."""

from __future__ import annotations

import threading

from retrieval.lru import LRU


def test_the_least_recently_used_goes_first():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_writing_a_key_again_replaces_and_refreshes_it():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (10, None, 3)


def test_size_zero_holds_nothing():
    cache: LRU[str, int] = LRU(0)
    cache.put("a", 1)
    assert cache.get("a") is None
    assert len(cache) == 0


def test_clear_empties_it():
    cache: LRU[str, int] = LRU(3)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None
    assert len(cache) == 0


def test_threads_reading_and_writing_at_once_keep_it_bounded_and_whole():
    cache: LRU[int, int] = LRU(50)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(offset: int) -> None:
        try:
            start.wait()
            for i in range(5_000):
                key = (i * 7 + offset) % 120
                cache.put(key, key * 2)
                value = cache.get((key + 3) % 120)
                assert value is None or value == ((key + 3) % 120) * 2
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) == 50
