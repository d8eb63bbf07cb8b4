"""What users see and how their language is told: quotation marks, function words."""

from __future__ import annotations

# -- shown to users --------------------------------------------------------------------

# Quotation marks around a verbatim quote shown in an answer.
QUOTE_MARKS = {"de": ("„", "“"), "fr": ("« ", " »"), "en": ("“", "”"), "es": ("«", "»"),
               "it": ("«", "»")}  # fmt: skip

# -- the language of a question --------------------------------------------------------

# The function words of questions: what decides the language of a very short question.
FUNCTION_WORDS = {
    "de": "wer wie was wann wo warum worum wozu wofür woher wohin womit wodurch wieviel wieviele welche welcher welches ist sind war waren "
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
