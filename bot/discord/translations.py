"""The German localisations of articlebot's command names, descriptions and option names.

Commands are declared with English `locale_str`s; Discord shows a German client
`/frage`, `/zusammenfassung` and so on from this table, through the command tree's
`ArticlebotTranslator`. The messages the bot sends are not here: they come from
`prompts/messages.toml`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str

GERMAN = {
    # /ask
    "ask": "frage",
    "Answer a question about the articles, with word-for-word quotes.":
        "Beantwortet eine Frage zu den Artikeln, mit wörtlichen Zitaten.",
    "question": "frage",
    "Your question, in any language.": "Deine Frage, in jeder Sprache.",
    "document": "dokument",
    "Only use this document (see /sources).": "Nur dieses Dokument verwenden (siehe /quellen).",
    # /summary
    "summary": "zusammenfassung",
    "Summarise the articles, or only what they say about a focus.":
        "Fasst die Artikel zusammen, oder nur, was sie zu einem Thema sagen.",
    "language": "sprache",
    "Language of the summary.": "Sprache der Zusammenfassung.",
    "focus": "fokus",
    "Only what the articles say about this, e.g. Kursk.":
        "Nur, was die Artikel dazu sagen, z. B. Kursk.",
    # /quote
    "quote": "zitat",
    "The best passages word for word, instantly (no AI model).":
        "Die passendsten Stellen wörtlich, sofort (ohne KI-Modell).",
    "query": "suche",
    "What the passage is about.": "Worum es in der Stelle geht.",
    # /sources, /help
    "sources": "quellen",
    "List the ingested documents.": "Listet die eingelesenen Dokumente auf.",
    "help": "hilfe",
    "How to use articlebot.": "So benutzt du articlebot.",
    # admins
    "ingest": "einlesen",
    "Admins: add a document from an attached .txt, .md or .html file.":
        "Admins: ein Dokument aus einer angehängten .txt-, .md- oder .html-Datei hinzufügen.",
    "file": "datei",
    "The document to add.": "Das Dokument, das hinzugefügt wird.",
    "remove": "entfernen",
    "Admins: remove a document.": "Admins: ein Dokument entfernen.",
    "The document to remove (see /sources).": "Das Dokument, das entfernt wird (siehe /quellen).",
    # context menu
    "Ask articlebot about this": "articlebot dazu fragen",
}  # fmt: skip
TRANSLATIONS: dict[discord.Locale, dict[str, str]] = {discord.Locale.german: GERMAN}


class ArticlebotTranslator(app_commands.Translator):
    """Command names, descriptions and option names: English, with German localisations."""

    def __init__(self, table: dict[discord.Locale, dict[str, str]] | None = None) -> None:
        self.table = TRANSLATIONS if table is None else table

    async def translate(self, string: locale_str, locale: discord.Locale, context) -> str | None:
        return self.table.get(locale, {}).get(string.message)
