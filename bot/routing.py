"""What kind of request a message is, and what kind of question: by rule, not by a model.

`route` sends a message to a summary, an exact quote, a question, or a decline (a task
articlebot does not do). The question classifiers (`is_why_question`,
`asks_how_many`, `asked_measure`, `asks_two_things`, `negates`, `months_named`) feed the
answering rules. Rules are instant, deterministic and testable, and a wrong route is
cheap (a summary request routed as a question still gets a cited answer).

The words come from `bot.lexicon`; this module only compiles and applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import lexicon as lx
from bot.lexicon import alternation

_I = re.IGNORECASE


def _words(*tables: lx.Table) -> str:
    return alternation(*tables)


_SUMMARY = re.compile(rf"\b({_words(lx.SUMMARY)})\b", _I)
_SUMMARY_IN = {lang: re.compile(rf"\b({'|'.join(lx.SUMMARY['any'] + lx.SUMMARY.get(lang, ()))})\b", _I)
               for lang in lx.SUPPORTED}  # fmt: skip
_QUOTE = re.compile(rf"\b({_words(lx.QUOTE_REQUEST)})\b", _I)
_TO_ASSISTANT = re.compile(_words(lx.ADDRESSED_TO_ASSISTANT), _I | re.MULTILINE)
_OFF_TASK = re.compile(_words(lx.OFF_TASK), _I)
_QUOTE_WORDS = re.compile(
    rf"\b(({_words(lx.QUOTE_TOPIC_PREPOSITIONS)})\s+(?=\w)|{_words(lx.QUOTE_FILLER)})\b", _I
)
_FOCUS = re.compile(rf"\b({_words(lx.FOCUS_PREPOSITIONS)})\s+(.+)$", _I)
_FOCUS_VERB = re.compile(rf"\s+({_words(lx.FOCUS_REPORTING_VERBS)})$")
_GENERIC_FOCUS = re.compile(
    rf"^({'|'.join(lx.ARTICLE_WORDS['determiners'])})?({'|'.join(lx.ARTICLE_WORDS['whole'])})?"
    rf"({'|'.join(lx.ARTICLE_WORDS['articles'])})s?\W*$",
    _I,
)


@dataclass(frozen=True)
class Route:
    kind: str  # "ask", "summary", "quote" or "off_task"
    query: str  # what to search for
    focus: str | None = None  # summaries only


def route(question: str, language: str | None = None) -> Route:
    """What `question` asks for. Summary words are those of its `language` when given
    (English "resume" is not French "résume"), of every language otherwise."""
    if _TO_ASSISTANT.search(question) or _OFF_TASK.search(question):
        return Route("off_task", question)
    if _SUMMARY_IN.get(language, _SUMMARY).search(question):
        return Route("summary", question, focus=summary_focus(question))
    if _QUOTE.search(question):
        return Route("quote", quote_query(question))
    return Route("ask", question)


def is_injection(text: str) -> bool:
    """Whether `text` is addressed to an assistant rather than to a reader (a passage of
    that kind is never put before the model)."""
    return bool(_TO_ASSISTANT.search(text))


def quote_query(question: str) -> str:
    """The topic of a quote request: instruction words removed, for retrieval."""
    stripped = _QUOTE.sub(" ", question)
    stripped = _QUOTE_WORDS.sub(" ", stripped)
    stripped = re.sub(r"\s+", " ", stripped).strip(" .,:;!?")
    return stripped if len(stripped) >= 3 else question


def summary_focus(question: str) -> str | None:
    """ "Summarise what it says about Kursk" -> "Kursk"; a plain summary request -> None."""
    match = _FOCUS.search(question)
    if not match:
        return None
    focus = match.group(2).strip(" .?!:;\"'")
    focus = _FOCUS_VERB.sub("", focus)
    if not focus or _GENERIC_FOCUS.match(focus) or _SUMMARY.search(focus):
        return None
    return focus


# -- measures: money and age -------------------------------------------------------------

_ASKED_MEASURE = {
    "money": re.compile(
        rf"\b({'|'.join(lx.ASKS_MONEY['how_much'])})\b.{{0,60}}({'|'.join(lx.ASKS_MONEY['money_words'])})|"
        + "|".join(lx.ASKS_MONEY["en"] + lx.ASKS_MONEY["de"] + lx.ASKS_MONEY["fr"]),
        _I,
    ),
    "age": re.compile(rf"\b({_words(lx.ASKS_AGE)})", _I),
}
_MEASURE_VALUE = {
    "money": re.compile(_words(lx.MONEY_WORDS), _I),
    "age": re.compile("|".join(lx.AGE_WORDS), _I),
}


# The quantity named right after "how much": English by the word itself, German by a noun
# (capitalised), French by "combien de …".
_HOW_MUCH_THING = (
    re.compile(r"\bhow much\s+([^\W\d_]+)", _I),
    re.compile(r"\b[Ww]ie ?viel\s+([A-ZÄÖÜ][^\W\d_]*)"),
    re.compile(r"\bcombien\s+(?:de\s+|d['’])([^\W\d_]+)", _I),
)
_MONEY_NOUNS = {word for words in lx.HOW_MUCH_OPEN.values() for word in words}


def asked_measure(question: str) -> str | None:
    """ "money" or "age" when the question asks for that measure, else None. "How much
    time …" asks for another quantity, not money."""
    for measure, pattern in _ASKED_MEASURE.items():
        if pattern.search(question):
            if measure == "money" and _names_other_quantity(question):
                continue
            return measure
    return None


def _names_other_quantity(question: str) -> bool:
    """ "How much time …", "Wie viel Zeit …", "Combien de temps …": a quantity other than
    money is named right after "how much"."""
    for pattern in _HOW_MUCH_THING:
        match = pattern.search(question)
        if match and match.group(1).lower() not in _MONEY_NOUNS:
            return True
    return False


def states_measure(text: str, measure: str) -> bool:
    """Whether `text` writes a value of `measure` (a currency, an age)."""
    return bool(_MEASURE_VALUE[measure].search(text))


# -- kinds of question -----------------------------------------------------------------------

_WHY = re.compile(
    rf"(^\W*(({'|'.join(lx.WHY['lead'])})\s+)?|\b({'|'.join(lx.WHY['ask'])}),?\s+)"
    rf"({'|'.join(lx.WHY['en'] + lx.WHY['de'] + lx.WHY['fr'] + lx.WHY['es'] + lx.WHY['it'])})\b",
    _I,
)


def is_why_question(question: str) -> bool:
    """ "Why …?", "Und warum?", "Explique-moi pourquoi …": the question asks for a cause."""
    return bool(_WHY.search(question))


_YES_NO = {lang: re.compile(rf"^\W*({'|'.join(openers)})(?=[\s,]|$)", _I)
           for lang, openers in lx.YES_NO_OPENERS.items()}  # fmt: skip


# Every question word of a language: "wer", "wohin", "lequel", "whose" …
_ALL_QUESTION_WORDS = {lang: "|".join(lx.QUESTION_WORDS[lang] + words)
                       for lang, words in lx.OPEN_QUESTION_WORDS.items()}  # fmt: skip
_OPEN_WORDS = {lang: re.compile(rf"\b({words})\b", _I)
               for lang, words in _ALL_QUESTION_WORDS.items()}  # fmt: skip
_REQUEST_OPENER = {lang: re.compile(rf"^\W*({'|'.join(openers)})\b", _I)
                   for lang, openers in lx.REQUEST_OPENERS.items()}  # fmt: skip


def is_yes_no_question(question: str, language: str) -> bool:
    """ "Did Zelensky agree …?", "Hat Putin …?", "Est-ce que …?": a yes/no question, by the
    openers of the question's language ("Was kostet das?" is not one in German); or, in
    English, German and French, a question typed without an opener ("le suspect a avoué
    ?", "Kommt Rose Tyler zurück?", see `asks_without_question_word`)."""
    pattern = _YES_NO.get(language)
    return bool(pattern and pattern.search(question)) or asks_without_question_word(question, language)


def asks_without_question_word(question: str, language: str) -> bool:
    """A question mark, two words or more, and no question word, how-many, why, request
    opener or measure asked: "le suspect a avoué ?", "Kommt sie zurück?", "strike over?".
    Not "Kim Jong Un's age?" (a measure), "Name one way …?" (a request) or "Kursk?" (one
    word: too short to tell)."""
    words = _OPEN_WORDS.get(language)
    if words is None or not question.rstrip().endswith("?") or len(re.findall(r"\w+", question)) < 2:
        return False
    if words.search(question) or _HOW_MANY.search(question) or is_why_question(question):
        return False
    return not _REQUEST_OPENER[language].search(question) and asked_measure(question) is None


_HOW_MANY = re.compile(rf"\b({_words(lx.HOW_MANY)})\b", _I)
_HOW_MANY_COUNTED = re.compile(rf"\b({_words(lx.HOW_MANY_COUNTED)})\b", _I)


def asks_how_many(question: str) -> bool:
    """Whether any part of the question asks how many (or how much)."""
    return bool(_HOW_MANY.search(question))


def asks_to_count(question: str) -> bool:
    """Whether the question counts things ("How many soldiers …?"), not a measure."""
    return bool(_HOW_MANY_COUNTED.search(question))


_SECOND_QUESTION = re.compile(
    rf",?\s+\b({_words(lx.CONJUNCTIONS)})\s+({_words(lx.QUESTION_WORDS)})\b", _I
)


# What makes the words before "and who …" a question of their own: a question word of the
# question's language at its start (after at most one word: "In welchem Jahr …"), or a
# yes/no opener (`_YES_NO`).
_LEADS_WITH_QUESTION_WORD = {lang: re.compile(rf"^\W*(\w+\s+)?({words})\b", _I)
                             for lang, words in _ALL_QUESTION_WORDS.items()}  # fmt: skip


def _asks_on_its_own(words: str, language: str | None) -> bool:
    leads = _LEADS_WITH_QUESTION_WORD.get(language or "")
    opens = _YES_NO.get(language or "")
    if leads is None or opens is None:  # no lists for this language: as before, a question
        return True
    return bool(leads.search(words) or opens.search(words))


def _second_question(question: str, language: str | None) -> re.Match | None:
    """Where a second question is joined to the first ("…, and who disputes it?"): after
    a comma, or when the words before it ask a question of their own. A question word
    after "and" inside one question is not a second one: "Goldenson proposed a merger
    between UPT and what network?" asks one thing."""
    for joined in _SECOND_QUESTION.finditer(question):
        if joined.group().startswith(",") or _asks_on_its_own(question[: joined.start()], language):
            return joined
    return None


def asks_two_things(question: str, language: str | None = None) -> bool:
    """ "Who announced it, and who disputes it?": a second question joined to the first.
    `language` is the question's; without it, every "and" + question word counts."""
    return _second_question(question, language) is not None


def two_questions(question: str, language: str | None = None) -> list[str]:
    """A two-part question as its two questions, each ending as the whole one does:
    "Who announced it, and who disputes it?" → "Who announced it?", "Who disputes it?".
    Any other question: itself alone."""
    joined = _second_question(question, language)
    if not joined:
        return [question]
    end = re.search(r"\s*[?？!.]*\s*$", question).group().rstrip()  # " ?" in French
    first = question[: joined.start()].rstrip(" ,;:")
    second = question[joined.start(2):].rstrip(" ?？!.")
    if not first.strip() or not second:
        return [question]
    return [f"{first}{end}", f"{second[:1].upper()}{second[1:]}{end}"]


_NEGATION = re.compile(rf"\b({_words(lx.NEGATIONS)})\b|n['’]t\b|\bn['’]", _I)


def negates(question: str) -> bool:
    """ "Why did the NIS say no soldiers had died?": the question denies something."""
    return bool(_NEGATION.search(question))


_ASKS_SOURCE = re.compile(
    rf"^\W*(({'|'.join(lx.WHY['lead'])})\s+)?({'|'.join(lx.ASKS_SOURCE['opener'])})\b"
    rf"|\b({'|'.join(lx.ASKS_SOURCE['anywhere'])})\b",
    _I,
)


def asks_source(question: str) -> bool:
    """ "Who …?", "Laut wem …?", "Which agency reported …?": the question asks who said or
    reported something, so a source is its answer."""
    return bool(_ASKS_SOURCE.search(question))


# -- dates ------------------------------------------------------------------------------------

_ASKS_WHEN = re.compile(_words(lx.ASKS_WHEN), _I)
_DATE_WORD = {word for words in lx.DATE_WORDS.values() for word in words}


def asks_when(question: str) -> bool:
    """ "When …?", "In welchem Jahr …?", "Depuis quand …?": the question asks for a date."""
    return bool(_ASKS_WHEN.search(question))


def states_date(text: str) -> bool:
    """Whether `text` writes a date or a time: a year, a month, a day, a time of day, or a
    word that places it in time ("yesterday", "im Sommer", "il y a")."""
    if months_named(text) or re.search(r"\b(1\d{3}|20\d{2})s?\b|\b\d{1,2}[.:h]\d{2}\b|\d{1,2}\.\d{1,2}\.", text):
        return True
    words = re.findall(r"[^\W\d_]+(?:['’.][^\W\d_]+)*\.?", text.lower())
    return any(word in _DATE_WORD or word.rstrip(".") in _DATE_WORD for word in words)


_MONTH_OF = {name: n for n, names in enumerate(lx.MONTHS, start=1) for name in names}
_DATED_BEFORE = re.compile(rf"(\d\.?\s*|\b({'|'.join(lx.DATE_PREPOSITIONS)})\s+)$")


def months_named(text: str) -> set[int]:
    """The months (1-12) that `text` names, in any of the languages articlebot answers in."""
    found = set()
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group().lower()
        month = _MONTH_OF.get(word)
        if month is None:
            continue
        if word in lx.AMBIGUOUS_MONTHS and not _dated_context(text, match.start(), match.end()):
            continue
        found.add(month)
    return found


def _dated_context(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12) : start].lower()
    after = text[end : end + 6]
    return bool(_DATED_BEFORE.search(before) or re.match(r"\s*\d{4}\b", after))


def dated_elsewhere(question: str, passage: str) -> bool:
    """Whether `passage` names a month that `question` does not: its figure is from
    another time than the one asked about."""
    return bool(months_named(passage) - months_named(question))
