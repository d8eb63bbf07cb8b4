"""Discord layout: answers and quotes cut to Discord's limits, never mid-word or mid-citation."""

import re

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.results import Answer
from bot.citations import MARKER, Citation
from bot.discord.format import (
    DESCRIPTION_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    MESSAGE_EMBEDS_LIMIT,
    MESSAGE_LIMIT,
    Page,
    answer_pages,
    embed_size,
    embeds_from_lines,
    locale_language,
    ordinal,
    size,
    split_text,
    stream_preview,
)

TITLE = "Nordkorea: Truppen in Kursk"
WORDS = ("Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]. Die Soldaten wurden in "
         "Russland eingeäschert [2].")  # fmt: skip


def citation(n: int, quote: str, title: str = TITLE) -> Citation:
    return Citation(n, "nordkorea", quote, 0, len(quote), title, 1)


def answer(text: str, citations=()) -> Answer:
    return Answer.cited(question="q", language="de", text=text, citations=list(citations))


def words_of(pieces):
    return " ".join(pieces).split()


def check_page_limits(pages: list[Page]) -> None:
    for page in pages:
        assert page.content is None or 0 < size(page.content) <= MESSAGE_LIMIT
        assert len(page.embeds) <= MESSAGE_EMBEDS_LIMIT
        assert sum(embed_size(e) for e in page.embeds) <= EMBED_TOTAL_LIMIT
        for embed in page.embeds:
            assert len(embed.fields) <= EMBED_FIELDS_LIMIT
            assert size(embed.description or "") <= DESCRIPTION_LIMIT
            for f in embed.fields:
                assert size(f.name) <= 256 and 0 < size(f.value) <= FIELD_VALUE_LIMIT


def test_a_short_answer_is_one_message_with_its_quotes_as_an_embed():
    pages = answer_pages(answer("Es gab 600 Tote [1].", [citation(1, "darunter *600* Tote")]))
    assert [(p.content, [e.to_dict() for e in p.embeds]) for p in pages] == [(
        "Es gab 600 Tote [1].",
        [{"type": "rich", "color": 0x4F6BED, "flags": 0, "fields": [
            {"name": "[1] Nordkorea: Truppen in Kursk", "value": "„darunter \\*600\\* Tote“",
             "inline": False}]}],
    )]  # fmt: skip
    assert pages[0].kwargs()["allowed_mentions"].to_dict() == {"parse": []}


def test_the_message_limit_splits_between_words_and_keeps_markers_with_their_words():
    text = " ".join([WORDS] * 40)  # 4,239 characters
    pieces = split_text(text, MESSAGE_LIMIT)
    assert [len(p) for p in pieces] == [1963, 1957, 317]
    assert pieces[0].endswith("darunter 600 Tote [1].")  # at a sentence end, under 2,000
    assert pieces[1].startswith("Die Soldaten wurden")
    assert words_of(pieces) == text.split()
    for piece in pieces:
        assert not re.match(r"\s*\[\d+\]", piece)  # no piece starts with a dangling marker


def test_neither_the_space_before_a_marker_nor_one_inside_it_is_the_cut():
    text = "Wort " * 399 + "Ende [1] und mehr Text danach."
    assert text[1994:2003] == " Ende [1]"  # the last space under 2,000 is before "[1]"
    assert split_text(text, MESSAGE_LIMIT) == [
        "Wort " * 398 + "Wort",
        "Ende [1] und mehr Text danach.",
    ]
    inside = "Wort " * 399 + "[1, 2] Schluss."
    assert inside[1994:2001] == " [1, 2]"  # the last space under 2,000 is inside the marker
    assert split_text(inside, MESSAGE_LIMIT) == ["Wort " * 397 + "Wort", "Wort [1, 2] Schluss."]


def test_a_word_longer_than_a_message_is_cut_but_not_inside_a_marker():
    text = "x" * 1998 + "[12]" + "y" * 10  # the 2,000th character is inside the marker
    pieces = split_text(text, MESSAGE_LIMIT)
    assert pieces == ["x" * 1998, "[12]" + "y" * 10]


def test_emoji_count_double_and_a_zero_width_joiner_sequence_stays_whole():
    family = "👩\u200d👩\u200d👧"
    text = family * 400  # 2,000 code points, 3,600 UTF-16 units
    pieces = split_text(text, MESSAGE_LIMIT)
    assert all(size(p) <= MESSAGE_LIMIT for p in pieces)
    assert "".join(pieces) == text
    assert not pieces[0].endswith("\u200d") and not pieces[1].startswith("\u200d")


def test_code_fences_are_closed_and_reopened_across_a_split():
    text = "Vorher\n```\n" + "code line\n" * 300 + "```\nNachher"
    pieces = split_text(text, MESSAGE_LIMIT)
    assert len(pieces) == 2
    assert pieces[0].endswith("\n```") and pieces[1].startswith("```\n")
    assert all(p.count("```") % 2 == 0 for p in pieces)


@pytest.mark.parametrize(
    "text",
    ["```" + "\\" * 5000, "```\n" + "\u0301" * 5000, "```" * 2000, "\u200d" * 5000,
     "[1]" * 2000, "`" * 5000 + "```", "e" + "\u0301" * 4000 + " [1]"],
)  # fmt: skip
def test_pathological_runs_still_split_within_the_limit(text):
    pieces = split_text(text, MESSAGE_LIMIT)  # (once looped forever on "```" + backslashes)
    assert 0 < len(pieces) <= 2 * size(text) // MESSAGE_LIMIT + 2
    assert all(0 < size(p) <= MESSAGE_LIMIT for p in pieces)


def test_a_quote_longer_than_a_field_continues_in_a_second_field_of_the_same_embed():
    quote = " ".join(["Wort"] * 300)  # 1,499 characters
    pages = answer_pages(answer("Antwort [1].", [citation(1, quote)]))
    fields = [(f.name, len(f.value)) for f in pages[0].embeds[0].fields]
    assert fields == [("[1] Nordkorea: Truppen in Kursk", 1020),  # the last whole word
                      ("[1] Nordkorea: Truppen in Kursk …", 480)]  # fmt: skip
    values = [f.value for f in pages[0].embeds[0].fields]
    assert " ".join(values) == f"„{quote}“"  # nothing lost, no word cut


def test_quotes_beyond_six_thousand_characters_go_to_the_next_embed_whole():
    quotes = [citation(n, " ".join([f"z{n}"] * 330)) for n in range(1, 8)]  # ~1,000 each
    pages = answer_pages(answer("Viele Zitate [1][2][3][4][5][6][7].", quotes))
    check_page_limits(pages)
    layout = [[[f.name[:3] for f in e.fields] for e in p.embeds] for p in pages]
    assert layout == [[["[1]", "[2]", "[3]", "[4]", "[5]"]], [["[6]", "[7]"]]]


def test_twenty_six_quotes_need_a_second_embed():
    quotes = [citation(n, f"kurz {n}") for n in range(1, 27)]
    pages = answer_pages(answer("Viele.", quotes))
    assert [[len(e.fields) for e in p.embeds] for p in pages] == [[25, 1]]
    check_page_limits(pages)


def test_a_long_answer_spreads_over_messages_and_the_quotes_follow_the_last_text():
    text = " ".join([WORDS] * 45)
    pages = answer_pages(answer(text, [citation(1, "eins"), citation(2, "zwei")]))
    assert [(p.content is not None, len(p.embeds)) for p in pages] == [
        (True, 0),
        (True, 0),
        (True, 1),
    ]
    assert words_of([p.content for p in pages]) == text.split()


def test_descriptions_split_between_lines_at_4096():
    lines = [f"`doc-{i:03}` — " + "Titel " * 20 for i in range(60)]  # 131 characters each
    embeds = embeds_from_lines(lines, title="Dokumente")
    assert [len(e.description.splitlines()) for e in embeds] == [31, 29]  # 31 × 132 ≤ 4,096
    assert [size(e.description) for e in embeds] == [4091, 3827]
    assert [e.title for e in embeds] == ["Dokumente", None]


def test_streaming_shows_at_most_one_message():
    assert stream_preview("") == "…"
    preview = stream_preview(" ".join([WORDS] * 40))
    assert size(preview) <= MESSAGE_LIMIT and preview.endswith(" …")


def test_locales_and_ordinals():
    assert [locale_language(x) for x in (discord.Locale.german, discord.Locale.american_english,
                                          discord.Locale.spain_spanish, discord.Locale.japanese,
                                          None)] == ["de", "en", "es", None, None]  # fmt: skip
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]


# -- properties: any Unicode -----------------------------------------------------------------

NASTY = st.sampled_from([
    "@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>", "```", "`", "**",
    "\u202e", "\u200f", "\u200d", "\u0000", "\x1b[31m", "[1]", "[12]", "\n\n",
    "👩\u200d👩\u200d👧", "e\u0301", "\\",
])  # fmt: skip
TEXT = st.lists(st.one_of(st.text(min_size=1, max_size=40), NASTY,
                          st.text(alphabet="ab ", min_size=100, max_size=3000)),
                max_size=12).map("".join)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, limit=st.sampled_from([MESSAGE_LIMIT, FIELD_VALUE_LIMIT, DESCRIPTION_LIMIT, 40]))
def test_any_text_splits_within_the_limit_and_loses_no_word(text, limit):
    pieces = split_text(text, limit)
    assert all(0 < size(p) <= limit for p in pieces)
    joined = "".join(p.replace("\n```", "").replace("```\n", "") for p in pieces)
    original = text.strip().replace("\n```", "").replace("```\n", "")
    assert re.sub(r"\s+", "", joined).replace("`", "") == re.sub(r"\s+", "", original).replace(
        "`", ""
    )
    markers = [m.group() for m in MARKER.finditer(text)]
    assert [m.group() for p in pieces for m in MARKER.finditer(p)] == markers  # none cut


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=["`", "\\", "\u0301", "\u200d", " ", "\n", "[", "1", "]", "a", "👩"],
                 max_size=6000),
    limit=st.sampled_from([MESSAGE_LIMIT, FIELD_VALUE_LIMIT, 40]),
)  # fmt: skip
def test_runs_of_fences_escapes_and_joiners_always_split_within_the_limit(text, limit):
    pieces = split_text(text, limit)
    assert all(0 < size(p) <= limit for p in pieces)
    assert len(pieces) <= 3 * size(text) // limit + 2  # every round moves on


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT.filter(lambda t: t.strip()),
    quotes=st.lists(TEXT.filter(lambda t: t.strip()), max_size=6),
)
def test_any_answer_renders_within_discords_limits_and_pings_nobody(text, quotes):
    pages = answer_pages(
        answer(text, [citation(n, q, title=q[:300]) for n, q in enumerate(quotes, 1)])
    )
    check_page_limits(pages)
    assert all(p.kwargs()["allowed_mentions"].to_dict() == {"parse": []}
               for p in pages)  # fmt: skip
