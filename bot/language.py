"""Which language a question is in, and the names the prompts use for languages.

lingua, restricted to the languages articlebot answers in, because a detector
that knows 75 languages calls many short questions Latin or Tagalog. When the
text is too short to tell ("Kursk?"), the caller's hint wins (a conversation's
earlier language, a Discord locale), then the configured default.
"""

from __future__ import annotations

import re
import threading

from bot.lexicon import FUNCTION_WORDS, NATIVE_NAMES, SUPPORTED, language_name

__all__ = ["LanguageDetector", "NATIVE_NAMES", "SUPPORTED", "language_name"]
MIN_CONFIDENCE = 0.5


class LanguageDetector:
    def __init__(self, default: str = "en") -> None:
        self.default = default if default in SUPPORTED else "en"
        self._detector = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._detector is None:
                from lingua import Language, LanguageDetectorBuilder

                languages = [Language.from_iso_code_639_1(getattr(_iso(), code.upper()))
                             for code in SUPPORTED]  # fmt: skip
                self._detector = LanguageDetectorBuilder.from_languages(*languages).build()
            return self._detector

    def detect(self, text: str, hint: str | None = None) -> str:
        """ISO 639-1 code of `text`, one of `SUPPORTED`."""
        fallback = hint if hint in SUPPORTED else self.default
        letters = sum(ch.isalpha() for ch in text)
        if letters < 3:
            return fallback
        values = self._get().compute_language_confidence_values(text)
        if not values:
            return fallback
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        threshold = MIN_CONFIDENCE if letters >= 20 else 0.75
        if best.value >= threshold:
            return code
        # Short and unsure: the function words of a question are the surest sign.
        return _function_word_vote(text) or fallback

    __call__ = detect

    def confidence(self, text: str, lang: str) -> float:
        """How sure the detector is that `text` (a word, say) is in `lang`."""
        for value in self._get().compute_language_confidence_values(text):
            if value.language.iso_code_639_1.name.lower() == lang:
                return float(value.value)
        return 0.0


_FUNCTION_SETS = {code: set(words.split()) for code, words in FUNCTION_WORDS.items()}


def _function_word_vote(text: str) -> str | None:
    words = [w.lower() for w in re.findall(r"\w+", text)]
    votes = {code: sum(w in vocab for w in words) for code, vocab in _FUNCTION_SETS.items()}
    best = max(votes.values())
    winners = [code for code, n in votes.items() if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _iso():
    from lingua import IsoCode639_1

    return IsoCode639_1
