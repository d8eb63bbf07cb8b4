"""One llama.cpp load at a time: llama-cpp-python points fds 1 and 2 at /dev/null while it
loads, and two loads at once left them there for good."""

import sys

import pytest

from tests.conftest import run_python

TWO_LOADS = """
import os, sys, threading, time
from llama_cpp._utils import suppress_stdout_stderr  # what Llama() wraps its load in
from models.llama_load import one_load_at_a_time

first_silenced = threading.Event()

def load(first):
    if not first:  # starts once the first load has silenced the streams
        first_silenced.wait(5)
    with LOCK():
        with suppress_stdout_stderr(disable=False):
            if first:
                first_silenced.set()
            time.sleep(0.3)  # the load, silenced

LOCK = one_load_at_a_time if LOCKED else __import__("contextlib").nullcontext
threads = [threading.Thread(target=load, args=(f,)) for f in (True, False)]
for t in threads: t.start()
for t in threads: t.join()
print("stdout still here", flush=True)
print("stderr still here", file=sys.stderr, flush=True)
"""


@pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX file descriptors")
def test_two_loads_at_once_keep_stdout_and_stderr_with_the_lock_and_lose_them_without():
    locked = run_python(TWO_LOADS.replace("LOCKED", "True"), check=True)
    assert (locked.stdout, locked.stderr) == ("stdout still here\n", "stderr still here\n")
    unlocked = run_python(TWO_LOADS.replace("LOCKED", "False"), check=True)
    assert (unlocked.stdout, unlocked.stderr) == ("", "")  # what the bot's log showed: nothing
