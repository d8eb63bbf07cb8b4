"""A local Discord test double: the real gateway and REST protocol on loopback.

`LocalDiscord` is the server (see `server.py`); `point_discord_at` points an
in-process discord.py at it; `tests.local_discord.fixtures` has the pytest
fixture. README.md in this folder says what a bot process must be told.
"""

from __future__ import annotations

from collections.abc import Callable

import yarl

from tests.local_discord.server import DEFAULT_TOKEN, Fault, LocalDiscord, SentInteraction

API_PATH = "/api/v10"


def point_discord_at(base_url: str) -> Callable[[], None]:
    """Send discord.py's REST calls and its gateway connection to `base_url`.

    `base_url` is the server's root, e.g. 'http://127.0.0.1:8123'. Two class
    attributes decide where discord.py goes, and both are set: `Route.BASE` for
    every REST call (interaction webhooks included) and
    `DiscordWebSocket.DEFAULT_GATEWAY` for the first connection of a plain
    `Client` (it never asks GET /gateway/bot; only `AutoShardedClient` does).
    After READY the client follows `resume_gateway_url`. Returns a function
    that restores the previous values.
    """
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    url = yarl.URL(base_url)
    ws_scheme = "wss" if url.scheme == "https" else "ws"
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = str(url.with_path(API_PATH))
    DiscordWebSocket.DEFAULT_GATEWAY = url.with_scheme(ws_scheme).with_path("/")

    def restore() -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = previous

    return restore


__all__ = ["DEFAULT_TOKEN", "Fault", "LocalDiscord", "SentInteraction", "point_discord_at"]
