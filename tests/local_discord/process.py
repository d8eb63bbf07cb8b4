"""`articlebot serve` as a child process, pointed at a `LocalDiscord`.

`BotProcess` writes an `articlebot.toml` with the `[discord]` table a test asks
for, sets the environment the bot reads (`DISCORD_TOKEN`, the data directory,
the model, and `ARTICLEBOT_DISCORD__API_BASE` / `__GATEWAY_URL` pointing at the
server), starts `articlebot serve` from this checkout, and keeps every line it
writes to stderr in a `Log`, so a test can wait for one ("models warmed up")
as it waits for a request. Stopping sends SIGTERM, then SIGKILL after a grace
period. Nothing in the bot knows it is under test: the two settings are all.

It starts no server: the caller owns the `LocalDiscord`. `index_article` runs
`articlebot ingest` once into a data directory; `launch` gives each bot process
its own copy of it (two processes must not share one Chroma directory), writes
its settings and starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.local_discord.recording import Log
from tests.local_discord.server import LocalDiscord

ROOT = Path(__file__).resolve().parents[2]
SMOLLM = "smollm2-135m-instruct-q4_1"
PUT_GUILD_COMMANDS = "/applications/{a}/guilds/{g}/commands"


def console_script() -> str:
    """The `articlebot` console script of the running interpreter's environment."""
    return str(Path(sys.executable).parent / "articlebot")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_config(path: Path, discord: Mapping[str, Any], top: Mapping[str, Any] = {}) -> Path:
    """An articlebot.toml with top-level settings and a `[discord]` table."""
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    lines += ["", "[discord]"] + [f"{k} = {toml_value(v)}" for k, v in discord.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def discord_environment(server: LocalDiscord, *, token: str | None = None) -> dict[str, str]:
    """The variables that point `articlebot serve` at `server`: the token and the endpoints."""
    return {
        "DISCORD_TOKEN": server.token if token is None else token,
        "ARTICLEBOT_DISCORD__API_BASE": server.api_base,
        "ARTICLEBOT_DISCORD__GATEWAY_URL": server.gateway_url,
    }


def bot_environment(
    server: LocalDiscord,
    *,
    data_dir: Path | None,
    config: Path | None,
    token: str | None = None,
    model: str | None = SMOLLM,
    extra: Mapping[str, str] = {},
    inherit: bool = False,
) -> dict[str, str]:
    """The environment of a bot process: this checkout first on the path, the token, where
    Discord is, the data and the model. Inherited ARTICLEBOT_* variables are dropped unless
    `inherit` (a developer's own settings); None leaves a setting as it is."""
    env = {k: v for k, v in os.environ.items()
           if inherit or not k.startswith("ARTICLEBOT_")}  # fmt: skip
    env.pop("DISCORD_TOKEN_FILE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(discord_environment(server, token=token))
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1")  # fmt: skip
    if config is not None:
        env["ARTICLEBOT_CONFIG"] = str(config)
    if data_dir is not None:
        env["ARTICLEBOT_DATA_DIR"] = str(data_dir)
    if model is not None:
        env["ARTICLEBOT_LLM_MODEL"] = model
        if model == SMOLLM:
            # The 135M model checks the plumbing; it cannot copy spans (`extract`), it can
            # write a line with a marker.
            env.update(ARTICLEBOT_N_CTX="2048", ARTICLEBOT_ANSWER_STYLE="write")
    env.update(extra)
    return env


class BotProcess:
    """One `articlebot serve` process and what it wrote to stderr."""

    def __init__(self, env: Mapping[str, str], *, cwd: Path, verbose: bool = True) -> None:
        self.env = dict(env)
        self.cwd = cwd
        self.args = [console_script(), *(["-v"] if verbose else []), "serve"]
        self.lines: Log[str] = Log()
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at: float | None = None
        self._reader: asyncio.Task | None = None

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    async def start(self) -> BotProcess:
        self.started_at = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, cwd=self.cwd, env=self.env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
        self.lines.changed()

    async def wait_for_line(self, text: str, *, timeout: float = 60.0, start: int = 0) -> str:
        """The first stderr line from index `start` on containing `text`; fails early with
        the process's last lines when it exits first."""
        def match(line: str) -> bool:
            return text in line

        waiting = asyncio.ensure_future(
            self.lines.wait_for(match, timeout=timeout, start=start, what=repr(text))
        )
        exited = asyncio.ensure_future(self.wait())
        done, _ = await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if waiting in done:
            exited.cancel()
            return waiting.result()
        waiting.cancel()
        if self._reader is not None:
            await self._reader
        for line in self.lines.items[start:]:
            if text in line:
                return line
        raise AssertionError(f"articlebot exited ({self.returncode}) before logging {text!r}:\n"
                             + "\n".join(self.lines.items[-30:]))  # fmt: skip

    async def wait_ready(self, server: LocalDiscord, *, timeout: float = 180.0) -> None:
        """Logged in, IDENTIFYed, commands synced to the guild and the models warmed up."""
        await self.wait_for_line("models warmed up", timeout=timeout)
        await server.wait_for_request("PUT", PUT_GUILD_COMMANDS, timeout=5)
        await server.wait_for_frame("send", t="READY", timeout=5)

    async def wait(self, timeout: float | None = None) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code

    def cpu_times(self) -> tuple[float, float]:
        """(seconds on a CPU, seconds ready to run but waiting for a CPU), summed over the
        process's threads (Linux: /proc/<pid>/task/*/schedstat). The second is what other
        processes cost it on a busy machine."""
        assert self.proc is not None
        on_cpu = waiting = 0
        for stat in Path(f"/proc/{self.proc.pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError):
                ran, waited, _ = stat.read_text().split()
                on_cpu, waiting = on_cpu + int(ran), waiting + int(waited)
        return on_cpu / 1e9, waiting / 1e9

    def signal(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(sig)

    async def stop(self, *, grace: float = 15.0) -> int | None:
        """SIGTERM, and SIGKILL if it has not exited after `grace` seconds."""
        if self.proc is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return await self.wait(grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            return await self.wait()


def index_article(data_dir: Path, *, timeout: float = 900.0) -> Path:
    """Blocking: `articlebot ingest` (the bundled article, the real embedder) into `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLEBOT_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        ARTICLEBOT_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    result = subprocess.run([console_script(), "ingest"], env=env, cwd=ROOT, timeout=timeout,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"articlebot ingest failed ({result.returncode}):\n{result.stderr}")
    return data_dir


async def launch(
    server: LocalDiscord,
    workdir: Path,
    *,
    index: Path,
    discord: Mapping[str, Any],
    token: str | None = None,
    model: str | None = SMOLLM,
    extra: Mapping[str, str] = {},
    verbose: bool = True,
) -> BotProcess:
    """Starts `articlebot serve` in `workdir` over a copy of `index`, with `discord` as its
    `[discord]` table, pointed at `server`. It is started, not yet ready (`wait_ready`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    if not data_dir.exists():
        shutil.copytree(index, data_dir)
    config = write_config(workdir / "articlebot.toml", discord)
    env = bot_environment(server, data_dir=data_dir, config=config, token=token, model=model,
                          extra=extra)  # fmt: skip
    return await BotProcess(env, cwd=workdir, verbose=verbose).start()
