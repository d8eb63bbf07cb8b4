"""Which language a question is in, and the names the prompts use for languages.

lingua, restricted to the languages articlebot answers in, because a detector
that knows 75 languages calls many short questions Latin or Tagalog. When the
text is too short to tell ("Kursk?"), the caller's hint wins (a conversation's
earlier language, a Discord locale), then the configured default.

Questions and documents are told by lingua's low-accuracy mode (trigram models only:
12-15 MB resident for the five languages) with the question's function words beside it;
its high-accuracy mode (all n-gram models: about 156 MB, and a second of loading before
the first answer) is loaded only for `confidence`, which scores single words (the
`write` style's untranslated-word check). Measured on 2026-12-07: the two modes tell all
352 questions of the eval sets alike (none wrong); on the 375 sentences of the 19 eval
documents the small models get none wrong against 2, and on each sentence's first four
words 20 against 21.
"""

from __future__ import annotations

import re
import threading

from bot.lexicon import FUNCTION_WORDS, NATIVE_NAMES, SUPPORTED, language_name

__all__ = ["LanguageDetector", "NATIVE_NAMES", "SUPPORTED", "language_name"]
MIN_CONFIDENCE = 0.5
FUNCTION_WORD_MARGIN = 2  # in a question this short (words), this many more function
SHORT_WORDS = 30  # words of one language than of lingua's pick overrule lingua
_QUOTED = re.compile(r"„[^“”\"]*[“”\"]|“[^”]*”|«[^»]*»|\"[^\"]*\"")


class LanguageDetector:
    def __init__(self, default: str = "en") -> None:
        self.default = default if default in SUPPORTED else "en"
        self._detectors: dict[bool, object] = {}  # by high accuracy
        self._lock = threading.Lock()

    def _get(self, *, high_accuracy: bool = False):
        with self._lock:
            if high_accuracy not in self._detectors:
                from lingua import Language, LanguageDetectorBuilder

                languages = [Language.from_iso_code_639_1(getattr(_iso(), code.upper()))
                             for code in SUPPORTED]  # fmt: skip
                builder = LanguageDetectorBuilder.from_languages(*languages)
                if not high_accuracy:
                    builder = builder.with_low_accuracy_mode()
                self._detectors[high_accuracy] = builder.build()
            return self._detectors[high_accuracy]

    def detect(self, text: str, hint: str | None = None) -> str:
        """ISO 639-1 code of `text`, one of `SUPPORTED`."""
        fallback = hint if hint in SUPPORTED else self.default
        letters = sum(ch.isalpha() for ch in text)
        if letters < 3:
            return fallback
        own = _QUOTED.sub(" ", text)  # a quoted term is a mention, not the question's language
        if sum(ch.isalpha() for ch in own) >= 3:
            text, letters = own, sum(ch.isalpha() for ch in own)
        values = self._get().compute_language_confidence_values(text)
        if not values:
            return fallback
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        votes = _function_word_votes(text)
        leader = max(votes, key=votes.get)
        short = len(text.split()) <= SHORT_WORDS
        if short and votes[leader] - votes.get(code, 0) >= FUNCTION_WORD_MARGIN:
            # "Was ist das Engineering News-Record?": names in another language sway lingua,
            # the question's own function words do not.
            return leader
        threshold = MIN_CONFIDENCE if letters >= 20 else 0.75
        if best.value >= threshold:
            return code
        # Short and unsure: the function words of a question are the surest sign.
        return _function_word_vote(text) or fallback

    __call__ = detect

    def confidence(self, text: str, lang: str) -> float:
        """How sure the detector is that `text` (a word, say) is in `lang`."""
        for value in self._get(high_accuracy=True).compute_language_confidence_values(text):
            if value.language.iso_code_639_1.name.lower() == lang:
                return float(value.value)
        return 0.0


_FUNCTION_SETS = {code: set(words.split()) for code, words in FUNCTION_WORDS.items()}


def _function_word_votes(text: str) -> dict[str, int]:
    words = [w.lower() for w in re.findall(r"\w+", text)]
    return {code: sum(w in vocab for w in words) for code, vocab in _FUNCTION_SETS.items()}


def _function_word_vote(text: str) -> str | None:
    votes = _function_word_votes(text)
    best = max(votes.values())
    winners = [code for code, n in votes.items() if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _iso():
    from lingua import IsoCode639_1

    return IsoCode639_1
