"""The kind of question: why, how many, yes/no, two parts, negations, money and age."""

from __future__ import annotations

# -- the kind of question ----------------------------------------------------------------

WHY = {
    "lead": ("and", "so", "but", "und", "aber", "also", "et", "mais", "alors"),
    "ask": ("tell me", r"explain", "sag mir", r"erklär\w*( mir)?", "dis-moi", r"explique\w*(-moi)?"),
    "en": ("why", "how come", "for what reason"),
    "de": ("warum", "wieso", "weshalb", "weswegen", "aus welchem grund"),
    "fr": ("pourquoi", "pour quelle raison"),
    "es": ("por ?qu[eé]",),
    "it": ("perch[eé]",),
}  # fmt: skip
HOW_MANY = {
    "en": ("how many", "how much"),
    "de": ("wie ?viele?",),
    "fr": ("combien",),
    "es": ("cu[aá]nt[oa]s?",),
    "it": ("quant[ieoa]",),
}
# "How many" of things that are counted, not "how much" or "how large".
HOW_MANY_COUNTED = {
    "en": ("how many",),
    "de": ("wie ?viele",),
    "fr": ("combien de",),
    "es": ("cu[aá]nt[oa]s",),
    "it": ("quant[ie]",),
}
# Yes/no questions open with a verb: "Did …?", "Hat …?", "Est-ce que …?", "A-t-il …?".
YES_NO_OPENERS = {
    "en": ("did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could",
           "will", "would", "should", "shall", "may", "might", "must", "isn't", "aren't",
           "wasn't", "weren't", "didn't", "doesn't", "don't", "hasn't", "haven't"),
    "de": ("hat", "haben", "hatte", "hatten", "ist", "sind", "war", "waren", "wird", "werden",
           "wurde", "wurden", "kann", "können", "konnte", "konnten", "gibt", "gab", "stimmt",
           "darf", "dürfen", "durfte", "soll", "sollen", "sollte", "muss", "müssen", "musste",
           "will", "wollen", "wollte", "bestätigt", "bestätigte", "gab es", "steht"),
    "fr": ("est-ce que", "est-ce qu'", "est-ce qu’", r"\w+-t-(il|elle|on)",
           r"\w+-(il|elle|ils|elles|on|je|tu|nous|vous)"),
    "es": ("¿?(es|son|fue|fueron|hay|hubo|ha|han|tiene|tienen|puede|pueden)",),
    "it": ("è", "sono", "era", "erano", "ha", "hanno", "c'è", "ci sono"),
}  # fmt: skip

# A question with a question mark, no word of QUESTION_WORDS or of these and no request
# opener is a yes/no question too, in the word order people type in chat ("le suspect a
# avoué ?", "Kommt sie zurück?", "strike over?"). These complete QUESTION_WORDS: German
# w-words and their compounds ("wohin", "womit"), "whose", French "lequel".
OPEN_QUESTION_WORDS = {
    "en": ("whose", "whom"),
    "de": ("wessen",
           r"wo(hin|her|mit|zu|für|von|durch|bei|nach|raus|rum|rüber|gegen|über|um|vor|ran|rauf|rin)"),
    "fr": (r"lequel", r"laquelle", r"lesquel(le)?s", r"qu['’]est-ce"),
}  # fmt: skip
# Requests typed with a question mark ("Name one way …?", "Nenne drei …?") ask for words.
REQUEST_OPENERS = {
    "en": ("name", "list", "give", "tell", "show", "describe", "explain", "say"),
    "de": (r"nenne\w*", "gib", r"zeig\w*", r"beschreib\w*", r"erklär\w*", "sag", r"liste\w*"),
    "fr": (r"nomme\w*", r"cite\w*", r"donne\w*", r"décri\w*", r"explique\w*", "dis", r"liste\w*"),
}  # fmt: skip

# A second question joined to the first: "…, and who disputes it?"
CONJUNCTIONS = {"en": ("and",), "de": ("und",), "fr": ("et",), "es": ("y",), "it": ("e",)}
QUESTION_WORDS = {
    "en": ("who", "whom", "what", "when", "where", "which", "why", "how"),
    "de": ("wer", "wen", "wem", "was", "wann", "wo", r"welche\w*", "warum", "wie"),
    "fr": ("qui", "que", "quoi", "quand", "où", r"quel\w*", "comment", "combien", "pourquoi"),
}  # fmt: skip
NEGATIONS = {
    "en": ("no", "not", "never", "none", "nobody", "nothing"),
    "de": (r"kein\w*", "nicht", "nie", "niemals", "niemand", "nichts"),
    "fr": ("ne", "aucune?", "jamais", "personne", "rien"),
}  # fmt: skip

# Questions asking for one measure, and how a passage writes a value of it.
ASKS_MONEY = {
    "how_much": ("how much", "wie ?viel", "combien"),
    "money_words": ("money", r"\bpa(y|id)", r"\bcost", "spen[dt]", "earn", "geld", "zahl", "kost",
                    "verdien", "argent", "pay[ée]", "co[uû]t",
                    # what a price is paid for: "how much is a ticket", "wie viel Miete"
                    r"\bprices?\b", r"\bfares?\b", r"\bfees?\b", r"\btickets?\b", r"\brent\b",
                    r"preis", r"gebühr", r"\bmiete", r"fahrkarte", r"fahrschein", r"eintritt",
                    r"\bprix\b", r"\btarifs?\b", r"\bbillets?\b", r"\bfrais\b", r"\bloyers?\b"),
    "en": (r"\b(what|which) (was|is|were|are) the (cost|price|fare|fee|rent|payment|salary|wages?)\b",),
    "de": (r"\bwas kostet",),
    "fr": (r"\b(quel|quelle) (est|était) le (prix|coût|salaire)\b",),
}  # fmt: skip
ASKS_AGE = {
    "en": ("how old", r"what age\b", r"(his|her|their|'s) age\b", r"age of\b"),
    "de": ("wie alt", r"(sein|ihr)\w* alter\b"),
    "fr": ("quel âge", r"âge de\b"),
}
# "How much time …", "wie viel Zeit …", "combien de temps …": a quantity named right after
# "how much" is not money unless it is one of these; a verb there leaves the question open.
HOW_MUCH_OPEN = {
    "en": ("money", "cash", "funding", "rent", "did", "does", "do", "was", "is", "were", "are",
           "has", "have", "had", "will", "would", "could", "can", "should", "it", "they", "he", "she", "we",
           "you", "i"),
    "de": ("geld", "miete", "eintritt", "gebühr", "gebühren", "hat", "haben", "hatte", "hatten",
           "kostet", "kostete", "kosteten", "kosten", "zahlt", "zahlte", "bezahlt", "bezahlte", "verdient", "verdiente", "ist", "sind", "war",
           "waren", "wird", "werden", "bekommt", "bekam", "erhält", "erhielt", "gab", "gibt"),
    "fr": ("argent", "loyer", "frais", "a", "ont", "avait", "avaient", "coûte", "coûté", "coûtait",
           "gagne", "gagné", "payé", "paie", "paye", "est", "sont"),
}  # fmt: skip
MONEY_WORDS = {
    "symbols": (r"[€$£¥₩₽]",),
    "words": (r"\b(euros?|dollars?|usd|eur|pounds?|won|rubel\w*|roubles?|rubles?|yuan|"
              r"franken|francs?|sold|lohn|löhne|gehalt|salary|wages?|bezahl\w*|gezahlt|paid|payé)\b",),
}  # fmt: skip
AGE_WORDS = (
    r"\b(\d+|ein|zwei|drei)[- ]?(jährig\w*|years? old|year-old|ans)\b", r"\bjahre alt\b",
    r"\b(alter|age|âge) (von|of|de) \d+", r"\bgeboren\b", r"\bborn\b", r"\bné\w*\b",
)
# Questions that ask who said or reported something: its source is the answer.
ASKS_SOURCE = {
    "opener": (r"who", r"whom", r"wer", r"wem", r"wen", r"von wem", r"laut wem", r"qui",
               r"c['’]est qui"),
    "anywhere": (r"according to whom", r"laut wem", r"selon qui", r"d['’]après qui",
                 r"(which|what) (\w+ )?(agency|source|service|newspaper|paper|ministry|"
                 r"organi[sz]ation|official|institute|authority|office|body)",
                 r"welche[rsmn]? (\w+ )?(behörde|quelle|dienst|geheimdienst|zeitung|ministerium|"
                 r"organisation|institut|amt|stelle)",
                 r"quel(le)?s? (\w+ )?(agence|source|service|journal|ministère|organisation|"
                 r"institut|autorité|organisme)"),
}  # fmt: skip
