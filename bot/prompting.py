"""Prompt templates and user-facing texts, loaded from files in `prompts/`.

Templates use `$name` placeholders (string.Template). Rendering is strict: a
placeholder without a value is an error, never an empty string. Texts put into
a prompt from outside (questions, passages) are neutralised first so they
cannot forge chat-template tokens such as `<|im_start|>`.

Message assembly keeps the fixed part first (system prompt, worked examples)
and the variable part (passages, question) last, so llama.cpp can re-use the
evaluated prefix from one question to the next.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.llm import Message

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class PromptError(Exception):
    pass


def one_line(text: str) -> str:
    """A passage as one line: a hard-wrapped paragraph's line breaks become spaces (for
    prompts and for the answer text; quotes keep the document's own characters)."""
    return " ".join(text.split())


def neutralise(text: str) -> str:
    """Text from users or documents, made safe to put into a prompt."""
    text = _CONTROL.sub("", text)
    return text.replace("<|", "<\u2009|").replace("|>", "|\u2009>")


@dataclass(frozen=True)
class Template:
    name: str
    text: str

    def render(self, **values: object) -> str:
        try:
            return string.Template(self.text).substitute(
                {k: str(v) for k, v in values.items()}
            )
        except KeyError as exc:
            raise PromptError(f"prompt {self.name}: no value for placeholder {exc}") from None
        except ValueError as exc:
            raise PromptError(f"prompt {self.name}: {exc}") from None


@dataclass(frozen=True)
class Example:
    values: dict[str, object]  # template values; "passages" is a list, numbered when shown
    output: str


class PromptLibrary:
    def __init__(self, directory: Path = PROMPTS_DIR) -> None:
        self.directory = Path(directory)
        self._templates: dict[str, Template] = {}

    def template(self, name: str) -> Template:
        if name not in self._templates:
            path = self.directory / f"{name}.txt"
            if not path.exists():
                raise PromptError(f"prompt template {path} is missing")
            self._templates[name] = Template(name, path.read_text(encoding="utf-8").strip())
        return self._templates[name]

    def examples(self, name: str) -> list[Example]:
        path = self.directory / f"{name}.toml"
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        return [
            Example({k: v for k, v in e.items() if k not in ("output", "kind")}, e["output"])
            for e in raw.get("example", [])
        ]

    @cached_property
    def messages(self) -> dict[str, dict[str, str]]:
        with (self.directory / "messages.toml").open("rb") as fh:
            return tomllib.load(fh)

    def message(self, key: str, lang: str, **values: object) -> str:
        try:
            texts = self.messages[key]
        except KeyError:
            raise PromptError(f"no user message {key!r} in messages.toml") from None
        text = texts.get(lang) or texts["en"]
        return Template(f"messages.{key}", text).render(**values)

    def stops(self, name: str) -> list[str]:
        """Stop strings for a reply to the `name` prompt: a new line starting with any label
        of its user template ("Passages:", "Question:"), which the model may write when it
        runs on as if it were the user."""
        text = self.template(f"{name}_user").text
        return [f"\n{label}:" for label in re.findall(r"^([A-Z][A-Za-z ]*):", text, re.MULTILINE)]

    def history(self, turns: Sequence[tuple[str, str]], *, limit: int = 300) -> str:
        """The block of earlier turns put before a follow-up question ("" for none); each
        question and answer neutralised and cut to `limit` characters."""
        if not turns:
            return ""
        shown = [self.template("answer_history_turn").render(question=neutralise(q)[:limit],
                                                             answer=neutralise(a)[:limit])
                 for q, a in turns]  # fmt: skip
        return self.template("answer_history").render(turns="\n".join(shown)) + "\n"

    # -- assembly -----------------------------------------------------------------------

    def chat(
        self,
        name: str,
        *,
        examples: str | None = None,
        **values: object,
    ) -> tuple[list[Message], list[Message]]:
        """(prefix, messages): the fixed prefix to prime, and the full conversation."""
        prefix = [Message("system", self.template(f"{name}_system").render())]
        user = self.template(f"{name}_user")
        if examples:
            for example in self.examples(examples):
                shown = {key: "" for key in values} | example.values
                shown["passages"] = number_passages(list(example.values.get("passages", [])))
                prefix.append(Message("user", _squeeze(user.render(**shown))))
                prefix.append(Message("assistant", example.output))
        content = _squeeze(user.render(**values))
        return prefix, [*prefix, Message("user", content)]


def _squeeze(text: str) -> str:
    text = re.sub(r"\n[ \t]*\n(?=[A-Z][a-z]+ language:)", "\n", text)  # an empty optional line
    return re.sub(r"\n{3,}", "\n\n", text)


def number_passages(texts: list[str], labels: list[str] | None = None) -> str:
    lines = []
    for i, text in enumerate(texts, start=1):
        label = f" ({labels[i - 1]})" if labels and labels[i - 1] else ""
        lines.append(f"[{i}]{label} {one_line(neutralise(text))}")
    return "\n".join(lines)
