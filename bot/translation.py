"""Machine translation of the article's sentences, for passage answers, summaries and
the "translate quotes" button.

The model translates numbered quotations line by line, streamed; a line is taken as
soon as it is complete. A translation that loses or invents a figure is not shown:
the original sentence stands instead. The verbatim quote is always shown beside it.

What this module does not do: decide what to translate, or cite anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.citations import append_markers
from bot.lexicon import language_name
from bot.llm import LLM, Generation
from bot.numbers import fix_number_spacing, numbers, unsupported_numbers
from bot.prompting import PromptLibrary, number_passages, one_line
from bot.routing import is_injection
from bot.settings import Settings
from retrieval.search import Passage

TextCallback = Callable[[str], None]
_STOP = ["\nQuotations:", "\nRequested language:"]
CHECKED_LETTERS = 20  # translations this long must be in the language asked for


class Translator:
    def __init__(self, *, settings: Settings, llm: LLM, prompts: PromptLibrary,
                 prime: Callable[[], None],
                 detect: Callable[[str], str] | None = None) -> None:  # fmt: skip
        """`detect(text)` names a text's language: a line in another language than the one
        asked for (the 1.5B model, asked for German from French, sometimes writes English)
        is no translation, and the original stands for it."""
        self.settings = settings
        self.llm = llm
        self.prompts = prompts
        self._prime = prime
        self._detect = detect

    def for_display(self, texts: Sequence[str], language: str) -> list[str]:
        """One translation per text (for display only). A text that reads like
        instructions to an assistant is not sent to the model; its translation is empty."""
        safe = [i for i, text in enumerate(texts) if not is_injection(text)]
        translated = self.translate([texts[i] for i in safe], language)[0]
        out = [""] * len(texts)
        for i, text in zip(safe, translated, strict=True):
            out[i] = text
        return out

    def translate(
        self, texts: Sequence[str], language: str, on_line: Callable[[int, str], None] | None = None
    ) -> tuple[list[str], Generation | None]:
        """Each text translated into `language` ("" where the model gave no line), and the
        generation; `on_line(n, text)` is called as each line completes."""
        if not texts:
            return [], None
        _, messages = self.prompts.chat("translate", examples="translate_examples",
                                        passages=number_passages(list(texts)),
                                        language=language_name(language))  # fmt: skip
        found: dict[int, str] = {}

        def parse(text: str, final: bool) -> None:
            lines = text.split("\n")
            for line in lines if final else lines[:-1]:  # the last line may still grow
                match = re.match(r"\s*\[(\d+)\]\s*(.+)", line)
                if match and 1 <= int(match.group(1)) <= len(texts):
                    n = int(match.group(1))
                    if n not in found:
                        found[n] = fix_number_spacing(match.group(2).strip())
                        if on_line:
                            on_line(n, found[n])

        streamed: list[str] = []
        self._prime()
        generation = self.llm.generate(
            messages,
            max_tokens=min(self.settings.translate_max_tokens, 100 * len(texts) + 40),
            stop=_STOP,
            timeout_s=self.settings.generation_timeout_s,
            on_text=lambda piece: (streamed.append(piece), parse("".join(streamed), False)),
        )
        # A translation cut short (by max_tokens or the time bound) ends in an unfinished
        # line: it is not a translation, so the original stands for it.
        parse(generation.text, not generation.truncated)
        return [self._in(language, found.get(i, "")) for i in range(1, len(texts) + 1)], generation

    def _in(self, language: str, text: str) -> str:
        """`text` if it is in `language` (or too short to tell), else ""."""
        if self._detect is None or sum(ch.isalpha() for ch in text) < CHECKED_LETTERS:
            return text
        return text if self._detect(text) == language else ""

    def passage_texts(self, passages: list[Passage], lang: str, language_of: Callable[[Passage], str | None],
                      on_text: TextCallback | None) -> tuple[list[str], Generation | None]:  # fmt: skip
        """The passages' sentences as shown in a summary or a passage answer: the passages
        themselves, translated when the reader's language is not the article's. A
        translation that loses or invents a figure is replaced by the original sentence."""
        texts = [one_line(p.text) for p in passages]
        foreign = [i for i, p in enumerate(passages) if language_of(p) != lang]

        def show(shown: list[str]) -> None:
            if on_text:
                on_text(" ".join(append_markers(t, [n]) for n, t in enumerate(shown, start=1)))

        if not foreign:
            show(texts)
            return texts, None
        shown = list(texts)

        def on_line(n: int, text: str) -> None:
            shown[foreign[n - 1]] = text
            show(shown)

        translated, generation = self.translate([texts[i] for i in foreign], lang, on_line)
        for i, text in zip(foreign, translated, strict=True):
            original = texts[i]
            if (text and not unsupported_numbers(text, [original])
                    and numbers(original, words=False) <= numbers(text)):  # fmt: skip
                texts[i] = text
        return texts, generation
