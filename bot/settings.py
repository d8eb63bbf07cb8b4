"""The one `Settings` object: defaults, then a TOML file, then `ARTICLEBOT_*` variables.

Precedence (highest first): arguments given to `Settings(...)`, environment
variables (`ARTICLEBOT_TOP_K=3`, nested with `__`: `ARTICLEBOT_DISCORD__ALLOW_DMS=false`),
the TOML file named by `ARTICLEBOT_CONFIG` (default `./articlebot.toml` when
it exists), then the defaults below.

The Discord token is deliberately not a setting: it is read from the
environment by the Discord front end only, so it can never sit in a config
file or be printed with the settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCUMENT = PROJECT_ROOT / "data" / "nordkorea-truppen-kursk.de.txt"
DEFAULT_LLM = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_EMBEDDER = "embeddinggemma-300m"


TOP_K_BY_STYLE = {"extract": 3, "write": 1}

# The rules that run, in order (bot.rules defines them; RuleSet rejects unknown names).
# Each was measured by ablation over every question set (README, Quality).
DEFAULT_RULES = (
    "decline_off_task", "withhold_instructions", "latest_count", "decline_far",
    "why_from_article", "yes_no_from_article", "decline_missing_measure",
    "two_part_next_sentence", "align_changed_copy", "one_word_otherwise_written",
    "translated_copy_to_clause", "translated_figure_to_clause", "what_was_said",
    "figure_with_its_clause", "keep_the_alternative",
    "figure_set_against_it", "whole_noun_phrase", "decline_missing_kind",
    "retry_unsupported_figure", "retry_untranslated", "decline_measure_for_count",
    "figure_of_asked_clause", "show_passage_when_unanswered",
)


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "articlebot"


class DiscordSettings(BaseModel):
    """The `[discord]` table. Empty allow-lists mean everyone."""

    allowed_guilds: list[int] = Field(default_factory=list, description="Guild ids served.")
    allowed_channels: list[int] = Field(default_factory=list, description="Channel ids served.")
    allowed_roles: list[int] = Field(
        default_factory=list, description="Role ids whose members may ask (guilds only)."
    )
    admins: list[int] = Field(
        default_factory=list, description="User ids allowed to /ingest and /remove."
    )
    allow_dms: bool = Field(default=True, description="Answer in direct messages.")
    threads: bool = Field(
        default=False, description="Each /ask in a channel opens a thread for its follow-ups."
    )
    message_content: bool = Field(
        default=True,
        description="Request the privileged Message Content intent (mentions and replies). "
        "Set false to run slash commands only.",
    )
    sharded: bool = Field(
        default=False, description="Use AutoShardedClient (recommended past ~1,000 guilds)."
    )
    queue_size: int = Field(default=20, ge=1, le=1000, description="Waiting requests at most.")
    cooldown_s: float = Field(default=0.0, ge=0, le=3600, description="Per-user cooldown.")
    stream_interval_s: float = Field(
        default=1.0, ge=1.0, le=10.0, description="Least time between two edits of a message."
    )
    history_depth: int = Field(
        default=6, ge=0, le=20, description="Earlier turns read from a reply chain or thread."
    )
    sync_guild: int | None = Field(
        default=None, description="Sync slash commands to this guild at start (instant)."
    )
    sync_commands: bool = Field(
        default=True,
        description="Sync the slash commands with Discord at start (globally, or to "
        "sync_guild when set). Turn off once they are registered, to start faster.",
    )
    memory_size: int = Field(
        default=5000, ge=10, le=1_000_000,
        description="Answers remembered in memory, so a reply to one (even to a /ask "
        "answer) continues its conversation.",
    )  # fmt: skip
    button_timeout_s: float = Field(
        default=3600.0, ge=60, le=86400,
        description="How long the 'Translate quotes' button under an answer works.",
    )  # fmt: skip
    api_base: str | None = Field(
        default=None,
        description="Another Discord REST API base instead of https://discord.com/api/v10, "
        "e.g. http://127.0.0.1:8080/api/v10 for a local test Discord. Unset: Discord itself.",
    )
    gateway_url: str | None = Field(
        default=None,
        description="Another Discord gateway (websocket) URL instead of "
        "wss://gateway.discord.gg/, e.g. ws://127.0.0.1:8080/ for a local test Discord. "
        "Unset: Discord itself.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ARTICLEBOT_",
        env_nested_delimiter="__",
        extra="ignore",
        validate_default=True,
    )

    # -- where things live ------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share"),
        description="Index and state (the embedded Chroma database lives under it).",
    )
    models_dir: Path = Field(
        default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache") / "models",
        description="Where `articlebot models fetch` assembles and finds model weights.",
    )
    default_documents: list[Path] = Field(
        default_factory=lambda: [DEFAULT_DOCUMENT],
        description="Ingested by `articlebot ingest` without paths and by `articlebot run`.",
    )

    # -- models -------------------------------------------------------------------------
    llm_model: str = Field(
        default=DEFAULT_LLM, description="A manifest model name or a path to any GGUF file."
    )
    embed_model: str = Field(
        default=DEFAULT_EMBEDDER,
        description="A manifest model name or a path to a sentence-transformers folder.",
    )
    embed_dtype: str = Field(
        default="float32", pattern="^(float32|bfloat16)$",
        description="The embedder's weights. float32 stays memory-mapped (only what is used "
        "is resident) and is faster on CPUs without bf16 instructions; bfloat16 copies the "
        "weights at half size. See scripts/retrieval_quality.py and the README.",
    )  # fmt: skip
    embed_runtime: str = Field(
        default="auto", pattern="^(auto|llama.cpp|sentence-transformers)$",
        description="What runs the embedder: llama.cpp, from the GGUF `articlebot models "
        "fetch` converts it to (the same vectors, no torch; a text over 256 tokens still goes "
        "to sentence-transformers), or sentence-transformers. auto: llama.cpp when that GGUF "
        "is there and embed_dtype is float32.",
    )  # fmt: skip
    llm_url: str | None = Field(
        default=None,
        description="An OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) used "
        "instead of the in-process model.",
    )
    llm_api_key: str = Field(default="sk-local", description="Sent to llm_url as bearer token.")
    llm_parallel: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Concurrent generations with llm_url, capped by what the server runs at "
        "once: llama-server's --parallel slots; 1 for python -m llama_cpp.server.",
    )
    n_ctx: int = Field(default=4096, ge=512, le=32768, description="llama.cpp context size.")
    n_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2, ge=1, le=256, description="CPU threads."
    )
    n_batch: int = Field(default=512, ge=8, le=4096, description="llama.cpp batch size.")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int = Field(default=7)

    # -- store --------------------------------------------------------------------------
    chroma_url: str | None = Field(
        default=None,
        description="A Chroma server (http://host:port) used instead of the embedded store.",
    )
    collection_prefix: str = Field(default="articlebot", pattern=r"^[a-zA-Z0-9][\w-]{1,40}$")

    # -- retrieval and answering --------------------------------------------------------
    top_k: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="Passages given to the model; unset, by answer_style: 3 for extract (the "
        "model picks among them, and the right passage is in the first three for 86-100% "
        "of the questions of every set), 1 for write (the 1.5B model mixes up figures "
        "across passages when it writes).",
    )
    passage_margin: float = Field(
        default=0.12,
        ge=0.0,
        le=2.0,
        description="With top_k > 1: passages scoring this far below the best are left out.",
    )
    dated_penalty: float = Field(
        default=0.04,
        ge=0.0,
        le=1.0,
        description="How-many questions: a passage naming a month the question does not "
        "ranks as if it scored this much lower. Counts in the news change, and an undated "
        "question asks for the latest one, not January's. 0.03-0.06 give the same ranking "
        "on our 64 probe questions (see README).",
    )
    hybrid_search: bool = Field(
        default=False,
        description="Fuse BM25 with the embedder by reciprocal rank. Off: on the dev "
        "questions it lowered hit@1 from 30/33 to 24/33 (see README).",
    )
    quote_k: int = Field(default=3, ge=1, le=20, description="Passages /quote returns.")
    min_score: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Below this cosine similarity of the best passage, decline without "
        "calling the model.",
    )
    why_min_score: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Why-questions are answered with what the best passage says, not by "
        "the model (which invents causes and accepts false premises); below this "
        "similarity they are declined. 0.5 separates 16 probe questions for EmbeddingGemma: "
        "answerable ones scored 0.54-0.65, unanswerable ones at most 0.47.",
    )
    max_question_chars: int = Field(default=2000, ge=10, le=100_000)
    answer_cache_size: int = Field(
        default=512, ge=0, le=100_000,
        description="Answers kept for people asking the same question again about the same "
        "documents (case, spacing and punctuation aside); an ingest or removal invalidates "
        "them. 0 turns the cache off.",
    )  # fmt: skip
    max_tokens: int = Field(default=200, ge=16, le=4096, description="Answer token bound.")
    summary_sentences: int = Field(
        default=6, ge=1, le=12,
        description="The most sentences a summary shows: the lede and one per main topic, "
        "3 for a short article and more for a long one up to this bound (see bot.summaries).",
    )  # fmt: skip
    translate_max_tokens: int = Field(
        default=400, ge=16, le=4096, description="Token bound of one translation call."
    )
    generation_timeout_s: float = Field(
        default=60.0, gt=0, le=3600, description="Time budget of one generation."
    )
    default_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    answer_style: str = Field(
        default="extract", pattern="^(write|extract)$",
        description="extract: the model copies the words that answer and code writes the "
        "sentence; write: the model writes the answer sentence.",
    )
    translation: str = Field(
        default="labelled", pattern="^(labelled|inline)$",
        description="When the reader's language is not the article's, the words the code "
        "assembles (copied answers, summaries, passage answers) are shown as the article "
        "writes them, with a labelled machine translation on a line of its own (labelled), "
        "or replaced by the translation (inline).",
    )
    translation_min_similarity: float = Field(
        default=0.88, ge=0.0, le=1.0,
        description="A labelled machine translation is shown only when the embedder scores "
        "it at least this similar to the sentence it translates (0 turns the check off).",
    )
    copy_min_similarity: float = Field(
        default=0.75, ge=0.0, le=1.0,
        description="A copy no passage holds, in other words than its passage's (most often "
        "translated), becomes the clause of its passage the embedder scores closest to it, "
        "when at least this similar (the translated_copy_to_clause rule).",
    )
    show_original: bool = Field(
        default=True,
        description="With translation=inline and answer_style=extract, a translated answer "
        "also shows the article's own words in quotation marks.",
    )
    rules: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RULES),
        description="The rules that wrap the model, in the order they run within their "
        "stage (see bot/rules). Leave one out to switch it off; `articlebot eval --without "
        "NAME` measures what each is worth.",
    )

    discord: DiscordSettings = Field(default_factory=DiscordSettings)

    @model_validator(mode="after")
    def _top_k_by_style(self) -> Settings:
        if self.top_k is None:
            self.top_k = TOP_K_BY_STYLE[self.answer_style]
        return self

    @field_validator("rules", mode="after")
    @classmethod
    def _rules_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a rule is listed twice")
        return value

    @field_validator("data_dir", "models_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_state_dir(self) -> Path:
        """Saved prompt-prefix states: a cache, next to the models it depends on."""
        return self.models_dir.parent / "llm-state"

    def public_dict(self) -> dict[str, Any]:
        """Settings as shown to operators (`articlebot config`); holds no secret."""
        shown = self.model_dump(mode="json")
        shown["llm_api_key"] = "***"
        return shown


def config_path() -> Path | None:
    named = os.environ.get("ARTICLEBOT_CONFIG")
    if named:
        return Path(named).expanduser()
    local = Path("articlebot.toml")
    return local if local.exists() else None
