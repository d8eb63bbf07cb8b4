"""Answers assembled from copied spans: the model picks the words, code writes the sentence.

`extractive_answer` asks the model which words of the passages answer the question
(`bot.extraction`), then builds the answer from those spans alone: each span with the
`[n]` marker of its passage, joined in the order the model gave them. When the
question's language is not the document's, the copied words are the answer, in
quotation marks, and their machine translation follows on a line of its own, labelled
(`Settings.translation = "labelled"`); with `"inline"` the translation is the answer
and, with `show_original`, the copied words follow it in quotation marks. A
translation that loses or invents a figure, or means too little like the copied words,
is not shown (`Translator.keep`); a line says so.
"""

from __future__ import annotations

from bot.citations import append_markers
from bot.extraction import Span, spans
from bot.lexicon import QUOTE_MARKS
from bot.prompting import neutralise, number_passages, one_line
from bot.request import Request
from bot.results import Answer
from bot.translation import owes_translation


def extractive_answer(request: Request, writer) -> Answer:
    """The spans of the passages that answer the question, as a cited answer; a decline
    when the model finds none or copies nothing the passages hold."""
    passages = request.passages
    labels = [p.title[:60] for p in passages] if len({p.doc_id for p in passages}) > 1 else None
    _, messages = writer.prompts.chat(
        "extract", examples="extract_examples",
        passages=number_passages([p.text for p in passages], labels),
        question=neutralise(request.question),
    )  # fmt: skip
    request.messages = messages
    generation = writer.generate(request, messages, name="extract")
    request.missed = []  # this reply's lines that no passage holds verbatim
    found = spans(generation.text, passages, lambda p: request.view.document(p.doc_id).text,
                  missed=request.missed)  # fmt: skip
    found = request.copied(request, found)
    if not found:
        return writer.decline(request, "not_found", generation)
    order: list[Span] = []
    for span in found:
        if span.passage not in [s.passage for s in order]:
            order.append(span)
    cited = [s.passage for s in order]
    markers = [cited.index(span.passage) + 1 for span in found]
    shown, translations, (withheld, missing), translation = _in_language(request, writer, found,
                                                                         markers)  # fmt: skip
    body = _sentence([f"{text} [{n}]" for text, n in zip(shown, markers, strict=True)])
    if translations:
        label = writer.message("translation_label", request.language)
        lines = [(n, t) for n, t in zip(markers, translations, strict=True) if t]
        note = writer.translator.note(request.language, withheld=withheld, missing=missing)
        if lines:
            body = f"{body}\n{label} {_sentence([append_markers(t, [n]) for n, t in lines])}"
        elif note:
            body = f"{body}\n{note}"
    answer = Answer.cited(question=request.question, language=request.language, text=body,
                          citations=writer.citations(request, range(1, len(cited) + 1), cited),
                          truncated=generation.truncated, passages=passages,
                          generation=translation or generation)  # fmt: skip
    answer.spans = found
    request.show(answer.answer)
    return answer


def _sentence(parts: list[str]) -> str:
    """Parts joined into one sentence: "First [1]; second [2]."."""
    body = "; ".join(part.rstrip(" .;") if not part.endswith("]") else part for part in parts)
    return body[:1].upper() + body[1:] + "."


def _in_language(request: Request, writer, found: list[Span], markers: list[int]):
    """Each span as the reader sees it; the labelled translations ([] when none is
    needed); whether one was withheld (`Translator.keep`) and whether one is missing (no
    line in the reader's language for words that need one); and the generation. The
    copied words stay the answer, quoted when their document is in another language,
    and their translation follows; or, with `translation = "inline"`, the translation is
    the answer."""
    shown = [one_line(s.text) for s in found]
    foreign = [i for i, s in enumerate(found) if request.language_of(s.passage) != request.language]
    if not foreign:
        return shown, [], (False, False), None
    quoted = {i: _quoted(shown[i], request.language_of(found[i].passage)) for i in foreign}
    labelled = request.settings.translation == "labelled"
    if labelled:  # the article's words can be read while their translation is written
        shown = [quoted.get(i, text) for i, text in enumerate(shown)]
        request.show(_sentence([f"{t} [{n}]" for t, n in zip(shown, markers, strict=True)]))
    translated, generation = writer.translator.translate([one_line(found[i].text) for i in foreign],
                                                          request.language)  # fmt: skip
    translations = [""] * len(found)
    withheld = missing = False
    for i, text in zip(foreign, translated, strict=True):
        original = one_line(found[i].text)
        missing = missing or (not text and owes_translation(original))  # no line, or another language
        text, held = writer.translator.keep(text, original)
        withheld = withheld or held
        if labelled:
            translations[i] = text
        elif not text:
            shown[i] = quoted[i]
        else:
            shown[i] = f"{text} ({quoted[i]})" if request.settings.show_original else text
    return shown, translations, (withheld, missing), generation


def _quoted(text: str, language: str | None) -> str:
    opening, closing = QUOTE_MARKS.get(language or "en", QUOTE_MARKS["en"])
    return f"{opening}{text}{closing}"
