"""Pytest fixtures for the local Discord. Import them into a test module or conftest:

    from tests.local_discord.fixtures import local_discord_fixture  # noqa: F401

and ask for `local_discord` in a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.local_discord import LocalDiscord, point_discord_at


@pytest.fixture(name="local_discord")
async def local_discord_fixture() -> AsyncIterator[LocalDiscord]:
    """A running LocalDiscord on a free loopback port, with discord.py pointed at it."""
    server = await LocalDiscord().start()
    restore = point_discord_at(server.url)
    try:
        yield server
    finally:
        restore()
        await server.stop()
