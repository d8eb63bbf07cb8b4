"""Every word list and per-language text pattern of the answering core, keyed by language,
next to the one list of languages articlebot answers in.

The modules that decide (routing, checks, numbers) compile their patterns from these
tables with `alternation`, so adding a language means adding its entries here. Entries
are regex fragments; a table's languages and fragments are joined in the order written,
which is the order the alternatives are tried.

What this module does not do: decide anything. It holds words, not rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SUPPORTED = ("de", "en", "fr", "es", "it")
NAMES = {"de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian"}
NATIVE_NAMES = {"de": "Deutsch", "en": "English", "fr": "français", "es": "español",
                "it": "italiano"}  # fmt: skip

Table = Mapping[str, Sequence[str]]


def alternation(*tables: Table) -> str:
    """The fragments of `tables`, in order, joined as regex alternatives."""
    return "|".join(fragment for table in tables for entries in table.values() for fragment in entries)


def language_name(code: str) -> str:
    """The English name of a language, as the prompts use it."""
    return NAMES.get(code, "English")

# The lists, by topic; `from bot import lexicon as lx; lx.WHY` reads any of them.
from bot.lexicon.dates import *  # noqa: E402, F403
from bot.lexicon.display import *  # noqa: E402, F403
from bot.lexicon.figures import *  # noqa: E402, F403
from bot.lexicon.questions import *  # noqa: E402, F403
from bot.lexicon.replies import *  # noqa: E402, F403
from bot.lexicon.requests import *  # noqa: E402, F403
