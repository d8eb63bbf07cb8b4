"""Two articles in one index: search spans both, `--doc`/`doc_ids` narrows it, and each
citation names the document its quote was cut from (toy embedder, scripted LLM)."""

import json
import re

import pytest
from typer.testing import CliRunner

import bot.cli as cli
from bot.app import App
from bot.errors import InputError
from tests.conftest import ARTICLE, ARTICLE_ID, ROOT, make_app

LIBRARY = ROOT / "data" / "kellmouth-library.en.txt"
LIBRARY_ID = "kellmouth-library.en"
LIBRARY_TITLE = "Kellmouth's old ferry terminal reopens as a public library after three years of work"
ARTICLE_TITLE = ("Der südkoreanische Geheimdienst erklärte, dass nordkoreanische Truppen im "
                 "Ukraine-Krieg getötet oder verletzt worden seien.")  # fmt: skip
TEXT = ARTICLE.read_text(encoding="utf-8")
LIBRARY_TEXT = LIBRARY.read_text(encoding="utf-8")

BOOKS = "How many books does the library hold?"
BOOKS_SENTENCE = ("The library holds about 38,000 books, twice as many as the old branch on "
                  "Mill Street, which closed in March.")  # fmt: skip
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"
LOSSES_SENTENCE = TEXT[448:747]
BOTH = "What did Tomasz Reyes and Lee Seong Kweun say?"
REYES_SENTENCE = ("Head librarian Tomasz Reyes said the building would stay open until 9 p.m. "
                  "on weekdays, so that students and shift workers can use it after classes "
                  "and shifts.")  # fmt: skip


def span(text: str, sentence: str) -> tuple[int, int]:
    start = text.index(sentence)
    return start, start + len(sentence)


@pytest.fixture
def two_docs(settings, chroma_client, toy_embedder):
    app = make_app(settings, chroma_client, toy_embedder)
    report = app.ingest([ARTICLE, LIBRARY])
    assert (report.added, report.chunks) == ([ARTICLE_ID, LIBRARY_ID], 18 + 10)
    return app


def test_the_second_article_is_listed_with_its_title(two_docs):
    infos = {d.doc_id: (d.title, d.lang, d.chunks, d.chars) for d in two_docs.store.documents()}
    assert infos == {
        ARTICLE_ID: (ARTICLE_TITLE, "de", 18, 2959),
        LIBRARY_ID: (LIBRARY_TITLE, "en", 10, len(LIBRARY_TEXT)),
    }


@pytest.mark.parametrize(
    ("question", "doc_id", "title", "text", "sentence"),
    [
        (BOOKS, LIBRARY_ID, LIBRARY_TITLE, LIBRARY_TEXT, BOOKS_SENTENCE),
        (LOSSES, ARTICLE_ID, ARTICLE_TITLE, TEXT, LOSSES_SENTENCE),
    ],
)
def test_questions_search_all_documents_by_default(two_docs, question, doc_id, title, text, sentence):
    def first_figure(messages):  # answers with the first figure of the passage it was given
        passage = messages[-1].content.split("Question:")[0]
        return f"ANSWER: {re.search(r'[0-9][0-9.,]*[0-9]', passage).group(0)} [1]."

    two_docs.llm.replies = [first_figure]
    answer = two_docs.answerer.ask(question)
    assert [(c.n, c.doc_id, c.title, c.start, c.end, c.quote) for c in answer.citations] == [
        (1, doc_id, title, *span(text, sentence), sentence)
    ]


def test_citations_name_the_document_of_each_quote(settings, chroma_client, toy_embedder):
    app = make_app(settings.model_copy(update={"top_k": 2}), chroma_client, toy_embedder,
                   "SOURCES: 1, 2\nANSWER: Tomasz Reyes said the library stays open until "
                   "9 p.m. [1], and Lee Seong Kweun reported 600 dead [2].")  # fmt: skip
    app.ingest([ARTICLE, LIBRARY])
    answer = app.answerer.ask(BOTH)
    reyes = span(LIBRARY_TEXT, REYES_SENTENCE)
    assert answer.answered is True
    assert [(c.n, c.doc_id, c.title, c.start, c.end) for c in answer.citations] == [
        (1, LIBRARY_ID, LIBRARY_TITLE, *reyes),
        (2, ARTICLE_ID, ARTICLE_TITLE, 448, 747),
    ]
    assert answer.citations[0].quote == LIBRARY_TEXT[reyes[0] : reyes[1]] == REYES_SENTENCE
    assert answer.citations[1].quote == TEXT[448:747]
    assert [c["doc_id"] for c in answer.to_dict()["citations"]] == [LIBRARY_ID, ARTICLE_ID]
    # The model was told which article each passage comes from.
    prompt = app.llm.last_user
    assert f"[1] ({LIBRARY_TITLE[:60]}) {REYES_SENTENCE}" in prompt
    assert f"[2] ({ARTICLE_TITLE[:60]}) {LOSSES_SENTENCE}" in prompt


def test_a_document_filter_keeps_the_other_article_out(settings, chroma_client, toy_embedder):
    app = make_app(settings.model_copy(update={"top_k": 2}), chroma_client, toy_embedder,
                   "SOURCES: 1\nANSWER: Tomasz Reyes said it stays open until 9 p.m. [1].")  # fmt: skip
    app.ingest([ARTICLE, LIBRARY])
    answer = app.answerer.ask(BOTH, doc_ids=[LIBRARY_ID])
    assert [(c.doc_id, c.quote) for c in answer.citations] == [(LIBRARY_ID, REYES_SENTENCE)]
    assert {p.doc_id for p in answer.passages} == {LIBRARY_ID}
    assert "Lee Seong Kweun, einem" not in app.llm.last_user


def test_filtering_to_an_article_without_the_answer_declines_without_the_model(two_docs):
    answer = two_docs.answerer.ask(BOOKS, doc_ids=[ARTICLE_ID])
    assert (answer.answered, answer.reason, answer.citations) == (False, "not_found", [])
    assert two_docs.llm.requests == []


def test_quote_search_honours_the_filter(two_docs):
    everywhere = two_docs.answerer.quote(BOOKS, k=3)
    assert [h.doc_id for h in everywhere] == [LIBRARY_ID] * 3
    assert everywhere[0].quote == BOOKS_SENTENCE
    narrowed = two_docs.answerer.quote(BOOKS, k=3, doc_ids=[ARTICLE_ID])
    assert [h.doc_id for h in narrowed] == [ARTICLE_ID] * 3
    assert all(TEXT[h.start : h.end] == h.quote for h in narrowed)


def test_an_unknown_document_is_refused(two_docs):
    with pytest.raises(InputError, match="unknown document nope; `articlebot sources` lists them"):
        two_docs.answerer.ask(BOOKS, doc_ids=["nope"])


def test_cli_doc_option(monkeypatch, two_docs):
    monkeypatch.setattr(App, "from_config", lambda: two_docs)
    runner = CliRunner()
    two_docs.llm.replies = ["SOURCES: 1\nANSWER: About 38,000 books [1]."]
    result = runner.invoke(cli.app, ["ask", BOOKS, "--doc", LIBRARY_ID, "--json"])
    data = json.loads(result.stdout)
    start, end = span(LIBRARY_TEXT, BOOKS_SENTENCE)
    assert (data["answer"], data["citations"]) == (
        "About 38,000 books [1].",
        [{"n": 1, "doc_id": LIBRARY_ID, "quote": BOOKS_SENTENCE, "start": start, "end": end}],
    )
    result = runner.invoke(cli.app, ["ask", BOOKS, "--doc", ARTICLE_ID, "--json"])
    assert json.loads(result.stdout)["answered"] is False
    result = runner.invoke(cli.app, ["sources"])
    assert result.stdout.splitlines() == [
        f"{LIBRARY_ID}\ten\t10 passages\t{LIBRARY_TITLE}",
        f"{ARTICLE_ID}\tde\t18 passages\t{ARTICLE_TITLE}",
    ]
