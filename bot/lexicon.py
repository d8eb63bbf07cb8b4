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


# -- shown to users --------------------------------------------------------------------

# Quotation marks around a verbatim quote shown in an answer.
QUOTE_MARKS = {"de": ("„", "“"), "fr": ("« ", " »"), "en": ("“", "”"), "es": ("«", "»"),
               "it": ("«", "»")}  # fmt: skip

# -- the language of a question --------------------------------------------------------

# The function words of questions: what decides the language of a very short question.
FUNCTION_WORDS = {
    "de": "wer wie was wann wo warum wieviel wieviele welche welcher welches ist sind war waren "
    "der die das den dem des und oder nicht ein eine einen von mit zu im am über für auch "
    "hat haben wurde wurden davon dass es sie er ich du bitte zusammen",
    "en": "who what when where why how which whom is are was were the a an and or not of with "
    "to in on about for also has have had did does do many much it they he i you please",
    "fr": "qui que quoi quand où pourquoi comment combien quel quelle quels quelles est sont "
    "était le la les un une des du et ou ne pas de avec dans sur pour aussi a ont il elle",
    "es": "quién qué cuándo dónde por cómo cuántos cuántas cuál es son era el la los las un una "
    "y o no de con en sobre para también ha han",
    "it": "chi che cosa quando dove perché come quanti quante quale è sono era il lo la gli le "
    "un una e o non di con in su per anche ha hanno",
}

# -- what a request asks for (routing) -------------------------------------------------

SUMMARY = {
    "any": (r"tl;?dr",),
    "en": (r"summar(y|ies|i[sz]e|i[sz]ing)", r"sum (it )?up", "overview", "gist",
           "main points", "what is (the article|it) about", "what's (the article|it) about"),
    "de": (r"zusammenfass\w*", r"fass\w* .*zusammen", "überblick", r"kernaussage\w*", "worum geht"),
    "fr": (r"résum\w*", r"resum\w*", "de quoi parle"),
    "es": (r"resum\w*",),
    "it": (r"riassun\w*", "sintesi", r"riepilog\w*"),
}  # fmt: skip
QUOTE_REQUEST = {
    "en": ("quote", "quotation", "verbatim", "word for word", "word-for-word",
           "exact (words|wording|sentence)"),
    "de": (r"zitier\w*", r"zitat\w*", r"wörtlich\w*", r"wortwörtlich\w*", "wortlaut"),
    "fr": ("cit(e|er|ez|ation)", "mot pour mot", "textuellement"),
    "es": (r"cita\w*", r"textual\w*"),
    "it": (r"testual\w*", r"letteral\w*"),
}  # fmt: skip
# Words around the topic of a quote request ("give me the sentence about …"), removed
# before searching; the prepositions are removed only before a word.
QUOTE_TOPIC_PREPOSITIONS = {"en": ("about", "on"), "de": ("über", "zu"),
                            "fr": ("sur", "de", "à propos de")}  # fmt: skip
QUOTE_FILLER = {
    "en": ("please", "give me", "show me", "the (exact )?(sentence|passage|line)", "from the article",
           "in the article"),
    "de": ("bitte", "gib mir", r"zeig\w* mir", "den satz", "die stelle", "aus dem artikel",
           "im artikel"),
    "fr": ("s'il (te|vous) plaît", "la phrase", "de l'article"),
}  # fmt: skip
# What a summary is about: "summarise what it says about Kursk".
FOCUS_PREPOSITIONS = {
    "en": ("about", "on", "regarding", "concerning"),
    "de": ("über", "zu", "zum", "zur", "bezüglich"),
    "fr": ("sur", "concernant"),
    "it": ("su",),
    "es": ("sobre",),
}  # fmt: skip
FOCUS_REPORTING_VERBS = {"de": ("sagt", "schreibt", "berichtet"), "en": ("says", "writes", "reports"),
                         "fr": ("dit", "écrit")}  # fmt: skip
ARTICLE_WORDS = {
    "articles": ("article", "artikel", "text", "story", "news", "bericht", "nachricht", "texte",
                 "articolo", "artículo"),
    "determiners": ("the ", "this ", "den ", "die ", "das ", "dem ", "l'", "le ", "la ", "il ", "el "),
    "whole": ("whole ", "ganzen ", "gesamten "),
}  # fmt: skip

# Text addressed to an assistant, not to a reader ("ignore your instructions", "you are now
# …", "Note to AI assistants: …", chat-template tokens): never put before the model when a
# passage says it, and declined when a question does. A news sentence that reports
# instructions ("Officials urged residents to follow the evacuation instructions") is not.
ADDRESSED_TO_ASSISTANT = {
    "en": (
        r"(ignore|disregard|forget|override|bypass)\s+(all\s+|any\s+|the\s+|your\s+|my\s+|previous\s+|"
        r"prior\s+|above\s+|earlier\s+|system\s+)*(instructions?|rules|prompts?|guidelines|constraints)",
        r"system\s*(override|prompt)", r"\byou are now\b", r"\bfrom now on,? you\b",
        r"\bact as (if you|my|an? ai)\b", r"\bpretend (to be|you)\b", r"\brole-?play\b",
        r"\bjailbreak\b", r"\bdeveloper mode\b", r"\breply (only )?with the word\b",
        r"\b(note|message|instructions?|notice)\s+(to|for)\s+(all\s+)?(the\s+)?(ai|a\.i\.|llm|chatbot|"
        r"language model|assistant)s?\b",
    ),
    "de": (
        r"ignorier\w*\s+(alle\s+|deine\s+|die\s+|vorherigen\s+|bisherigen\s+)*(anweisung|regel|instruktion)",
        r"vergiss\s+(alle\s+|deine\s+|die\s+)*(anweisung|regel)", r"\bdu bist (jetzt|nun|ab sofort)\b",
        r"\b(hinweis|nachricht|anweisung)\w*\s+(an|für)\s+(alle\s+)?(die\s+)?(ki|sprachmodell|chatbot|"
        r"assistent)\w*\b",
    ),
    "fr": (
        r"ignore[rz]?\s+(toutes?\s+|tes\s+|vos\s+|les\s+)*(instructions|règles|consignes)",
        r"\btu es (maintenant|désormais)\b",
        r"oublie\w*\s+(toutes?\s+|tes\s+|vos\s+|les\s+)*(instructions|règles)",
        r"\b(note|message|consigne)s?\s+(aux?|pour les?)\s+(ia|assistants?|chatbots?|modèles? de langage)\b",
    ),
    "chat_tokens": (r"<\|im_start\|>", r"\[/?INST\]", r"^\s*(system|assistant)\s*:"),
}  # fmt: skip
# Requests for something other than facts from the article: a poem, a joke, obeying the
# document, saying what the user dictates. Declined when a question asks it; a passage
# may say such words as news ("the hackers used a script to execute commands").
OFF_TASK = {
    "en": (
        r"\b(write|tell|compose|sing|generate|make up)\s+(me\s+|us\s+)?(a|an|some|another)?\s*"
        r"(\w+\s+)?(poem|joke|song|limerick|haiku|essay|rap)s?\b",
        r"\b(write|tell|compose|generate|make up)\s+(me\s+|us\s+)?(a|an|some|another)\s+(\w+\s+)?"
        r"(story|stories|code|script|program)\b",
        r"\b(follow|obey|execute|carry out)\b.{0,40}\b(instructions?|notice|commands?)\b.{0,40}"
        r"\b(article|document|text|passage|page)\b",
        r"\bdo what (the|this) (article|document|text|passage|notice|page) says\b",
        r"\b(forget|ignore|disregard) (the|this) (article|document|text|passages?)\b",
        r"\b(just|only|simply) (tell|say|write|confirm|reply|answer)\s+(me\s+|us\s+)?"
        r"(?!(me|us|how|what|who|whom|when|where|why|which|whether|if)\b)\w",
        r"\b(answer|reply|respond) (only |just )?(with|in) (yes|no|one word|a single word)\b",
    ),
    "de": (
        r"\b(schreib|dicht|erzähl)\w*\s+(mir\s+|uns\s+)?(ein|einen|eine)\s+(\w+\s+)?(gedicht|witz|lied|geschichte)",
        r"\b(vergiss|ignorier\w*)\s+(den|diesen)\s+(artikel|text)\b",
        r"\b(antworte|antwortet|sag|sage|schreib\w*)\s+(mir\s+)?(nur|bloß|einfach|lediglich)\b",
        r"\bnur mit (ja|nein|einem wort)\b",
        r"\b(befolge|folge)\w*\s+(den\s+|die\s+)?(anweisung|befehl)\w*\s+(im|des|aus dem)\s+(artikel|text)",
        r"\btu,? was (der artikel|der text) sagt\b",
    ),
    "fr": (
        r"\b(écri[st]|raconte|compose)\w*(-moi)?\s+(un|une)\s+(\w+\s+)?(poème|blague|chanson|histoire)",
        r"\b(oublie|ignore)\w*\s+(l'|l’)(article|texte)\b",
        r"\b(réponds|répondez|dis|dites)(-moi)?\s+(seulement|uniquement|juste)\b",
        r"\bsui[stv]\w*\s+les\s+(instructions|consignes)\s+de\s+(l'|l’)article\b",
    ),
}  # fmt: skip

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
                    "verdien", "argent", "pay[ée]", "co[uû]t"),
    "en": (r"\b(what|which) (was|is|were|are) the (cost|price|payment|salary|wages?)\b",),
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
    "en": ("money", "cash", "funding", "did", "does", "do", "was", "is", "were", "are", "has",
           "have", "had", "will", "would", "could", "can", "should", "it", "they", "he", "she", "we",
           "you", "i"),
    "de": ("geld", "hat", "haben", "hatte", "hatten", "kostet", "kostete", "kosteten", "kosten",
           "zahlt", "zahlte", "bezahlt", "bezahlte", "verdient", "verdiente", "ist", "sind", "war",
           "waren", "wird", "werden", "bekommt", "bekam", "erhält", "erhielt", "gab", "gibt"),
    "fr": ("argent", "a", "ont", "avait", "avaient", "coûte", "coûté", "coûtait", "gagne", "gagné",
           "payé", "paie", "paye", "est", "sont"),
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

# -- dates -----------------------------------------------------------------------------

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
# Units of measured quantities (areas, lengths, weights, currencies), not counted things.
UNITS = (
    r"(square |sq\.? )?(kilomet(er|re)s?|km[²2]?|miles?|met(er|re)s?|hectares?|acres?)\b",
    r"(quadrat)?(kilo)?meter\w*", r"hektar\w*", r"(kilo)?mètres?( carrés)?",
    r"tons?\b", r"tonnes?\b", r"tonnen\b", r"euros?\b", r"dollars?\b", r"[€$£]",
)

# -- what a reply says -------------------------------------------------------------------

# A model's "nothing found".
NONE_REPLY = ("none", "keine?", "aucune?", "ninguna?", "nessuna?")
# Function and reporting words: an answer made only of these and the question's own words
# says nothing new. Negations are not in the list: "X did not say that" corrects a
# question, it does not repeat it.
FILLER = {
    "en": """the a an and or but of to in on at for by with from that this these those is are was
        were be been being has have had did does do it its their his her they he she as about
        any all there than then so such which who whom what when where why how article passage
        passages text according says said say states stated state mentions mentioned report
        reports reported reportedly claims claimed however also only""",
    "de": """der die das den dem des ein eine einer eines einem einen und oder aber von vom zu zum
        zur im in am an auf für mit aus dass ist sind war waren wird wurde wurden worden hat
        haben hatte hatten laut artikel text es sie er ihr ihre ihren seine sein nach bei dies
        diese dieser dieses warum wieso weshalb wie wer was wann wo heißt heisst steht sagt
        sagte gesagt erklärt erklärte jedoch auch nur""",
    "fr": """le la les l un une des du de d et ou mais à au aux en dans pour par avec que qu qui
        est sont été était étaient a ont avait selon article texte il elle ils elles ce cette
        ces son sa ses leur leurs pourquoi comment quand où dit affirme indique aussi
        seulement""",
}
# "The passage does not state that …" is about the passage, not a correction.
SOURCE_NOUNS = ("passages?", "article", "text", "artikel", "texte")
DENIAL_WORDS = ("not", "nicht", r"kein\w*", "pas", "nothing", "nichts", "rien")

# -- sentences that lean on an earlier one (summaries) ----------------------------------

# A summary shows sentences out of their context, so a sentence whose subject or point
# only an earlier sentence gives ("He said …", "Dies sei …", "Ce traité …") must not
# stand alone. `bot.summaries` matches these tables case-insensitively; a language
# without entries has no sentence that leans.
#
# Words that lean when they open the sentence (after any opening quotation mark):
# personal pronouns, possessive determiners, demonstrative pronouns and adverbs that
# point back. German "es" is not here: it mostly opens impersonal sentences ("Es gibt
# …"); nor are articles ("Die Stadt …", "The union …"), which name their subject.
LEANING_OPENERS = {
    "en": ("he", "she", "they", "it", "his", "her", "their", "its", "that", "such"),
    "de": ("er", "sie", "ihr", "ihre[mnrs]?", "sein", "seine[mnrs]?", "jene[mnrs]?",
           r"das (ist|sei|war|wäre|hat|habe|hatte|wird|werde|wurde|kann|könne|soll|solle|muss"
           r"|müsse|bedeutet|heißt|zeigt)", "damals", "dort", "damit", "dabei", "dafür",
           "daher", "deshalb", "deswegen", "daraufhin", "trotzdem"),
    "fr": ("il", "elle", "ils", "elles", "son", "sa", "ses", "leurs?", "cela", "ceci", "ça",
           r"c'(est|était|étaient)", "celui-ci", "celle-ci", "ceux-ci", "celles-ci", r"l'une? d'(eux|elles)"),
}  # fmt: skip
# Demonstratives that lean wherever they stand ("im Rahmen dieses Vertrages", "weist
# dies zurück", "rejected these claims", "ces critiques"), unless the next word is one
# of LEANING_EXEMPT.
LEANING_DEMONSTRATIVES = {
    "en": ("this", "these", "those"),
    "de": ("dies", "diese[mnrs]?", "demnach"),
    "fr": ("ce", "cet", "cette", "ces"),
}
# Words after a demonstrative that make it point at the time of writing or at what
# follows, not back: "this year's budget", "diese Woche", "cette année", "ce que".
LEANING_EXEMPT = {
    "en": ("year", "week", "month", "morning", "afternoon", "evening", "weekend", "spring",
           "summer", "autumn", "fall", "winter", "season", "who"),
    "de": ("jahr", "jahres", "woche", "monat", "monats", "morgen", "wochenende", "sommer",
           "herbst", "winter", "frühjahr", "frühling"),
    "fr": ("année", "an", "semaine", "mois", "matin", "soir", "week-end", "été", "automne",
           "hiver", "printemps", "saison", "que", "qu", "qui", "dont", "sont", "n"),
}  # fmt: skip
# Openers that are impersonal, not a pronoun pointing back: "It is unclear whether …",
# "Il y a …", "Il faut …".
LEANING_IMPERSONAL = {
    "en": (r"it (is|was|remains|seems|appears)( not)?( yet)? \w+ (that|whether|to|if|how|why|when|who|what)\b",),
    "fr": (r"il (y a|y avait|faut|fallait|s'agit|semble|reste)\b", r"il n'y (a|avait)\b",
           r"il (est|était)( pas)? \w+ (de|d'|que|qu')"),
}  # fmt: skip
# A speaker given only by a pronoun: "…," he said. / „…“, sagte sie. / a-t-il affirmé.
LEANING_ATTRIBUTION = {
    "en": (r"\b(he|she|they) (said|says|added|told|argued|warned|explained|wrote)\b",
           r"\b(said|says|added) (he|she)\b", r"\baccording to (him|her|them)\b"),
    "de": (r"\b(sagte|sagt|erklärte|erklärt|betonte|fügte|meinte|schrieb|so) (er|sie)\b",
           r"\b(ihm|ihr|ihnen) zufolge\b"),
    "fr": (r"-t-(il|elle|ils|elles)\b", r"\b(dit|affirme|explique|ajoute|précise)-(il|elle|ils|elles)\b",
           r"\bselon (lui|elle|eux|elles)\b"),
}  # fmt: skip
