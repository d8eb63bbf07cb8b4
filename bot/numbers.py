"""Figures in text: find, normalise and compare them, and tell what each one counts.

Everything about numbers lives here: the pattern of a written figure ("4.700",
"4,700", "10 000", "3,5"), number words ("drei", "twelve"), normalising them so
"4.700", "4,700" and "4700" compare equal, ranges ("10.000 bis 12.000" is one figure),
the clause a figure belongs to (what it counts), and units of measured quantities.

What this module does not do: decide whether an answer is right. `bot.checks` and the
rules use these functions for that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import lexicon as lx
from bot.citations import strip_markers

# A grouped number keeps one separator throughout ("4.700", "10 000"), so "4.700 600" is two.
NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?P<sep>[.,\u202f\u00a0 ])\d{3}(?:(?P=sep)\d{3})*(?![\d])"
    r"|(?<![\w])\d+(?:[.,]\d+)?"
)
NUMBER_WORDS = {word: value for table in lx.NUMBER_WORDS.values() for word, value in table.items()}


def normalise_number(raw: str) -> str:
    """ "4.700", "4,700", "4 700" -> "4700"; "3,5" -> "3.5"."""
    digits = raw.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        return digits.replace(".", "").replace(",", "")
    return digits.replace(",", ".")


def numbers(text: str, *, words: bool = True) -> set[str]:
    """Figures in `text`, normalised: {"4700", "600", "3.5"}; number words included.
    `[n]` citation markers are not figures."""
    text = strip_markers(text)
    found = {normalise_number(m.group(0)) for m in NUMBER.finditer(text)}
    if not words:
        return found
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        if word in NUMBER_WORDS:
            found.add(str(NUMBER_WORDS[word]))
    return found


def unsupported_numbers(answer: str, sources: Sequence[str], question: str = "") -> set[str]:
    """Figures written in digits in `answer` that appear in none of `sources` nor in the
    question (number words may paraphrase, so they are not checked)."""
    allowed = numbers(question)
    for source in sources:
        allowed |= numbers(source)
    wanted = {normalise_number(raw.group(0)) for raw in NUMBER.finditer(strip_markers(answer))}
    return wanted - allowed


def fix_number_spacing(text: str) -> str:
    """Undoes a tokenizer artefact of small models: "10, 000" -> "10,000", "4. 700" -> "4.700"."""
    return re.sub(r"(?<!\d)(\d{1,3})([.,]) (\d{3})(?!\d)", r"\1\2\3", text)


# -- what a figure counts --------------------------------------------------------------------

_RANGE = re.compile(rf"\s*({'|'.join(re.escape(w) for ws in lx.RANGE_WORDS.values() for w in ws)})\s*")


def figure_spans(text: str) -> list[list[int]]:
    """[start, end] of each figure, a range counted as one."""
    spans: list[list[int]] = []
    for match in NUMBER.finditer(text):
        if spans and _RANGE.fullmatch(text, spans[-1][1], match.start()):
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    return spans


def figure_clauses(text: str) -> list[tuple[str, str]]:
    """Each figure of `text` as written, with the words after it up to the next figure or
    punctuation: what it counts. A range ("10.000 bis 12.000") is one figure.
    "… 300 nordkoreanische Soldaten getötet und weitere 2.700 verwundet wurden." ->
    [("300", "nordkoreanische Soldaten getötet und weitere"), ("2.700", "verwundet wurden")]."""
    spans = figure_spans(text)
    clauses = []
    for i, (start, end) in enumerate(spans):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        clause = re.split(r"[,;:.!?()–](?!\d)|\s-\s", text[end:stop])[0]
        clauses.append((text[start:end], clause.strip()))
    return clauses


_UNIT = "|".join(lx.UNITS)
_UNIT_AFTER = re.compile(rf"\s*({_UNIT})", re.IGNORECASE)
_UNIT_WORD = re.compile(rf"(?<!\w)({_UNIT})", re.IGNORECASE)


def names_unit(text: str) -> bool:
    """Whether `text` names a unit of measure ("square kilometres", "euros", "€")."""
    return bool(_UNIT_WORD.search(text))


def only_measures(text: str) -> bool:
    """Whether `text` has figures and every one is a measured quantity ("1,000 square
    kilometres", "€ 3"), not a count."""
    found = figure_spans(text)
    return bool(found) and all(
        _UNIT_AFTER.match(text, end) or re.search(r"[€$£]\s*$", text[:start]) for start, end in found
    )
