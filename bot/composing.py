"""Answers assembled from copied spans: the model picks the words, code writes the sentence.

`extractive_answer` asks the model which words of the passages answer the question
(`bot.extraction`), then builds the answer from those spans alone: each span with the
`[n]` marker of its passage, joined in the order the model gave them. When the
question's language is not the document's, each span is translated; with
`show_original` the copied words follow the translation in quotation marks, so the
reader sees both. A translation that loses or invents a figure is not used: the
original words stand alone.
"""

from __future__ import annotations

from bot.extraction import Span, spans
from bot.lexicon import QUOTE_MARKS
from bot.numbers import numbers, unsupported_numbers
from bot.prompting import neutralise, number_passages, one_line
from bot.request import Request
from bot.results import Answer


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
    found = spans(generation.text, passages, lambda p: request.view.document(p.doc_id).text)
    if not found:
        return writer.decline(request, "not_found", generation)
    order: list[Span] = []
    for span in found:
        if span.passage not in [s.passage for s in order]:
            order.append(span)
    cited = [s.passage for s in order]
    shown, translation = _in_language(request, writer, found)
    parts = [f"{text} [{cited.index(span.passage) + 1}]" for span, text in zip(found, shown, strict=True)]
    body = "; ".join(parts)
    body = body[:1].upper() + body[1:] + "."
    answer = Answer.cited(question=request.question, language=request.language, text=body,
                          citations=writer.citations(request, range(1, len(cited) + 1), cited),
                          truncated=generation.truncated, passages=passages,
                          generation=translation or generation)  # fmt: skip
    answer.spans = found
    request.show(answer.answer)
    return answer


def _in_language(request: Request, writer, found: list[Span]):
    """Each span as the reader sees it: itself, or translated (and quoted) when its
    document is in another language."""
    shown = [one_line(s.text) for s in found]
    foreign = [i for i, s in enumerate(found) if request.language_of(s.passage) != request.language]
    if not foreign:
        return shown, None
    translated, generation = writer.translator.translate([shown[i] for i in foreign],
                                                          request.language)  # fmt: skip
    for i, text in zip(foreign, translated, strict=True):
        original = one_line(found[i].text)
        opening, closing = QUOTE_MARKS.get(request.language_of(found[i].passage) or "en", QUOTE_MARKS["en"])
        quoted = f"{opening}{original}{closing}"
        good = (text and not unsupported_numbers(text, [original])
                and numbers(original, words=False) <= numbers(text))  # fmt: skip
        if not good:
            shown[i] = quoted
        elif request.settings.show_original:
            shown[i] = f"{text} ({quoted})"
        else:
            shown[i] = text
    return shown, generation
