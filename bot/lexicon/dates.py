"""Dates and times: questions asking when, and how a text writes a date."""

from __future__ import annotations

# -- dates -----------------------------------------------------------------------------

# Questions that ask when: the answer must hold a date or a time.
ASKS_WHEN = {
    "en": (r"\bwhen\b", r"\b(what|which) (year|date|day|month|time|century)\b", r"\bsince when\b",
           r"\bhow long ago\b", r"\bby when\b", r"\buntil when\b"),
    "de": (r"\bwann\b", r"\b(in |an |um )?welche[mnrs]? (jahr|datum|tag|monat|uhrzeit|jahrhundert)\b",
           r"\bum wie ?viel uhr\b"),
    "fr": (r"\bquand\b", r"\b(en |à )?quel(le)? (année|date|jour|mois|heure|siècle)\b",
           r"\bdepuis quand\b", r"\bjusqu['’]à quand\b"),
}  # fmt: skip
# How a text writes a date or a time (besides month names and figures such as years).
DATE_WORDS = {
    "en": ("yesterday", "today", "tomorrow", "tonight", "morning", "evening", "night", "ago",
           "week", "weekend", "month", "year", "century", "decade", "spring", "summer", "autumn",
           "fall", "winter", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
           "sunday", "noon", "midnight", "a.m.", "p.m.", "since", "until"),
    "de": ("gestern", "heute", "morgen", "vorgestern", "übermorgen", "abend", "nacht", "woche",
           "wochenende", "monat", "jahr", "jahren", "jahrhundert", "jahrhunderts", "jahrzehnt",
           "frühling", "frühjahr", "sommer", "herbst", "winter", "montag", "dienstag", "mittwoch",
           "donnerstag", "freitag", "samstag", "sonnabend", "sonntag", "mittag", "mitternacht",
           "uhr", "seit", "bis"),
    "fr": ("hier", "aujourd'hui", "aujourd’hui", "demain", "soir", "matin", "nuit", "semaine",
           "week-end", "mois", "an", "ans", "année", "siècle", "décennie", "printemps", "été",
           "automne", "hiver", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
           "dimanche", "midi", "minuit", "heure", "heures", "depuis", "jusqu'au", "jusqu’au"),
}  # fmt: skip

MONTHS = [
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
# Month names that are also a verb or a name; as a month they follow a day or a
# preposition, or precede a year ("2 May", "im Mai", "May 2024").
AMBIGUOUS_MONTHS = {"may", "mai", "march", "marzo"}
DATE_PREPOSITIONS = ("in", "im", "am", "seit", "bis", "en", "of", "since", "until", "von", "ab",
                     "de", "a", "di")  # fmt: skip
