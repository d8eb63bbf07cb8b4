"""The Chroma client: which one to open, and what its failures mean for the user.

`make_client` opens an `HttpClient` for a Chroma server (`chroma run --path DIR
--host HOST --port PORT`) when a URL is configured, else an embedded
`PersistentClient` at a folder. Telemetry is off and no hub is contacted.
`store_error` turns any exception from Chroma into a one-line `StoreError` that
says what to do (start the server, stop the other process, rebuild the index).

`forget_chroma_system` is the one place that touches chromadb's private state;
see its comment.

What this module does not do: read or write collections (see `chroma_store`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from retrieval.errors import StoreError
from retrieval.offline import offline_environment

REBUILD_HINT = "run `articlebot ingest --rebuild` to rebuild the index from your documents"
SERVER_HINT = (
    "start it with `chroma run --path DIR --host HOST --port PORT` or unset ARTICLEBOT_CHROMA_URL"
)


def make_client(*, chroma_url: str | None, path: Path):
    """An HttpClient for `chroma_url`, else a PersistentClient at `path`. Telemetry off."""
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"ARTICLEBOT_CHROMA_URL={chroma_url!r} is not an http(s) URL")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {chroma_url} ({short(exc)}); {SERVER_HINT}"
            ) from exc
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise store_error(exc, path) from exc


def forget_chroma_system(path: Path) -> None:
    """Chroma caches one database handle per path and process; drop it after the
    directory was moved away, so the next client opens a fresh database there."""
    # chromadb has no public way to drop the cached system of one path (checked against
    # chromadb 1.5.9): `Client.close()` only releases the caller's own reference, and
    # `SharedSystemClient.clear_system_cache()` drops every client's system, breaking
    # the live ones. So this reads its private class dicts; re-check on upgrade.
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == str(path)]:
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


def is_unreachable(exc: BaseException) -> bool:
    """A Chroma server that is down or does not answer (not a problem with the index)."""
    import httpx

    if isinstance(exc, httpx.TransportError):
        return True
    return "could not connect to a chroma server" in str(exc).lower()


def short(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), at most 200 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def store_error(exc: BaseException, where: Any) -> StoreError:
    """The `StoreError` for a failure of Chroma at `where` (a path or a server URL)."""
    text = str(exc).lower()
    if is_unreachable(exc):
        return StoreError(
            f"cannot reach the Chroma server at {where} ({short(exc)}); {SERVER_HINT}"
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the index at {where} is locked by another process ({short(exc)}); stop the "
            f"other articlebot process or wait for its ingest to finish"
        )
    if isinstance(exc, StoreError):
        return exc
    return StoreError(f"the index at {where} cannot be read ({short(exc)}); {REBUILD_HINT}")
