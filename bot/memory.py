"""Giving memory the process has freed back to the system.

glibc's `malloc` keeps freed memory for the process's own later use: a freed block in
the middle of the heap stays resident until a block next to it is freed too, and only
the top of the main heap is handed back on its own. A question frees a few MB of such
blocks (prompt buffers, the embedder's tensors, Chroma's results, Python objects over
512 bytes); what is left resident between questions crept up by a few hundred KB at a
time over a long soak. `malloc_trim(0)` hands every whole free page back: measured
after each of 12 questions with the default models, it gave back 2–19 MB and took
0.4–2.3 ms.

`give_back_freed_memory` runs when an LLM completion ends (`bot.llama_cpp_llm`), so a
long-running bot trims once or a few times a question, and once the models are loaded
(`App.prepare`: the tokenizer's parse of its tokenizer.json frees about 120 MB). Where
the C library has no `malloc_trim` (musl, macOS), it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def can_give_back() -> bool:
    """Whether this C library can hand freed heap pages back (glibc)."""
    return _malloc_trim() is not None


def give_back_freed_memory() -> bool:
    """Hands the heap's whole free pages back to the system; True when any were."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
