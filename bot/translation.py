"""Machine translation of the article's sentences, for passage answers, summaries and
the "translate quotes" button.

The model translates numbered quotations line by line, streamed; a line is taken as
soon as it is complete. A translation that loses or invents a figure is not shown:
the original sentence stands instead. The verbatim quote is always shown beside it.

The 1.5B model translates often enough wrongly ("im Kampf für Russland" → "fighting
against Russia", "eingeäschert" → "taken to") that a translation is not an answer: with
`Settings.translation = "labelled"` (the default) the answer is the article's own words
and the translation follows on a line of its own, labelled as machine translation
(`with_translation`). A check of the translation by translating it back was measured and
not kept: the same model's back-translations were as often wrong as its translations, so
the check flagged good and bad alike.

What is kept (`Translator.keep`): a labelled translation is shown only when the embedder
(multilingual, with a sentence-pair prompt) scores it at least
`translation_min_similarity` (0.88) against the sentence it translates. On 112 judged
translations from twelve question sets (German, English and French articles; every pair
of the three languages) it kept 66 of 75 right ones and withheld 24 of 37 wrong ones; a
threshold chosen on eleven sets and tried on the twelfth was 0.88 for each of the twelve.
A withheld translation is said so (`translation_withheld`): the article's words stand.
So is a missing one (`translation_missing`): the model gave no line, or one in another
language than asked for, for words long enough to need one (`owes_translation`); a
reader of another language is never left with the article's sentence alone and no word
on why. A name ("Susan Foreman") needs none.

What this module does not do: decide what to translate, or cite anything.
"""

from __future__ import annotations

import re
from collections import OrderedDict
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
                 detect: Callable[[str], str] | None = None,
                 similarity: Callable[[str, str], float] | None = None) -> None:  # fmt: skip
        """`detect(text)` names a text's language: a line in another language than the one
        asked for (the 1.5B model, asked for German from French, sometimes writes English)
        is no translation, and the original stands for it. `similarity(a, b)` scores how
        alike two texts mean, across languages (the embedder's); without it, `keep` checks
        figures only."""
        self.settings = settings
        self.llm = llm
        self.prompts = prompts
        self._prime = prime
        self._detect = detect
        self._similarity = similarity
        self._scores: OrderedDict[tuple[str, str], float] = OrderedDict()

    def keep(self, translation: str, original: str) -> tuple[str, bool]:
        """`translation` if it may be shown beside `original`, else "", and whether it was
        withheld: it loses or invents a figure, or means too little like the original. A
        translation that only repeats the original (a name, a figure) is left out, not
        withheld."""
        if not translation:
            return "", False
        kept = checked(translation, original)
        if not kept:
            return "", _bare(translation) != _bare(original)
        threshold = self.settings.translation_min_similarity
        if self._similarity is not None and threshold > 0:
            if self._score(original, kept) < threshold:
                return "", True
        return kept, False

    def _score(self, original: str, translation: str) -> float:
        """The similarity, remembered for the last few pairs: a streamed line is checked
        before it is shown and again in the finished text."""
        key = (original, translation)
        if key not in self._scores:
            self._scores[key] = self._similarity(original, translation)
            if len(self._scores) > 32:
                self._scores.popitem(last=False)
        return self._scores[key]

    def withheld_note(self, language: str) -> str:
        return self.prompts.message("translation_withheld", language)

    def missing_note(self, language: str) -> str:
        return self.prompts.message("translation_missing", language)

    def note(self, language: str, *, withheld: bool, missing: bool) -> str:
        """Why no translation is shown: one was withheld, or the model gave none; ""
        when neither (the words need none: a name, a figure)."""
        if withheld:
            return self.withheld_note(language)
        return self.missing_note(language) if missing else ""

    def for_display(self, texts: Sequence[str], language: str) -> list[str]:
        """One translation per text (for display only). A text that reads like
        instructions to an assistant is not sent to the model; its translation is empty."""
        safe = [i for i, text in enumerate(texts) if not is_injection(text)]
        translated = self.translate([texts[i] for i in safe], language)[0]
        out = [""] * len(texts)
        for i, text in zip(safe, translated, strict=True):
            out[i] = self.keep(text, texts[i])[0]
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
                        if on_line:  # a line in another language is never shown either
                            on_line(n, self._in(language, found[n]))

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

    def passage_text(self, passages: list[Passage], lang: str, language_of: Callable[[Passage], str | None],
                     on_text: TextCallback | None, label: str,
                     ) -> tuple[str, Generation | None]:  # fmt: skip
        """The passages' sentences as a summary or a passage answer shows them, each with
        its `[n]` marker (a hard-wrapped sentence on one line). When the reader's language
        is not the article's, the sentences stay the article's and their translations
        follow on a line of their own, labelled `label`; with `Settings.translation =
        "inline"` the translations replace them. A translation that loses or invents a
        figure is not shown. `on_text` sees the text so far: the sentences at once, then
        the translation as its lines arrive."""
        texts = [one_line(p.text) for p in passages]
        foreign = [i for i, p in enumerate(passages) if language_of(p) != lang]
        labelled = self.settings.translation == "labelled"
        withheld = [False] * len(texts)
        missing = [False] * len(texts)  # the model gave no line in `lang` for words that need one

        def text(shown: list[str], translations: list[str], final: bool = False) -> str:
            body = " ".join(append_markers(t, [n]) for n, t in enumerate(shown, start=1))
            if final and labelled and not any(translations):
                note = self.note(lang, withheld=any(withheld), missing=any(missing))
                if note:
                    return f"{body}\n{note}"
            return with_translation(body, label, list(enumerate(translations, start=1)), " ")

        def show(shown: list[str], translations: list[str]) -> None:
            if on_text:
                on_text(text(shown, translations))

        if not foreign:
            show(texts, [])
            return text(texts, []), None
        shown = list(texts)
        lines = [""] * len(texts)
        if labelled:
            show(texts, lines)

        def on_line(n: int, line: str) -> None:
            i = foreign[n - 1]
            line, withheld[i] = self.keep(line, texts[i])  # never shown, even for a moment
            if not line:
                return
            if labelled:
                lines[i] = line
                show(texts, lines)
            else:
                shown[i] = line
                show(shown, [])

        translated, generation = self.translate([texts[i] for i in foreign], lang, on_line)
        translations = [""] * len(texts)
        for i, line in zip(foreign, translated, strict=True):
            translations[i], withheld[i] = self.keep(line, texts[i])
            missing[i] = not line and owes_translation(texts[i])
        if labelled:
            return text(texts, translations, final=True), generation
        return text([t or texts[i] for i, t in enumerate(translations)], [], final=True), generation


def owes_translation(original: str) -> bool:
    """Whether words of the article in another language than the reader's are long enough
    (`CHECKED_LETTERS` letters) to be more than a name or a figure: without their
    translation, the answer says why."""
    return sum(ch.isalpha() for ch in original) >= CHECKED_LETTERS


def checked(translation: str, original: str) -> str:
    """`translation` when it keeps the figures of `original`, inventing none, and says
    more than the original itself (a name or a figure needs no translation); else ""."""
    if not translation or unsupported_numbers(translation, [original]):
        return ""
    if not numbers(original, words=False) <= numbers(translation):
        return ""
    if _bare(translation) == _bare(original):
        return ""
    return translation


def _bare(text: str) -> str:
    """`text` without case, spacing, quotation marks or closing punctuation (a figure's
    separators stay: "4,700" says to an English reader what "4.700" does not)."""
    return "".join(text.casefold().split()).strip("\"'„“”«»‚‘’.;:!?")


def with_translation(body: str, label: str, translations: list[tuple[int, str]], joiner: str) -> str:
    """`body`, then on a line of its own `label` and each translation with its `[n]`
    marker; `body` alone when there is no translation to show."""
    shown = [append_markers(text, [n]) for n, text in translations if text]
    if not shown:
        return body
    return f"{body}\n{label} {joiner.join(shown)}"
