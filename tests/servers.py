"""Real servers on loopback for tests: start one, wait until it answers, always stop it.

`Server` runs one command on a free 127.0.0.1 port and can be stopped and started
again on the same port (to test what happens while it is down). Its output goes
to a log file, whose tail is shown when it fails to come up. On Linux the server
also gets SIGTERM if the test process dies, so no server outlives a killed run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
QUIET_ENV = {"ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1",
             "TRANSFORMERS_OFFLINE": "1", "NO_COLOR": "1"}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """One server process. `command(port)` builds its argv; `ready_path` answers 200 when up."""

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        *,
        ready_path: str,
        log_path: Path,
        start_timeout_s: float = 60.0,
    ) -> None:
        self.port = free_port()
        self.command = command
        self.ready_path = ready_path
        self.log_path = log_path
        self.start_timeout_s = start_timeout_s
        self.process: subprocess.Popen | None = None
        self.startup_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        assert self.process is None, "already running"
        started = time.perf_counter()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                list(self.command(self.port)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **QUIET_ENV},
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"server exited with {code}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        waited = self.start_timeout_s
        raise RuntimeError(f"server not ready after {waited:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def chroma_server(path: Path, log_path: Path) -> Server:
    """`chroma run` over the directory `path`."""
    return Server(
        lambda port: [str(VENV_BIN / "chroma"), "run", "--path", str(path),
                      "--host", "127.0.0.1", "--port", str(port)],  # fmt: skip
        ready_path="/api/v2/heartbeat",
        log_path=log_path,
    )


def llama_cpp_server(
    model: Path, log_path: Path, *, n_ctx: int = 2048, extra: Sequence[str] = ()
) -> Server:
    """llama-cpp-python's OpenAI-compatible server with one GGUF; the API is under `/v1`."""
    return Server(
        lambda port: [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                      "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
                      *extra],  # fmt: skip
        ready_path="/v1/models",
        log_path=log_path,
        start_timeout_s=120.0,
    )
