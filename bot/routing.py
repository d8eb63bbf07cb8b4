"""What kind of request a message is: a question, a summary, an exact quote, or a task
articlebot does not do.

Rules, not a model: they are instant, deterministic and testable, and a wrong
route is cheap (a summary request routed as a question still gets a cited
answer). The patterns cover the languages articlebot answers in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SUMMARY = re.compile(
    r"\b(summar(y|ies|i[sz]e|i[sz]ing)|sum (it )?up|tl;?dr|overview|gist|main points|"
    r"what is (the article|it) about|what's (the article|it) about|"
    r"zusammenfass\w*|fass\w* .*zusammen|überblick|kernaussage\w*|worum geht|"
    r"résum\w*|resum\w*|de quoi parle|riassun\w*|sintesi|riepilog\w*)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(
    r"\b(quote|quotation|verbatim|word for word|word-for-word|exact (words|wording|sentence)|"
    r"zitier\w*|zitat\w*|wörtlich\w*|wortwörtlich\w*|wortlaut|"
    r"cit(e|er|ez|ation)|mot pour mot|textuellement|"
    r"cita\w*|textual\w*|testual\w*|letteral\w*)\b",
    re.IGNORECASE,
)
_INJECTION = re.compile(
    r"(ignore|disregard|forget|override|bypass)\s+(all\s+|any\s+|the\s+|your\s+|my\s+|previous\s+|"
    r"prior\s+|above\s+|earlier\s+|system\s+)*(instructions?|rules|prompts?|guidelines|constraints)|"
    r"system\s*(override|prompt)|\byou are now\b|\bfrom now on,? you\b|\bact as (if you|my|an? ai)\b|"
    r"\bpretend (to be|you)\b|\brole-?play\b|\bjailbreak\b|\bdeveloper mode\b|"
    r"\b(write|tell|compose|sing|generate|make up)\s+(me\s+|us\s+)?(a|an|some|another)?\s*"
    r"(\w+\s+)?(poem|joke|song|story|limerick|haiku|essay|code|script|rap)s?\b|"
    r"ignorier\w*\s+(alle\s+|deine\s+|die\s+|vorherigen\s+|bisherigen\s+)*(anweisung|regel|instruktion)|"
    r"vergiss\s+(alle\s+|deine\s+|die\s+)*(anweisung|regel)|\bdu bist (jetzt|nun|ab sofort)\b|"
    r"\b(schreib|dicht|erzähl)\w*\s+(mir\s+|uns\s+)?(ein|einen|eine)\s+(\w+\s+)?(gedicht|witz|lied|geschichte)|"
    r"ignore[rz]?\s+(toutes?\s+|tes\s+|vos\s+|les\s+)*(instructions|règles|consignes)|"
    r"\btu es (maintenant|désormais)\b|oublie\w*\s+(toutes?\s+|tes\s+|vos\s+|les\s+)*(instructions|règles)|"
    r"\b(follow|obey|execute|carry out|do what)\b.{0,40}\b(instructions?|notice|commands?|"
    r"says? to do)\b|\breply (only )?with the word\b|"
    r"<\|im_start\|>|\[/?INST\]|^\s*(system|assistant)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_WORDS = re.compile(
    r"\b(please|bitte|s'il (te|vous) plaît|give me|gib mir|show me|zeig\w* mir|"
    r"the (exact )?(sentence|passage|line)|den satz|die stelle|la phrase|"
    r"(about|on|über|zu|sur|de|à propos de)\s+(?=\w)|from the article|aus dem artikel|de l'article|"
    r"im artikel|in the article)\b",
    re.IGNORECASE,
)
_FOCUS = re.compile(
    r"\b(about|on|regarding|concerning|über|zu|zum|zur|bezüglich|sur|concernant|su|sobre)\s+(.+)$",
    re.IGNORECASE,
)
_GENERIC_FOCUS = re.compile(
    r"^(the |this |den |die |das |dem |l'|le |la |il |el )?(whole |ganzen |gesamten )?"
    r"(article|artikel|text|story|news|bericht|nachricht|texte|articolo|artículo)s?\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Route:
    kind: str  # "ask", "summary", "quote" or "off_task"
    query: str  # what to search for
    focus: str | None = None  # summaries only


def route(question: str) -> Route:
    if _INJECTION.search(question):
        return Route("off_task", question)
    if _SUMMARY.search(question):
        return Route("summary", question, focus=summary_focus(question))
    if _QUOTE.search(question):
        return Route("quote", quote_query(question))
    return Route("ask", question)


def is_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))


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
    focus = re.sub(r"\s+(sagt|schreibt|berichtet|says|writes|reports|dit|écrit)$", "", focus)
    if not focus or _GENERIC_FOCUS.match(focus) or _SUMMARY.search(focus):
        return None
    return focus


# Questions that ask for a value of one measure, and how a passage writes such a value.
# A passage without any value of the asked measure cannot answer the question, whatever
# other figures it holds ("How much did Russia pay?" is not answered by a troop count).
_ASKED_MEASURE = {
    "money": re.compile(
        r"\b(how much|wie ?viel|combien)\b.{0,60}(money|\bpa(y|id)|\bcost|spen[dt]|earn|geld|"
        r"zahl|kost|verdien|argent|pay[ée]|co[uû]t)|"
        r"\b(what|which) (was|is|were|are) the (cost|price|payment|salary|wages?)\b|"
        r"\bwas kostet|\b(quel|quelle) (est|était) le (prix|coût|salaire)\b",
        re.IGNORECASE,
    ),
    "age": re.compile(
        r"\b(how old|what age|(his|her|their|'s) age\b|age of\b|wie alt|(sein|ihr)\w* alter\b|"
        r"quel âge|âge de\b)",
        re.IGNORECASE,
    ),
}
_MEASURE_VALUE = {
    "money": re.compile(
        r"[€$£¥₩₽]|\b(euros?|dollars?|usd|eur|pounds?|won|rubel\w*|roubles?|rubles?|yuan|"
        r"franken|francs?|sold|lohn|löhne|gehalt|salary|wages?|bezahl\w*|gezahlt|paid|payé)\b",
        re.IGNORECASE,
    ),
    "age": re.compile(
        r"\b(\d+|ein|zwei|drei)[- ]?(jährig\w*|years? old|year-old|ans)\b|\bjahre alt\b|"
        r"\b(alter|age|âge) (von|of|de) \d+|\bgeboren\b|\bborn\b|\bné\w*\b",
        re.IGNORECASE,
    ),
}


def asked_measure(question: str) -> str | None:
    """ "money" or "age" when the question asks for that measure, else None."""
    for measure, pattern in _ASKED_MEASURE.items():
        if pattern.search(question):
            return measure
    return None


def states_measure(text: str, measure: str) -> bool:
    """Whether `text` writes a value of `measure` (a currency, an age)."""
    return bool(_MEASURE_VALUE[measure].search(text))


_WHY = re.compile(
    r"(^\W*((and|so|but|und|aber|also|et|mais|alors)\s+)?|\b(tell me|explain|sag mir|erklär\w*( mir)?|"
    r"dis-moi|explique\w*(-moi)?),?\s+)(why|how come|for what reason|warum|wieso|weshalb|weswegen|"
    r"aus welchem grund|pourquoi|pour quelle raison|por ?qu[eé]|perch[eé])\b",
    re.IGNORECASE,
)


def is_why_question(question: str) -> bool:
    """ "Why …?", "Und warum?", "Explique-moi pourquoi …": the question asks for a cause."""
    return bool(_WHY.search(question))


_HOW_MANY = re.compile(
    r"\b(how many|how much|wie ?viele?|combien|cu[aá]nt[oa]s?|quant[ieoa])\b", re.IGNORECASE
)


def asks_how_many(question: str) -> bool:
    """Whether any part of the question asks how many (or how much)."""
    return bool(_HOW_MANY.search(question))


# "How many" of things that are counted, not "how much" or "how large".
_HOW_MANY_COUNTED = re.compile(
    r"\b(how many|wie ?viele|combien de|cu[aá]nt[oa]s|quant[ie])\b", re.IGNORECASE
)


def asks_to_count(question: str) -> bool:
    """Whether the question counts things ("How many soldiers …?"), not a measure."""
    return bool(_HOW_MANY_COUNTED.search(question))


_MONTHS = [
    ("januar", "january", "janvier", "jänner", "gennaio", "enero"),
    ("februar", "february", "février", "febbraio", "febrero"),
    ("märz", "march", "mars", "marzo"),
    ("april", "avril", "aprile", "abril"),
    ("mai", "may", "maggio", "mayo"),
    ("juni", "june", "juin", "giugno", "junio"),
    ("juli", "july", "juillet", "luglio", "julio"),
    ("august", "août", "agosto"),
    ("september", "septembre", "settembre", "septiembre"),
    ("oktober", "october", "octobre", "ottobre", "octubre"),
    ("november", "novembre", "noviembre"),
    ("dezember", "december", "décembre", "dicembre", "diciembre"),
]
_MONTH_OF = {name: n for n, names in enumerate(_MONTHS, start=1) for name in names}
# "May" and "Mai" are also a verb and a name; as a month they follow a day or precede a year
# ("2 May", "May 2024", "im Mai"), which is all a news sentence needs.
_AMBIGUOUS_MONTHS = {"may", "mai", "march", "marzo"}


def months_named(text: str) -> set[int]:
    """The months (1-12) that `text` names, in any of the languages articlebot answers in."""
    found = set()
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group().lower()
        month = _MONTH_OF.get(word)
        if month is None:
            continue
        if word in _AMBIGUOUS_MONTHS and not _dated_context(text, match.start(), match.end()):
            continue
        found.add(month)
    return found


def _dated_context(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12) : start].lower()
    after = text[end : end + 6]
    return bool(re.search(r"(\d\.?\s*|\b(in|im|am|seit|bis|en|of|since|until|von|ab|de|a|di)\s+)$", before)
                or re.match(r"\s*\d{4}\b", after))  # fmt: skip


def dated_elsewhere(question: str, passage: str) -> bool:
    """Whether `passage` names a month that `question` does not: its figure is from
    another time than the one asked about."""
    return bool(months_named(passage) - months_named(question))


_SECOND_QUESTION = re.compile(
    r",?\s+\b(and|und|et|y|e)\s+(who|whom|what|when|where|which|why|how|wer|wen|wem|was|wann|wo|"
    r"welche\w*|warum|wie|qui|que|quoi|quand|où|quel\w*|comment|combien|pourquoi)\b",
    re.IGNORECASE,
)


def asks_two_things(question: str) -> bool:
    """ "Who announced it, and who disputes it?": a second question joined to the first."""
    return bool(_SECOND_QUESTION.search(question))


_NEGATION = re.compile(
    r"\b(no|not|never|none|nobody|nothing|kein\w*|nicht|nie|niemals|niemand|nichts|"
    r"ne|aucune?|jamais|personne|rien)\b|n['’]t\b|\bn['’]",
    re.IGNORECASE,
)


def negates(question: str) -> bool:
    """ "Why did the NIS say no soldiers had died?": the question denies something."""
    return bool(_NEGATION.search(question))
