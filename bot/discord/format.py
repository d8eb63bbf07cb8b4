"""What articlebot's Discord messages look like, cut to Discord's limits.

An answer becomes `Page`s: its text as message content (2,000 characters a
message), then its quotes as embed fields, one field per quote, named by
its number and document title (1,024 characters a field value, 25 fields and
6,000 characters an embed, 10 embeds and 6,000 characters a message). Longer
texts are split cleanly: at a paragraph, a line, a sentence or a space, never
inside a word or a `[n]` marker, never separating a marker from the word it
follows, and code fences are closed and reopened across a split. Only a
"word" longer than a whole message is cut, and then not inside a combining
sequence. Sizes are counted in UTF-16 code units, which is never less than
what Discord counts.

This module decides layout only: it sends nothing, knows no bot and imports
nothing else of `bot.discord`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from bot.citations import MARKER
from bot.lexicon import QUOTE_MARKS, SUPPORTED
from bot.results import Answer, QuoteHit

MESSAGE_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
TITLE_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBED_FIELDS_LIMIT = 25
MESSAGE_EMBEDS_LIMIT = 10
THREAD_NAME_LIMIT = 100

QUOTE_COLOUR = discord.Colour(0x4F6BED)
NO_MENTIONS = discord.AllowedMentions.none()
FENCE = "```"
_JOINERS = {"\u200d", "\u200c", "\u2060", "\ufe0e", "\ufe0f", "\u034f"}
_BREAKS = (re.compile(r"\n[ \t]*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…:;])\s"),
           re.compile(r"\s"))  # fmt: skip


@dataclass
class Page:
    """One Discord message: content, embeds, or both."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)

    def kwargs(self) -> dict:
        """Keyword arguments for send/edit; `allowed_mentions` is always none."""
        return {"content": self.content, "embeds": list(self.embeds),
                "allowed_mentions": NO_MENTIONS}  # fmt: skip


# -- sizes and splitting ---------------------------------------------------------------


def size(text: str) -> int:
    """Length as Discord may count it: UTF-16 code units (an emoji counts 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fit(text: str, limit: int) -> int:
    """The longest prefix of `text` (in code points) whose size is at most `limit`."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _breaks_marker(text: str, position: int) -> bool:
    """True when breaking at the whitespace at `position` would start a line with `[n]`."""
    rest = position
    while rest < len(text) and text[rest].isspace():
        rest += 1
    return MARKER.match(text, rest) is not None


def _break_at(text: str, end: int) -> int:
    """Where to cut `text` so the head is at most `end` code points: a clean break if any."""
    markers = [(m.start(), m.end()) for m in MARKER.finditer(text, 0, min(len(text), end + 40))]

    def clean(position: int) -> bool:
        return (bool(text[:position].strip()) and not _breaks_marker(text, position)
                and not any(start < position < stop for start, stop in markers))  # fmt: skip

    if end < len(text) and text[end].isspace() and clean(end):
        return end
    window = text[:end]
    for level, pattern in enumerate(_BREAKS):
        floor = end // 2 if level < len(_BREAKS) - 1 else 1
        for match in reversed(list(pattern.finditer(window))):
            if match.start() < floor:
                break
            if clean(match.start()):
                return match.start()
    return _hard_cut(text, end)


def _hard_cut(text: str, end: int) -> int:
    """A cut inside an over-long word: not in a marker, escape or combining sequence.

    It backs off at most half the window, so a long run of combining marks still moves on."""
    cut = max(1, end)
    for match in MARKER.finditer(text, max(0, cut - 20), min(len(text), cut + 20)):
        if match.start() < cut < match.end() and match.start() > end // 2:
            cut = match.start()
    floor = max(1, end // 2)
    while cut > floor and (
        unicodedata.combining(text[cut]) or text[cut] in _JOINERS
        or text[cut - 1] in _JOINERS or text[cut - 1] == "\\"
        or 0x1F3FB <= ord(text[cut]) <= 0x1F3FF  # skin-tone modifiers
    ):  # fmt: skip
        cut -= 1
    return cut


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` (Discord size), split cleanly; [] for blank text."""
    if limit < 16:
        raise ValueError("limit too small to split cleanly")
    text = text.strip()
    pieces: list[str] = []
    while text and size(text) > limit:
        reserve = len(FENCE) + 1 if FENCE in text else 0
        end = _fit(text, limit - reserve)
        cut = _break_at(text, end)
        head, tail = text[:cut].rstrip(), text[cut:].lstrip()
        if head.count(FENCE) % 2:
            head += "\n" + FENCE
            tail = f"{FENCE}\n{tail}" if tail else ""
        if not head.strip("`\n") or len(tail) >= len(text):
            head, tail = text[:end], text[end:]  # a clean cut would not move on: cut plainly
        if head.strip():
            pieces.append(head.strip())
        text = tail.lstrip()
    if text:
        pieces.append(text)
    return pieces


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word to fit `limit`, with "…" when anything was left out."""
    text = " ".join(text.split())
    if size(text) <= limit:
        return text
    head = text[: _fit(text, limit - 1)]
    if " " in head[len(head) // 2 :]:
        head = head[: head.rindex(" ")]
    return head.rstrip() + "…"


# -- languages -------------------------------------------------------------------------


def locale_language(locale: discord.Locale | str | None) -> str | None:
    """'de' for Locale.german, 'en' for en-US; None for languages articlebot does not speak."""
    if locale is None:
        return None
    code = str(getattr(locale, "value", locale))[:2].lower()
    return code if code in SUPPORTED else None


def ordinal(n: int) -> str:
    """English ordinals: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


# -- embeds and pages ------------------------------------------------------------------


def embed_size(embed: discord.Embed) -> int:
    parts = [embed.title or "", embed.description or "", embed.footer.text or "",
             embed.author.name or ""]  # fmt: skip
    for f in embed.fields:
        parts += [f.name or "", f.value or ""]
    return sum(size(p) for p in parts)


def field_group(name: str, text: str) -> list[tuple[str, str]]:
    """One quote as embed fields: a single field, or a few when it exceeds a field's limit."""
    name = shorten(name, FIELD_NAME_LIMIT - 2)
    values = split_text(text, FIELD_VALUE_LIMIT) or ["—"]
    return [(name if i == 0 else f"{name} …", value) for i, value in enumerate(values)]


def embeds_from_fields(
    groups: Sequence[list[tuple[str, str]]], *, title: str | None = None
) -> list[discord.Embed]:
    """Embeds holding the field groups in order; a group stays in one embed when it fits."""
    title = shorten(title, TITLE_LIMIT) if title else None
    embeds: list[discord.Embed] = []
    current = discord.Embed(title=title, colour=QUOTE_COLOUR)

    def room(embed: discord.Embed, fields: list[tuple[str, str]]) -> bool:
        extra = sum(size(n) + size(v) for n, v in fields)
        return (len(embed.fields) + len(fields) <= EMBED_FIELDS_LIMIT
                and embed_size(embed) + extra <= EMBED_TOTAL_LIMIT)  # fmt: skip

    for group in groups:
        if current.fields and not room(current, group):
            embeds.append(current)
            current = discord.Embed(colour=QUOTE_COLOUR)
        for name, value in group:
            if not room(current, [(name, value)]):  # a quote longer than a whole embed
                embeds.append(current)
                current = discord.Embed(colour=QUOTE_COLOUR)
            current.add_field(name=name, value=value, inline=False)
    if current.fields or current.description:
        embeds.append(current)
    return embeds


def embeds_from_lines(lines: Sequence[str], *, title: str | None = None) -> list[discord.Embed]:
    """Embeds whose descriptions hold the lines in order, split between lines."""
    title = shorten(title, TITLE_LIMIT) if title else None
    blocks: list[str] = []
    current = ""
    for line in lines:
        for piece in split_text(line, DESCRIPTION_LIMIT) or []:
            joined = f"{current}\n{piece}" if current else piece
            if size(joined) <= DESCRIPTION_LIMIT:
                current = joined
            else:
                blocks.append(current)
                current = piece
    if current:
        blocks.append(current)
    return [discord.Embed(title=title if i == 0 else None, description=block, colour=QUOTE_COLOUR)
            for i, block in enumerate(blocks)]  # fmt: skip


def paginate(text: str | None, embeds: Sequence[discord.Embed] = ()) -> list[Page]:
    """Text pages first; the embeds ride on the last text page, then on pages of their own."""
    pages = [Page(content=chunk) for chunk in split_text(text or "", MESSAGE_LIMIT)]
    pending = list(embeds)
    if not pages:
        pages.append(Page())
    page = pages[-1]
    while pending:
        embed = pending[0]
        used = sum(embed_size(e) for e in page.embeds)
        fits = (
            len(page.embeds) < MESSAGE_EMBEDS_LIMIT
            and used + embed_size(embed) <= EMBED_TOTAL_LIMIT
        )
        if fits or not page.embeds:
            page.embeds.append(pending.pop(0))
        else:
            page = Page()
            pages.append(page)
    if pages[0].content is None and not pages[0].embeds:
        pages[0].content = "…"
    return pages


def quote_text(quote: str, language: str) -> str:
    """A verbatim quote in the language's quotation marks; Markdown is escaped, not lost."""
    opening, closing = QUOTE_MARKS.get(language, QUOTE_MARKS["en"])
    return f"{opening}{discord.utils.escape_markdown(quote)}{closing}"


def answer_pages(answer: Answer) -> list[Page]:
    """The answer's text, then its cited quotes as an embed: quote and document title."""
    groups = [
        field_group(f"[{c.n}] {discord.utils.escape_markdown(c.title or c.doc_id)}",
                    quote_text(c.quote, answer.language))
        for c in answer.citations
    ]  # fmt: skip
    return paginate(answer.answer, embeds_from_fields(groups))


def quote_pages(hits: Sequence[QuoteHit], language: str, intro: str) -> list[Page]:
    groups = [
        field_group(f"[{i}] {discord.utils.escape_markdown(hit.title or hit.doc_id)}",
                    quote_text(hit.quote, language))
        for i, hit in enumerate(hits, 1)
    ]  # fmt: skip
    return paginate(intro, embeds_from_fields(groups))


def translation_pages(numbered: Sequence[tuple[int, str, str]], *, label: str) -> list[Page]:
    """Machine translations (n, title, text) under a label that says what they are."""
    groups = [field_group(f"[{n}] {discord.utils.escape_markdown(title)}",
                          discord.utils.escape_markdown(text))
              for n, title, text in numbered]  # fmt: skip
    return paginate(None, embeds_from_fields(groups, title=label))


def stream_preview(text: str) -> str:
    """What a message shows while an answer streams: at most one message's worth."""
    pieces = split_text(text, MESSAGE_LIMIT - 2)
    if not pieces:
        return "…"
    return pieces[0] + (" …" if len(pieces) > 1 else "")
