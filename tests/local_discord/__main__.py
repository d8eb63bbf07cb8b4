"""Try the bot by hand against the local Discord, and watch the traffic.

    python -m tests.local_discord --bot          # the server and `articlebot serve` on it
    python -m tests.local_discord                # the server only; it prints how to start a bot

Then type, as alice in #general:

    /ask How many soldiers did North Korea send?  a slash command (/quote, /summary, /sources…)
    @ Wie viele Soldaten starben?                 a message mentioning the bot
    > und wie viele davon starben?                a reply to the bot's last message
    dm Hallo?                                     a direct message
    translate                                     press the last "Translate quotes" button
    quit

Every REST request the bot makes is printed with its status and what it carried,
and every gateway event it is sent or sends (heartbeats aside). With `--bot`, the
bot's own log lines are printed too, prefixed `bot |`; it uses your settings and
index (run `articlebot ingest` or `make run` once first), with the commands
synced to the local guild.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shlex
import sys
from pathlib import Path

from tests.local_discord import LocalDiscord
from tests.local_discord.process import BotProcess, bot_environment, discord_environment
from tests.local_discord.recording import Frame, RecordedRequest

QUIET_OPS = {1, 11}  # heartbeats and their ACKs


def short(value: object, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(r: RecordedRequest) -> str:
    line = f"REST {r.method} {r.path} -> {r.status}"
    body = r.json if isinstance(r.json, dict) else {}
    shown = {k: body[k] for k in ("type", "content", "name", "flags") if body.get(k) is not None}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    shown.update({k: data[k] for k in ("content", "flags") if data.get(k) is not None})
    for embed in body.get("embeds") or data.get("embeds") or []:
        fields = [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        summary = embed.get("title") or embed.get("description") or fields
        shown.setdefault("embeds", []).append(summary)
    buttons = [c.get("label") for row in body.get("components") or []
               for c in row.get("components", [])]  # fmt: skip
    if buttons:
        shown["buttons"] = buttons
    return line + (f" {short(shown)}" if shown else "")


def describe_frame(f: Frame) -> str:
    arrow = "<-" if f.direction == "recv" else "->"
    what = f.t or {2: "IDENTIFY", 6: "RESUME", 7: "RECONNECT", 9: "INVALID_SESSION",
                   10: "HELLO"}.get(f.op, f"op {f.op}")  # fmt: skip
    detail = ""
    if f.t in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and isinstance(f.d, dict):
        detail = f" {f.d.get('author', {}).get('username')}: {short(f.d.get('content') or '', 120)}"
    elif f.t == "INTERACTION_CREATE" and isinstance(f.d, dict):
        data = f.d.get("data") or {}
        detail = f" {short(data.get('name') or data.get('custom_id') or '', 60)}"
    return f"GATEWAY {arrow} {what}{detail}"


async def follow(server: LocalDiscord) -> None:
    """Print each request once answered and each gateway frame, in the order they came."""
    requests = frames = 0
    while True:
        new: list[tuple[float, str]] = []
        while requests < len(server.requests) and server.requests[requests].status is not None:
            new.append((server.requests[requests].at, describe(server.requests[requests])))
            requests += 1
        while frames < len(server.frames):
            frame = server.frames[frames]
            if frame.op not in QUIET_OPS:
                new.append((frame.at, describe_frame(frame)))
            frames += 1
        for _, line in sorted(new, key=lambda item: item[0]):
            print(line, flush=True)
        await asyncio.sleep(0.05)


async def echo(bot: BotProcess) -> None:
    shown = 0
    while True:
        while shown < len(bot.lines):
            print(f"bot | {bot.lines[shown]}", flush=True)
            shown += 1
        await asyncio.sleep(0.05)


async def typed_lines():
    """Lines typed on stdin, read without a thread (so Ctrl-C ends at once)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        yield line.decode(errors="replace").strip()


def last_bot_message(server: LocalDiscord, *, with_button: bool = False) -> dict | None:
    me = str(server.world.application_id)
    mine = [m for m in server.world.messages.values() if m["author"]["id"] == me
            and not m["flags"] & 64 and (m.get("components") or not with_button)]  # fmt: skip
    return max(mine, key=lambda m: int(m["id"]), default=None)


async def act(server: LocalDiscord, line: str) -> None:
    """One line typed by the developer, as alice."""
    if line.startswith("/"):
        name, _, rest = line[1:].partition(" ")
        first = {"ask": "question", "quote": "query", "summary": "focus"}.get(name)
        options = {first: rest.strip()} if first and rest.strip() else {}
        await server.slash_command(name, options)
    elif line.startswith("@"):
        await server.message_from("alice", f"{server.bot_mention} {line[1:].strip()}")
    elif line.startswith(">"):
        parent = last_bot_message(server)
        if parent is None:
            print("(the bot has not written anything yet)")
            return
        await server.message_from("alice", line[1:].strip(), reply_to=parent)
    elif line.startswith("dm "):
        await server.direct_message("alice", line[3:].strip())
    elif line == "translate":
        message = last_bot_message(server, with_button=True)
        if message is None:
            print("(no message with a button yet)")
            return
        button = message["components"][0]["components"][0]
        await server.click_button(message, button["custom_id"])
    else:
        await server.message_from("alice", line)


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.local_discord",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument("--bot", action="store_true", help="also start `articlebot serve` on it")
    parser.add_argument("--model", help="the bot's model (default: your setting), e.g. "
                        "smollm2-135m-instruct-q4_1 for quick answers")  # fmt: skip
    args = parser.parse_args(argv)

    server = await LocalDiscord(port=args.port).start()
    guild = server.world.guild_id
    env = {**discord_environment(server), "ARTICLEBOT_DISCORD__SYNC_GUILD": str(guild)}
    print(f"local Discord at {server.url} (guild {guild}, you are alice in #general)")
    bot: BotProcess | None = None
    tasks = [asyncio.ensure_future(follow(server))]
    try:
        if args.bot:
            environment = bot_environment(server, data_dir=None, config=None, model=args.model,
                                          inherit=True)  # fmt: skip
            environment.update(env)
            bot = await BotProcess(environment, cwd=Path.cwd()).start()
            tasks.append(asyncio.ensure_future(echo(bot)))
            print("starting articlebot serve (the models take a few seconds to load)…")
        else:
            variables = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
            print(f"start a bot against it with:\n  {variables} articlebot -v serve")
        print("type /ask …, @ …, > …, dm …, translate or quit")
        async for line in typed_lines():
            if line in ("quit", "exit"):
                break
            if line:
                try:
                    await act(server, line)
                except (RuntimeError, KeyError, AssertionError) as exc:
                    print(f"({exc})")
    finally:
        if bot is not None:
            print(f"articlebot exited with {await bot.stop()}")
        for task in tasks:
            task.cancel()
        await server.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
