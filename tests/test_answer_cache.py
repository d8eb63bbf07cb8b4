"""The answer cache: the same question about the same documents, answered from memory."""

import logging

import pytest

from bot.answer_cache import AnswerCache, cache_of, cacheable, normalise, settings_fingerprint
from bot.errors import InputError
from bot.results import Answer, Turn
from tests.conftest import ARTICLE, ARTICLE_ID

TEXT = ARTICLE.read_text(encoding="utf-8")
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"
LOSSES_SENTENCE = TEXT[448:747]
REPLY = "ANSWER: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."
EXPECTED = {
    "question": LOSSES,
    "answer": "Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1].",
    "answered": True,
    "language": "de",
    "citations": [{"n": 1, "doc_id": ARTICLE_ID, "quote": LOSSES_SENTENCE, "start": 448, "end": 747}],
    "spans": [],
    "rules": [],
}


def without_timings(answer: Answer) -> dict:
    shown = answer.to_dict()
    del shown["timings_ms"]
    return shown


@pytest.mark.parametrize(("question", "key"), [
    ("Wie viele Verluste, darunter Tote, erlitt Nordkorea?", "wie viele verluste darunter tote erlitt nordkorea"),
    ("  WIE viele   Verluste darunter Tote erlitt Nordkorea ", "wie viele verluste darunter tote erlitt nordkorea"),
    ("Wer dankte Nordkorea für seine „Opfer“?", "wer dankte nordkorea für seine opfer"),
    ("What's North-Korea's loss?!", "what s north korea s loss"),
    ("Combien de soldats ont été envoyés ?", "combien de soldats ont été envoyés"),
    ("Wie viele 4.700?", "wie viele 4 700"),
])  # fmt: skip
def test_normalise_ignores_case_spacing_and_punctuation(question, key):
    assert normalise(question) == key


def test_a_repeated_question_is_answered_without_the_model(fake_app, caplog):
    fake_app.llm.replies = [REPLY]
    first = fake_app.answerer.ask(LOSSES)
    assert len(fake_app.llm.requests) == 1
    streamed: list[str] = []
    with caplog.at_level(logging.INFO, logger="bot.answer_cache"):
        again = fake_app.answerer.ask("  wie VIELE Verluste darunter Tote erlitt Nordkorea an den Fronten ",
                                      on_text=streamed.append)  # fmt: skip
    assert len(fake_app.llm.requests) == 1  # the model was not asked again
    assert without_timings(first) == EXPECTED
    assert without_timings(again) == EXPECTED | {
        "question": "wie VIELE Verluste darunter Tote erlitt Nordkorea an den Fronten"}
    assert again.citations == first.citations
    assert streamed == ["Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."]
    assert set(again.timings_ms) == {"retrieve", "generate", "total"}
    assert (again.timings_ms["retrieve"], again.timings_ms["generate"]) == (0.0, 0.0)
    assert [r.getMessage() for r in caplog.records] == [
        "answered from the cache (1 hits, 1 misses, 1 kept)"]
    assert (cache_of(fake_app.answerer).hits, cache_of(fake_app.answerer).misses) == (1, 1)


def test_changing_a_returned_answer_does_not_change_the_cached_one(fake_app):
    fake_app.llm.replies = [REPLY]
    first = fake_app.answerer.ask(LOSSES)
    first.citations.clear()
    first.timings_ms.clear()
    assert without_timings(fake_app.answerer.ask(LOSSES)) == EXPECTED


def test_a_new_ingest_invalidates_the_cached_answers(fake_app, tmp_path):
    fake_app.llm.replies = [REPLY]
    fake_app.answerer.ask(LOSSES)
    other = tmp_path / "other.txt"
    other.write_text("Ein ganz anderer Artikel über Wetter.\n\nEs regnet in Berlin.\n", encoding="utf-8")
    report = fake_app.ingest([other])
    assert report.added == ["other"]
    fake_app.answerer.ask(LOSSES)
    assert len(fake_app.llm.requests) == 2
    fake_app.answerer.ask(LOSSES)
    assert len(fake_app.llm.requests) == 2  # cached again, for the new index


def test_removing_a_document_invalidates_the_cached_answers(fake_app, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Ein ganz anderer Artikel über Wetter.\n\nEs regnet in Berlin.\n", encoding="utf-8")
    fake_app.ingest([other])
    fake_app.llm.replies = [REPLY]
    fake_app.answerer.ask(LOSSES)
    assert fake_app.remove("other")
    fake_app.answerer.ask(LOSSES)
    assert len(fake_app.llm.requests) == 2


def test_follow_ups_are_never_cached(fake_app):
    fake_app.llm.replies = [REPLY]
    history = [Turn("Wer kämpft in Kursk?", "Nordkoreanische Soldaten [1].")]
    fake_app.answerer.ask(LOSSES, history=history)
    fake_app.answerer.ask(LOSSES, history=history)
    assert len(fake_app.llm.requests) == 2
    assert len(cache_of(fake_app.answerer)) == 0
    fake_app.answerer.ask(LOSSES)  # alone, the question is not answered from a follow-up
    assert len(fake_app.llm.requests) == 3


def test_other_documents_language_hints_or_settings_are_other_questions(fake_app):
    fake_app.llm.replies = [REPLY]
    answerer = fake_app.answerer
    answerer.ask(LOSSES)
    answerer.ask(LOSSES, doc_ids=[ARTICLE_ID])
    answerer.ask(LOSSES, language_hint="de")
    assert len(fake_app.llm.requests) == 3
    answerer.settings = answerer.settings.model_copy(update={"top_k": 2})
    answerer.ask(LOSSES)
    assert len(fake_app.llm.requests) == 4


def test_input_errors_are_raised_every_time_and_not_cached(fake_app):
    for _ in range(2):
        with pytest.raises(InputError):
            fake_app.answerer.ask("   ")
        with pytest.raises(InputError):
            fake_app.answerer.ask(LOSSES, doc_ids=["no-such-document"])
    assert len(cache_of(fake_app.answerer)) == 0


def test_an_answer_cut_by_the_time_budget_is_not_cached(settings, chroma_client, toy_embedder):
    from tests.conftest import make_app

    app = make_app(settings.model_copy(update={"generation_timeout_s": 0.01}), chroma_client,
                   toy_embedder, REPLY, delay_s=0.05)  # fmt: skip
    app.ingest([ARTICLE])
    first = app.answerer.ask(LOSSES)
    assert first.generation.finish_reason == "timeout"
    app.answerer.ask(LOSSES)
    assert len(app.llm.requests) == 2
    assert len(cache_of(app.answerer)) == 0


def test_the_cache_is_bounded_least_recently_used_first(fake_app):
    fake_app.llm.replies = [REPLY]
    answerer = fake_app.answerer
    answerer.answer_cache = AnswerCache(2)
    questions = [LOSSES, "Wie viele Arbeitskräfte wurden nach Russland entsandt?",
                 "Wurden die toten Soldaten in Russland eingeäschert?"]  # fmt: skip
    answerer.ask(questions[0])
    answerer.ask(questions[1])
    answerer.ask(questions[0])  # a hit: now the most recently used
    answerer.ask(questions[2])  # evicts questions[1]
    assert len(answerer.answer_cache) == 2
    calls = len(fake_app.llm.requests)
    answerer.ask(questions[0])
    assert len(fake_app.llm.requests) == calls
    answerer.ask(questions[1])
    assert len(fake_app.llm.requests) > calls  # evicted: asked again


def test_size_zero_turns_the_cache_off(settings, chroma_client, toy_embedder):
    from tests.conftest import make_app

    app = make_app(settings.model_copy(update={"answer_cache_size": 0}), chroma_client,
                   toy_embedder, REPLY)  # fmt: skip
    app.ingest([ARTICLE])
    app.answerer.ask(LOSSES)
    app.answerer.ask(LOSSES)
    assert len(app.llm.requests) == 2
    assert len(cache_of(app.answerer)) == 0


def test_what_may_be_given_again():
    def answer(**fields) -> Answer:
        return Answer(**{"question": "q", "answer": "a", "answered": True, "language": "en"} | fields)

    assert cacheable(answer())
    assert cacheable(answer(reason="not_found", answered=False))
    assert not cacheable(answer(truncated=True))
    assert not cacheable(answer(reason="no_documents", answered=False))


def test_the_fingerprint_follows_answer_settings_not_operational_ones(settings):
    base = settings_fingerprint(settings)
    assert settings_fingerprint(settings.model_copy(update={"n_threads": 7})) == base
    assert settings_fingerprint(settings.model_copy(update={"answer_cache_size": 3})) == base
    assert settings_fingerprint(settings.model_copy(update={"rules": settings.rules[1:]})) != base
    assert settings_fingerprint(settings.model_copy(update={"top_k": 3})) != base
    assert settings_fingerprint(settings.model_copy(update={"llm_model": "other"})) != base
