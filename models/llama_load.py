"""One llama.cpp model load at a time in this process.

llama-cpp-python, unless told to be verbose, silences a model's load by pointing the
process's file descriptors 1 and 2 at /dev/null and back (`suppress_stdout_stderr`). Two
loads in two threads at once interleave: the second saves the /dev/null the first put in
place and puts it back last, so stdout and stderr stay /dev/null for the rest of the
process. Seen: a Discord bot whose LLM and embedder loaded together logged nothing after
the loads (its answers still went out). The file descriptors are the process's, so the
lock is too: every `llama_cpp.Llama` of ours is built inside `one_load_at_a_time()`.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

_LOADING = threading.Lock()  # process-wide, as the file descriptors it guards


@contextmanager
def one_load_at_a_time():
    with _LOADING:
        yield
