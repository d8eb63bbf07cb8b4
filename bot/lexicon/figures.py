"""Figures: number words, ranges and units of measured quantities."""

from __future__ import annotations

# -- figures and units -------------------------------------------------------------------

# Number words as they appear in news text: 0-20 and tens.
NUMBER_WORDS = {
    "de": {"null": 0, "eins": 1, "ein": 1, "eine": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4,
           "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11,
           "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "zwanzig": 20,
           "dreißig": 30, "hundert": 100, "tausend": 1000},
    "en": {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
           "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "hundred": 100,
           "thousand": 1000},
    "fr": {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7,
           "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "vingt": 20, "cent": 100,
           "mille": 1000},
}  # fmt: skip
# Words between two figures that make them one range: "10.000 bis 12.000".
RANGE_WORDS = {"de": ("bis",), "en": ("to",), "fr": ("à",), "signs": ("-", "–")}
# The word that joins an alternative: "getötet oder verletzt", "ctDNA or cpDNA".
OR_WORDS = {"de": ("oder", r"bzw\."), "en": ("or",), "fr": ("ou",), "es": ("o", "u"), "it": ("o", "oppure")}
# The articles a noun phrase starts with, where a capital marks a noun: "dem Meister".
ARTICLES = {
    "de": ("der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen"),
}
# Languages that capitalise every noun, not only names.
CAPITALISED_NOUNS = ("de",)
# Prepositions that may stand before an adjective and its noun: "von hohen Palmen".
ADJECTIVE_PREPOSITIONS = {
    "de": ("von", "vom", "mit", "zu", "zum", "zur", "bei", "beim", "aus", "nach", "in", "im", "an",
           "am", "auf", "für", "über", "unter", "vor", "hinter", "neben", "zwischen", "durch",
           "gegen", "ohne", "um"),
}
# Units of measured quantities (areas, lengths, weights, currencies), not counted things.
UNITS = (
    r"(square |sq\.? )?(kilomet(er|re)s?|km[²2]?|miles?|met(er|re)s?|hectares?|acres?)\b",
    r"(quadrat)?(kilo)?meter\w*", r"hektar\w*", r"(kilo)?mètres?( carrés)?",
    r"tons?\b", r"tonnes?\b", r"tonnen\b", r"euros?\b", r"dollars?\b", r"[€$£]",
)
