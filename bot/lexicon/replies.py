"""What a reply or a sentence says: the model's NONE, filler words, leaning sentences."""

from __future__ import annotations

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
# Who said it: a reporting verb or preposition. A copy made of one of these and its
# speaker ("Lee zitierte den NIS", "Laut des NIS", "the union said on Friday") names the
# source of a statement, not the statement.
REPORTING = {
    "en": ("said", "says", "told", "tells", "reported", "reports", "stated", "states", "added",
           "adds", "cited", "cites", "citing", "quoted", "quotes", "quoting", "stressed",
           "explained", "wrote", "writes", "noted", "claimed", "claims", "according to",
           "as reported by"),
    "de": (r"sagte\w*", "sagt", r"erklärte\w*", "erklärt", r"zitierte\w*", "zitiert", r"betonte\w*",
           "betont", r"berichtete\w*", "berichtet", r"teilte\w* mit", r"meldete\w*", "meldet",
           r"schrieb\w*", "schreibt", "hieß es", "heißt es", "laut", "zufolge",
           "nach angaben", r"gaben? an"),
    "fr": (r"a déclaré", r"ont déclaré", r"déclare\w*", r"a dit", r"ont dit", r"a indiqué",
           r"indique\w*", r"a affirmé", r"affirme\w*", r"a expliqué", r"a précisé", r"précise\w*",
           r"a souligné", r"souligne\w*", r"a rapporté", r"rapporte\w*", "selon", "d['’]après",
           r"citant", r"cité\w*"),
}  # fmt: skip
# Small words around a speaker besides the question function words (`FUNCTION_WORDS`):
# "said at the opening", "sagte bei einer Pressekonferenz", "a dit lors d'un point presse".
SPEAKER_FILLER = ("at", "by", "from", "this", "that", "bei", "auf", "vor", "gegenüber", "einer",
                  "à", "au", "aux", "par", "lors", "d", "l", "ce", "cette")  # fmt: skip
