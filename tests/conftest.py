"""Shared fixtures: settings in a temp dir, an in-process Chroma, fakes, the real models.

Real models are loaded once per session and only by tests marked `slow`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.app import App  # noqa: E402
from bot.rules import RULE_NAMES  # noqa: E402
from bot.settings import DEFAULT_DOCUMENT, Settings  # noqa: E402
from retrieval.embedding import SentenceTransformerEmbedder  # noqa: E402
from tests.fakes import ScriptedLLM, ToyEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARTICLE = DEFAULT_DOCUMENT
ARTICLE_ID = "nordkorea-truppen-kursk.de"
DEV_QUESTIONS = SHARED / "corpus" / "dev-questions.jsonl"


def run_python(code: str, *, check: bool = False) -> subprocess.CompletedProcess:
    """`code` run by a fresh interpreter from the project's root, its output as text."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=check, timeout=60)  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch, tmp_path):
    """No test reads the developer's articlebot.toml or ARTICLEBOT_* variables.

    The scripted LLMs of the unit tests reply in the `write` style's `ANSWER:` lines, and
    each rule has its unit tests, so that style and every rule are set here (and reach
    the processes tests start); the default style, `extract`, is tested in
    test_extraction.py, test_extractive_answers.py and with Qwen in test_e2e_slow.py, and
    test_settings.py checks the defaults themselves."""
    for key in list(os.environ):
        if key.startswith("ARTICLEBOT_") or key in ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ARTICLEBOT_ANSWER_STYLE", "write")
    monkeypatch.setenv("ARTICLEBOT_RULES", json.dumps(RULE_NAMES))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", collection_prefix=f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture
def chroma_client():
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture
def toy_embedder() -> ToyEmbedder:
    return ToyEmbedder()


def make_app(settings, chroma_client, embedder, *replies, **llm_options) -> App:
    return App(settings, llm=ScriptedLLM(*replies, **llm_options), embedder=embedder,
               client=chroma_client)  # fmt: skip


@pytest.fixture
def fake_app(settings, chroma_client, toy_embedder):
    """An App over the bundled article with a scripted LLM (replace `.llm.replies`)."""
    app = make_app(settings, chroma_client, toy_embedder)
    app.ingest([ARTICLE])
    return app


# -- the real stack (slow) ------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("real"), answer_style="write",
                    rules=list(RULE_NAMES))  # fmt: skip


@pytest.fixture(scope="session")
def real_embedder(real_settings):
    app = App(real_settings)
    embedder = app.embedder
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def real_document_embedder(real_embedder) -> SentenceTransformerEmbedder:
    """The sentence-transformers side (documents) of the embedder a run uses."""
    return getattr(real_embedder, "documents", real_embedder)


@pytest.fixture(scope="session")
def qwen_app(real_settings, real_embedder):
    app = App(real_settings, embedder=real_embedder)
    app.ingest([ARTICLE])
    app.answerer.prime()
    return app
