"""What a message asks for: summaries, quotes, and requests articlebot declines."""

from __future__ import annotations

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
