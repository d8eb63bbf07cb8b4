"""Copied answers: the model's lines parsed, and located in their passages or dropped."""

import pytest

from bot.extraction import (
    Span,
    clause_of,
    clauses,
    is_attribution,
    is_bare_figure,
    locate,
    parse,
    spans,
    with_its_alternative,
    with_its_noun_phrase,
    with_the_figure_after,
    with_what_was_said,
)
from bot.recovery import align, closest_clause, figure_clause, match_word, recovered
from retrieval.search import Passage

KURSK = ("Nordkorea habe 4.700 Verluste, darunter 600 Tote, erlitten, teilte der NIS am "
         "Mittwoch mit.")  # fmt: skip
MARCH = "Police counted about 2,000 marchers on Saturday, while the organisers spoke of 5,000."
FEU = "Selon les pompiers, l’incendie a détruit 1 200 hectares de forêt."


def passage(text: str, start: int = 100) -> Passage:
    return Passage("doc", start, start + len(text), text, 0.6, 1, 0, "Title")


@pytest.mark.parametrize(
    ("reply", "parsed"),
    [
        ("[1] 4.700 Verluste", [(1, "4.700 Verluste")]),
        ("[1] “darunter 600 Tote”.\n[2] am Mittwoch [2]", [(1, "darunter 600 Tote"), (2, "am Mittwoch")]),
        ("NONE", []),
        ("ANSWER: NONE", []),
        ("[1] NONE", []),
        ("[1] 10, 000 soldiers", [(1, "10,000 soldiers")]),
        # The marker at the end, or none: the words are still a copy to look for.
        ("Percy Shelley [1].", [(1, "Percy Shelley")]),
        ("Kim Byung-kee", [(0, "Kim Byung-kee")]),
        ("The article does not say.", [(0, "The article does not say")]),  # found nowhere
    ],
)
def test_parse(reply, parsed):
    assert parse(reply) == parsed


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        ("darunter 600 Tote", KURSK, "darunter 600 Tote"),
        ("Darunter  600 tote", KURSK, "darunter 600 Tote"),  # case and spacing may differ
        ("the organisers spoke of 5,000", MARCH, "the organisers spoke of 5,000"),
        ("l'incendie a détruit 1 200 hectares", FEU, "l’incendie a détruit 1 200 hectares"),
        ("the organizers spoke of 5,000", MARCH, None),  # a word changed
        ("darunter 300 Tote", KURSK, None),  # a figure changed
        ("600 dead", KURSK, None),  # translated
        ("60", KURSK, None),  # not inside another figure
        ("Verlust", KURSK, None),  # nor inside another word
        ("8 incidents", "Of 28 incidents, 8 incidents were serious.", "8 incidents"),
        # a figure copied with the other separator is the passage's figure
        ("19.3%", "und 30.547 (19,3%) waren weibliche Single-Haushalte", "19,3%"),
        ("4,700 Verluste", KURSK, "4.700 Verluste"),
        ("the organisers spoke of 5.000", MARCH, "the organisers spoke of 5,000"),
        ("19.4%", "und 30.547 (19,3%) waren weibliche Single-Haushalte", None),
        ("5 000", MARCH, None),  # a space is no separator of the passage's
    ],
)
def test_locate_finds_only_the_passages_own_words(words, text, found):
    p = passage(text)
    where = locate(words, p)
    document = " " * 100 + text
    assert (document[where[0] : where[1]] if where else None) == found


def test_spans_are_the_documents_text_in_the_models_order_without_repeats():
    march, kursk = passage(MARCH, 0), passage(KURSK, len(MARCH) + 1)
    document = f"{MARCH} {KURSK}"
    reply = ("[2] 4.700 Verluste\n[1] the organisers spoke of 5,000\n[3] invented\n"
             "[2] 4.700 Verluste, darunter 600 Tote\n[1] the organizers said 5,000")  # fmt: skip
    found = spans(reply, [march, kursk], lambda p: document)
    assert [(s.text, s.passage is kursk) for s in found] == [
        ("the organisers spoke of 5,000", False),
        ("4.700 Verluste, darunter 600 Tote", True),
    ]
    assert all(document[s.start : s.end] == s.text for s in found)


def test_a_line_without_a_marker_is_taken_from_the_first_passage_that_holds_it():
    shelley = "Nach dem Peterloo-Massaker schrieb der Dichter Percy Shelley ein Gedicht."
    other = "Percy Shelley lebte in Italien."
    first, second = passage(other, 0), passage(shelley, len(other) + 1)
    document = f"{other} {shelley}"
    found = spans("Percy Shelley\nder Dichter\nLord Byron", [first, second], lambda p: document)
    assert [(s.text, s.passage is first) for s in found] == [("Percy Shelley", True),
                                                            ("der Dichter", False)]
    assert all(document[s.start : s.end] == s.text for s in found)


JANUARY = "Im Januar wurden schätzungsweise 300 nordkoreanische Soldaten getötet und 2.700 verletzt."
FIRE = "Selon les pompiers, l’incendie a détruit 1 200 hectares de forêt, soit trois fois plus qu’en 2022."
TRAIN = "The line, which cost 690 million euros (about 300 million more than planned), opened in 2024."
STORM = "The storm killed 12 people, 45 others were injured, and power was cut for two days."
LIBRARY = "The library holds about 38,000 books, twice as many as the old branch on Mill Street."


def span_of(words: str, text: str, start: int = 100) -> Span:
    p = passage(text, start)
    begin, end = locate(words, p)
    return Span(p, begin, end, words)


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("4.700", True),
        ("300 nordkoreanische Soldaten", True),
        ("about 2,000", True),
        ("1 200 hectares", True),
        ("trois", True),  # a number word is the figure
        ("10.000 bis 12.000", True),
        ("4.700 Verluste, darunter 600 Tote", False),
        ("about 2,000 marchers on Saturday", False),
        ("am Mittwoch", False),  # no figure
        ("Kim Byung-kee", False),
    ],
)
def test_a_bare_figure_is_a_figure_with_at_most_three_other_words(text, bare):
    assert is_bare_figure(text) is bare


@pytest.mark.parametrize(
    ("words", "text", "clause"),
    [
        ("300 nordkoreanische Soldaten", JANUARY,
         "Im Januar wurden schätzungsweise 300 nordkoreanische Soldaten getötet und 2.700 verletzt"),
        # the clause after a comma that holds a figure too breaks it down or sets
        # another against it: it is taken with it
        ("4.700", KURSK, "Nordkorea habe 4.700 Verluste, darunter 600 Tote"),
        ("1 200 hectares", FIRE, "l’incendie a détruit 1 200 hectares de forêt, soit trois fois plus qu’en 2022"),
        ("2,000", MARCH, "Police counted about 2,000 marchers on Saturday, while the organisers spoke of 5,000"),
        ("12 people", STORM, "The storm killed 12 people, 45 others were injured"),
        ("600 Tote", KURSK, "darunter 600 Tote"),  # not the clause before it
        ("38,000 books", LIBRARY, "The library holds about 38,000 books"),  # no figure after the comma
        ("2022", FIRE, "soit trois fois plus qu’en 2022"),
        ("300 million", TRAIN, "about 300 million more than planned"),
        ("690 million euros", TRAIN, "which cost 690 million euros"),
        ("5,000", MARCH, "while the organisers spoke of 5,000"),
    ],
)
def test_a_span_widens_to_the_clause_of_its_sentence(words, text, clause):
    document = " " * 100 + text
    widened = clause_of(span_of(words, text), document)
    assert widened.text == clause == document[widened.start : widened.end]


APOLLO = "Die Besatzung, Grissom, White und Chaffee, nannte ihren Flug selbst Apollo 1."
CTENO = "Neuere Belege deuten darauf hin, dass „Cydippida“ nicht monophyletisch sind."
WHO = "Begleiter waren Mickey Smith (Noel Clarke) und Jack Harkness (John Barrowman)."
HAMEAUX = "Quatre hameaux ont été entièrement évacués : Les Combes, Fontsèche, le Mas-Rouge et Pradelles."
STORM = "The storm killed 12 people and injured 45 others, officials said on Monday."


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        # a word of the question's language slipped into a copy: the passage's words
        ("Grissom, White and Chaffee", APOLLO, "Grissom, White und Chaffee"),
        ("not monophyletisch", CTENO, "nicht monophyletisch"),  # the negation kept
        ("Mickey Smith (Noel Clarke) and Jack Harkness (John Barrowman)", WHO,
         "Mickey Smith (Noel Clarke) und Jack Harkness (John Barrowman)"),  # the bracket closed
        ("Les Combes, Fontsèche, le Mas-Rouge and Pradelles", HAMEAUX,
         "Les Combes, Fontsèche, le Mas-Rouge et Pradelles"),
        ("killed 12 persons", STORM, "killed 12 people"),
        # a changed word is the passage's word in its place (not one left out)
        ("the hameaux ont été entièrement évacués", HAMEAUX, "Quatre hameaux ont été entièrement évacués"),
        # a figure is never changed, added or left out
        ("killed 45 people", STORM, None),
        ("injured 12 others", STORM, None),
        ("killed 45 people and injured others", STORM, None),
        # a word added
        ("killed people and injured 45 others", STORM, "people and injured 45 others"),
        ("in the first month of 1754", "Im Jahr 1754 begannen die Briten mit dem Bau.", None),
        # too much changed: one word in three at most, one in a two-word copy
        ("Grissom and Chaffee", APOLLO, None),
        ("the storm killed many and injured others", STORM, None),
        # too little the same: a short word matching is not enough
        ("und the", APOLLO, None),
        ("Chaffee", APOLLO, None),  # one word: found exactly (locate) or not at all
    ],
)
def test_align_finds_a_copy_with_a_word_changed_as_the_passages_own_words(words, text, found):
    where = align(words, passage(text))
    document = " " * 100 + text
    assert (document[where[0] : where[1]] if where else None) == found


def test_missed_lines_are_kept_and_aligned_in_order():
    apollo, who = passage(APOLLO, 0), passage(WHO, len(APOLLO) + 1)
    document = f"{APOLLO} {WHO}"
    missed: list[tuple[int, str]] = []
    reply = ("[2] Mickey Smith (Noel Clarke)\n[1] Grissom, White and Chaffee\n[3] und the\n"
             "[2] Jack Harkness and the Doctor")  # fmt: skip
    found = spans(reply, [apollo, who], lambda p: document, missed=missed)
    assert [s.text for s in found] == ["Mickey Smith (Noel Clarke)"]
    # [3]: there is no passage 3
    assert missed == [(1, "Grissom, White and Chaffee"), (2, "Jack Harkness and the Doctor")]
    aligned, _ = recovered(missed, [apollo, who], lambda p: document, align)
    assert [(s.passage, s.text, document[s.start : s.end]) for s in aligned] == [
        (apollo, "Grissom, White und Chaffee", "Grissom, White und Chaffee")]


SOLDIERS = ("Der Geheimdienst erklärte, dass rund 4.700 nordkoreanische Soldaten im Kampf für Russland "
            "getötet oder verletzt wurden.")  # fmt: skip
PLASTID = "Chloroplasten haben ihre eigene DNA, oft als ctDNA oder cpDNA abgekürzt (auch Plastom)."
STORM_OR = "Officials said 12 people were killed or injured, most of them in the harbour."
FEU_OU = "Les pompiers ne savent pas si le feu a été allumé ou s'il est parti seul, a dit le préfet."


@pytest.mark.parametrize(
    ("words", "text", "taken"),
    [
        ("rund 4.700 nordkoreanische Soldaten im Kampf für Russland getötet", SOLDIERS,
         "rund 4.700 nordkoreanische Soldaten im Kampf für Russland getötet oder verletzt wurden"),
        ("ctDNA", PLASTID, "ctDNA oder cpDNA abgekürzt"),
        ("12 people were killed", STORM_OR, "12 people were killed or injured"),
        ("le feu a été allumé", FEU_OU, "le feu a été allumé ou s'il est parti seul"),
        ("12 people were killed or injured", STORM_OR, "12 people were killed or injured"),  # whole already
        ("Officials said 12 people", STORM_OR, "Officials said 12 people"),  # no "or" after it
    ],
)
def test_a_copy_cut_before_or_is_taken_on_to_the_end_of_its_clause(words, text, taken):
    document = " " * 100 + text
    span = with_its_alternative(span_of(words, text), document)
    assert span.text == taken == document[span.start : span.end]


@pytest.mark.parametrize(
    ("words", "text", "language", "widened"),
    [
        # German: the article, and inflected adjectives after an article or a preposition
        ("Meister", "Er kämpfte gegen die Daleks, die Cybermen und dem Meister, einem Herrn der Zeit.",
         "de", "dem Meister"),
        ("Palmen", "Der Boulevard ist eine Landstraße, die größtenteils von hohen Palmen gesäumt ist.",
         "de", "hohen Palmen"),
        ("Überraschungsoffensive", "Die Ukraine startete im August eine Überraschungsoffensive in Kursk.",
         "de", "eine Überraschungsoffensive"),
        ("Alarmanlage", "Die Stadt hatte das Geld für die neue, vom Internet getrennte Alarmanlage gestrichen.",
         "de", "Alarmanlage"),  # a comma before "getrennte …": not one phrase with "die neue"
        ("Schatz", "Die Polizei fand den verschwundenen Schatz in einer Lagerhalle.", "de",
         "den verschwundenen Schatz"),
        ("Lagerhalle", "Die Polizei fand den Schatz später in einer leeren Lagerhalle.", "de",
         "einer leeren Lagerhalle"),
        # German: not a noun phrase's start
        ("Nordkorea", "Der Geheimdienst sagt, dass Nordkorea Truppen nach Russland geschickt habe.",
         "de", "Nordkorea"),  # every German noun is capitalised: no name goes on
        ("vorsieht", "Sie schlossen einen Vertrag, der vorsieht, dass beide Seiten Beistand leisten.",
         "de", "vorsieht"),  # "der" is a relative pronoun before a verb
        ("Soldaten", "Nach Angaben des NIS wurden rund 300 Soldaten getötet.", "de", "Soldaten"),
        ("Verluste", "Nordkorea erlitt über Verluste keine Angaben.", "de", "Verluste"),
        # English and French: the rest of a name
        ("Grayhaven", "Talks with the terminal operator Grayhaven Terminals broke down on Friday.",
         "en", "Grayhaven Terminals"),
        ("DuMont", "He proposed a merger between UPT and the DuMont Television Network, which was "
         "also in trouble.", "en", "DuMont Television Network"),
        ("Jérôme", "Le feu a été maîtrisé selon le colonel Jérôme Baudrier, chef des pompiers.", "fr",
         "Jérôme Baudrier"),
        ("March", "The bridge opened in March North Korea said.", "en", "March"),  # a date
        ("Master", "The Doctor fought the Master in the final episode.", "en", "Master"),  # no article in English
        ("trees", "The boulevard is lined with tall palm trees.", "en", "trees"),
    ],
)
def test_a_copy_cut_inside_a_noun_phrase_is_widened_to_it(words, text, language, widened):
    document = " " * 100 + text
    span = with_its_noun_phrase(span_of(words, text), document, language)
    assert span.text == widened == document[span.start : span.end]


MARCHERS = "Police counted 1,800 marchers, the organisers said 4,500 took part."
EVACUATED_FR = ("Selon la préfecture, 620 personnes ont dû quitter leur domicile ; la mairie avance le "
           "chiffre de 900, en comptant les vacanciers.")  # fmt: skip
LOSSES_DE = "Nordkorea erlitt 4.700 Verluste, darunter 600 Tote, teilte der Geheimdienst mit."
STORM_HURT = "The storm killed 12 people, most of them in the harbour, and injured 45 others."


@pytest.mark.parametrize(
    ("words", "text", "taken"),
    [
        ("Police counted 1,800 marchers", MARCHERS, "Police counted 1,800 marchers, the organisers said 4,500 took part"),
        ("620 personnes ont dû quitter leur domicile", EVACUATED_FR,
         "620 personnes ont dû quitter leur domicile ; la mairie avance le chiffre de 900"),
        ("4.700 Verluste", LOSSES_DE, "4.700 Verluste, darunter 600 Tote"),
        ("The storm killed 12 people", STORM_HURT, "The storm killed 12 people"),  # no figure in the next clause
        ("Police counted 1,800", MARCHERS, "Police counted 1,800"),  # does not end its clause
        ("the organisers said 4,500 took part", MARCHERS, "the organisers said 4,500 took part"),  # the last
        ("Selon la préfecture", EVACUATED_FR, "Selon la préfecture"),  # no figure of its own
    ],
)
def test_a_figure_is_taken_with_the_figure_the_next_clause_sets_against_it(words, text, taken):
    document = " " * 100 + text
    span = with_the_figure_after(span_of(words, text), document)
    assert span.text == taken == document[span.start : span.end]


LINEAGES = ("Alle primären Chloroplasten gehören zu einer von drei Entwicklungslinien, die "
            "Landpflanzen zur grünen.")  # fmt: skip
COMPANION = ("Seit 2005 reist der Doktor normalerweise mit einer vorrangig weiblichen Begleiterin, "
             "die eine größere Rolle einnimmt.")  # fmt: skip
FERRY = "The library opened three years after the last ferry left, with 120 seats."
MINISTRES = "Les trois ministres ont signé l’accord à Genève, a indiqué le porte-parole."


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        # the same number written otherwise: asked in one language about a text in another
        ("three", LINEAGES, "drei"),
        ("3", LINEAGES, "drei"),
        ("drei", FERRY, "three"),
        ("three", MINISTRES, "trois"),
        ("hundred and twenty", FERRY, None),  # not one word
        ("one", LINEAGES, None),  # "einer" is an article too: zero and one are left out
        ("four", LINEAGES, None),  # another number
        # the same word with another ending
        ("weibliche", COMPANION, "weiblichen"),
        ("Begleiterinnen", COMPANION, None),  # three letters of ending: more than two
        ("ministre", MINISTRES, "ministres"),
        ("library's", FERRY, None),  # an apostrophe's word is not letters only
        ("Reisen", COMPANION, "reist"),  # an ending changed: "reis" and two letters
        ("Begleitung", COMPANION, None),  # "Begleit" and three letters
        ("Rollen", COMPANION, "Rolle"),
        ("Doktors", COMPANION, "Doktor"),
        ("Dok", COMPANION, None),  # shorter than five letters
        ("normal", COMPANION, None),  # "normalerweise": more than two letters more
    ],
)
def test_a_one_word_copy_is_matched_to_the_passages_word_for_the_same_number_or_stem(words, text, found):
    where = match_word(words, passage(text))
    document = " " * 100 + text
    assert (document[where[0] : where[1]] if where else None) == found


def test_missed_copies_are_found_in_their_named_passage_only():
    ferry, lineages = passage(FERRY, 0), passage(LINEAGES, len(FERRY) + 1)
    document = f"{FERRY} {LINEAGES}"
    missed = [(1, "drei"), (2, "three"), (0, "Landpflanzen"), (2, "twelve")]
    found, left = recovered(missed, [ferry, lineages], lambda p: document, match_word)
    assert [(s.passage, s.text) for s in found] == [(ferry, "three"), (lineages, "drei")]
    # an unnumbered line was looked for in every passage already, by `spans`; passage 2
    # has no "twelve"
    assert left == [(0, "Landpflanzen"), (2, "twelve")]


TREATY = ("Im vergangenen Jahr unterzeichneten Kim und Putin einen historischen Verteidigungsvertrag, "
          "der vorsieht, dass beide Seiten im Falle eines Angriffs Beistand leisten müssen.")  # fmt: skip
ASSIST = "dass beide Seiten im Falle eines Angriffs Beistand leisten müssen"


def test_a_passages_clauses_are_cut_where_a_figures_clause_ends_and_the_whole_comes_last():
    text = "Die Konferenz (in Genf) endete ohne Einigung; alle reisten ab, um 6:30 Uhr mit 2,700 Leuten."
    document = " " * 100 + text
    assert [document[a:b] for a, b in clauses(passage(text))] == [
        "Die Konferenz", "in Genf", "endete ohne Einigung", "alle reisten ab", "um 6:30 Uhr mit 2,700 Leuten",
        text[:-1]]  # fmt: skip
    one = "Ein Satz ohne Komma."
    assert [(" " * 100 + one)[a:b] for a, b in clauses(passage(one))] == ["Ein Satz ohne Komma"]


def scored_as(table: dict[str, float]):
    """A similarity that scores each clause as `table` says (0.1 for any other)."""
    return lambda words, clause: table.get(clause, 0.1)


@pytest.mark.parametrize(
    ("words", "table", "found"),
    [
        # the model's translation of a clause: the passage's clause, the closest
        ("that both sides must provide assistance in the event of an attack",
         {ASSIST: 0.86, "der vorsieht": 0.5, TREATY[:-1]: 0.8}, ASSIST),
        # the whole passage when it is closer than any one clause
        ("Kim and Putin signed a treaty that both sides must assist each other",
         {ASSIST: 0.7, TREATY[:-1]: 0.83}, TREATY[:-1]),
        # under the threshold: nothing
        ("Kim's defence minister", {ASSIST: 0.74}, None),
        # one word is too little to tell a clause by
        ("assistance", {ASSIST: 0.99}, None),
    ],
)
def test_a_copy_in_other_words_is_its_passages_closest_clause(words, table, found):
    where = closest_clause(words, passage(TREATY), scored_as(table), 0.75)
    document = " " * 100 + TREATY
    assert (document[where[0] : where[1]] if where else None) == found


@pytest.mark.parametrize(
    ("text", "language", "attribution"),
    [
        # who said it, and nothing of what
        ("Lee zitierte den NIS", "de", True),
        ("Laut des NIS", "de", True),
        ("Der südkoreanische Geheimdienst erklärte", "de", True),
        ("the union said on Friday", "en", True),
        ("mayor Ines Calloway said at the opening", "en", True),
        ("according to the report", "en", True),
        ("selon la préfecture", "fr", True),
        ("a déclaré le maire", "fr", True),
        # what was said, or more than a speaker
        ("Halvorsen said that 3 percent of patients", "en", False),  # a figure
        ("die toten Soldaten wurden eingeäschert", "de", False),  # no reporting word
        ("Putin", "de", False),
        ("Lindqvist rejected the call, saying the audit office report", "en", False),
        ("Selon le colonel Jérôme Baudrier, chef des pompiers", "fr", False),  # five words
        ("la préfecture", "fr", False),
    ],
)
def test_an_attribution_names_only_who_said_something(text, language, attribution):
    assert is_attribution(text, language) is attribution


@pytest.mark.parametrize(
    ("words", "text"),
    [
        ("Lee zitierte den NIS", "Lee zitierte den NIS und betonte, dass die toten Soldaten eingeäschert wurden."),
        ("mayor Ines Calloway said at the opening", "The conversion cost 4.2 million euros, mayor Ines "
         "Calloway said at the opening."),
        ("selon la préfecture", "Le feu a parcouru 3 200 hectares selon la préfecture !"),
    ],
)
def test_what_was_said_is_the_whole_sentence_without_its_stop(words, text):
    document = " " * 100 + text
    span = with_what_was_said(span_of(words, text), document)
    assert span.text == text.rstrip(" .!") == document[span.start : span.end]


TREASURE = ("Der Schatz war im 19. Jahrhundert von zwei Bauern beim Pflügen eines Ackers entdeckt "
            "worden und gilt als wichtigster Fund der Region.")  # fmt: skip
FORT = ("Dinwiddie hatte 40 Männer unter William Trent geschickt, wo sie in den ersten Monaten des "
        "Jahres 1754 mit dem Bau einer Festung begann.")  # fmt: skip


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        # a copy in other words: the shortest clause holding all its figures
        ("in the 19. yearhundert", TREASURE, TREASURE[:-1]),
        ("in the first month of the year 1754", FORT,
         "wo sie in den ersten Monaten des Jahres 1754 mit dem Bau einer Festung begann"),
        ("about 4,700 soldiers", KURSK, "Nordkorea habe 4.700 Verluste"),
        ("4 700 pertes, dont 600 morts", KURSK, KURSK[:-1]),  # two clauses: the whole passage
        ("environ 1 200 hectares", FEU, "l’incendie a détruit 1 200 hectares de forêt"),
        # no figure in digits, or one the passage does not hold
        ("in the British colonies", FORT, None),
        ("forty men", FORT, None),
        ("about 5,000 soldiers", KURSK, None),
    ],
)
def test_a_copy_in_other_words_is_the_clause_with_its_figures(words, text, found):
    p = passage(text)
    located = figure_clause(words, p)
    assert (text[located[0] - 100 : located[1] - 100] if located else None) == found
