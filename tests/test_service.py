"""The async service: arrival order, one generation at a time, bounded line, cooldown."""

import asyncio
import gc
import re
import threading
import weakref

import pytest

from bot.errors import BusyError, CooldownError, InputError
from bot.service import AnswerService
from retrieval.errors import DocumentError
from tests.conftest import ARTICLE_ID


def echo(messages):
    """Answers with the question itself, so a test can tell the answers apart."""
    question = re.search(r"^Question: (.*)$", messages[-1].content, re.MULTILINE).group(1)
    return f"SOURCES: 1\nANSWER: Antwort auf {question} [1]"


def question(i: int) -> str:
    return f"Frage {i}: Wie viele Verluste erlitt Nordkorea an den Fronten?"


async def test_fifty_questions_at_once_are_answered_in_arrival_order(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.001
    service = AnswerService(fake_app.answerer, queue_size=100)
    answers = await asyncio.gather(*(service.ask(question(i), user_id=i) for i in range(50)))
    assert [a.answer for a in answers] == [f"Antwort auf {question(i)} [1]" for i in range(50)]
    asked = [re.search(r"Frage (\d+)", r[-1].content).group(1) for r in fake_app.llm.requests]
    assert asked == [str(i) for i in range(50)]
    assert fake_app.llm.max_seen == 1
    assert (service.waiting, service.running, service.served) == (0, 0, 50)


async def test_a_full_line_answers_busy_at_once_and_loses_nothing(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.01
    service = AnswerService(fake_app.answerer, queue_size=3)
    first = asyncio.create_task(service.ask(question(0)))
    await asyncio.sleep(0.05)  # the first one is generating
    queued = [asyncio.create_task(service.ask(question(i))) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    assert service.waiting == 3
    with pytest.raises(BusyError) as busy:
        await service.ask(question(4))
    assert busy.value.key == "busy"
    answers = await asyncio.gather(first, *queued)
    assert [a.answer for a in answers] == [f"Antwort auf {question(i)} [1]" for i in range(4)]


async def test_after_close_the_running_answer_finishes_and_the_rest_are_busy(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.01
    service = AnswerService(fake_app.answerer)
    running = asyncio.create_task(service.ask(question(0)))
    await wait_until(lambda: fake_app.llm.in_use == 1)
    waiting = [asyncio.create_task(service.ask(question(i))) for i in (1, 2)]
    await wait_until(lambda: service.waiting == 2)
    await service.close()
    results = await asyncio.gather(running, *waiting, return_exceptions=True)
    assert results[0].answer == f"Antwort auf {question(0)} [1]"
    assert [type(r) for r in results[1:]] == [BusyError, BusyError]
    with pytest.raises(BusyError):
        await service.ask(question(3))
    assert (service.waiting, service.running, len(fake_app.llm.requests)) == (0, 0, 1)


async def test_waiting_requests_learn_their_place(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.01
    service = AnswerService(fake_app.answerer)
    places = {1: [], 2: [], 3: []}
    tasks = [asyncio.create_task(service.ask(question(0), on_position=places.setdefault(0, []).append))]
    await asyncio.sleep(0.02)
    for i in (1, 2, 3):
        tasks.append(asyncio.create_task(service.ask(question(i), on_position=places[i].append)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert places == {0: [], 1: [1], 2: [2, 1], 3: [3, 2, 1]}


async def test_cooldown_per_user(fake_app):
    fake_app.llm.replies = [echo]
    now = [100.0]
    service = AnswerService(fake_app.answerer, cooldown_s=30, clock=lambda: now[0])
    await service.ask(question(1), user_id=7)
    now[0] += 10
    with pytest.raises(CooldownError) as caught:
        await service.ask(question(2), user_id=7)
    assert caught.value.retry_after == pytest.approx(20)
    assert caught.value.values == {"seconds": 20}
    await service.ask(question(3), user_id=8)  # someone else is not held up
    now[0] += 21
    await service.ask(question(4), user_id=7)


async def test_bad_input_never_takes_a_place(fake_app):
    service = AnswerService(fake_app.answerer)
    with pytest.raises(InputError):
        await service.ask("   ")
    assert (service.waiting, fake_app.llm.requests) == (0, [])


async def test_streamed_text_arrives_on_the_event_loop(fake_app):
    fake_app.llm.replies = ["SOURCES: 1\nANSWER: Nordkorea erlitt 600 Tote [1]."]
    service = AnswerService(fake_app.answerer)
    loop_thread = threading.get_ident()
    seen = []

    async def on_text(text):
        seen.append((text, threading.get_ident()))

    answer = await service.ask(question(1), on_text=on_text)
    await asyncio.sleep(0)
    assert seen[-1] == (answer.answer, loop_thread)
    assert {t for _, t in seen} == {loop_thread}


async def test_a_cancelled_wait_leaves_the_line(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.01
    service = AnswerService(fake_app.answerer)
    first = asyncio.create_task(service.ask(question(0)))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(service.ask(question(1)))
    third = asyncio.create_task(service.ask(question(2)))
    await asyncio.sleep(0)
    second.cancel()
    results = await asyncio.gather(first, second, third, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert results[2].answer == f"Antwort auf {question(2)} [1]"
    assert service.waiting == 0


async def test_quote_does_not_wait_for_the_model(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.05
    service = AnswerService(fake_app.answerer)
    slow = asyncio.create_task(service.ask(question(0)))
    await asyncio.sleep(0.05)
    hits = await service.quote("die toten Soldaten in Russland eingeäschert", k=1)
    assert not slow.done()
    assert [(h.start, h.end) for h in hits] == [(887, 1065)]
    await slow


async def test_server_backends_run_several_generations_at_once(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.01
    fake_app.llm.max_concurrency = 2
    service = AnswerService(fake_app.answerer)
    assert service.max_concurrency == 2
    await asyncio.gather(*(service.ask(question(i)) for i in range(6)))
    assert fake_app.llm.max_seen == 2


async def wait_until(condition, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def test_a_request_cancelled_while_generating_keeps_its_slot_until_its_thread_ends(fake_app):
    fake_app.llm.replies = [echo]
    fake_app.llm.delay_s = 0.02  # about 0.3 s of generation in a thread nobody can stop
    service = AnswerService(fake_app.answerer)
    first = asyncio.create_task(service.ask(question(0)))
    await wait_until(lambda: fake_app.llm.in_use == 1)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (service.running, fake_app.llm.in_use) == (1, 1)  # the thread still generates
    second = await service.ask(question(1))
    assert second.answer == f"Antwort auf {question(1)} [1]"
    assert fake_app.llm.max_seen == 1  # the second waited for the first thread to end
    assert (service.waiting, service.running, service.served) == (0, 0, 1)


async def test_async_callbacks_are_kept_until_they_end(fake_app):
    """The loop keeps only weak references to tasks: an unkept one can be collected mid-way."""
    fake_app.llm.replies = ["SOURCES: 1\nANSWER: Nordkorea erlitt 600 Tote [1]."]
    service = AnswerService(fake_app.answerer)
    pending, finished = [], []

    async def on_text(text):
        gate = asyncio.get_running_loop().create_future()  # held by this coroutine only
        pending.append(weakref.ref(gate))
        await gate
        finished.append(text)

    await service.ask(question(1), on_text=on_text)
    await asyncio.sleep(0)  # the last streamed pieces reach the loop
    gc.collect()
    gates = [ref() for ref in pending]
    assert gates and None not in gates  # no callback was collected while it waited
    for gate in gates:
        gate.set_result(None)
    await wait_until(lambda: len(finished) == len(gates))


# -- what a front end needs besides answers ------------------------------------------------


class ThreadRecordingLibrary:
    """The real `App` as the library, noting which thread each call ran on."""

    def __init__(self, app):
        self.app = app
        self.threads = []

    def __getattr__(self, name):
        method = getattr(self.app, name)

        def call(*args, **kwargs):
            self.threads.append((name, threading.get_ident()))
            return method(*args, **kwargs)

        return call


async def test_documents_ingest_and_remove_go_through_the_library_off_the_event_loop(fake_app):
    library = ThreadRecordingLibrary(fake_app)
    service = AnswerService(fake_app.answerer, library=library)
    assert [(d.doc_id, d.lang) for d in await service.documents()] == [(ARTICLE_ID, "de")]

    report = await service.ingest(b"# Treffen\n\nDas Treffen ist am Montag.\n", "Notizen.md",
                                  source="discord:Notizen.md")  # fmt: skip
    assert (report.added, report.chunks) == (["notizen"], 1)  # the heading is no passage
    infos = {d.doc_id: (d.title, d.source) for d in await service.documents()}
    assert (sorted(infos), infos["notizen"]) == ([ARTICLE_ID, "notizen"],
                                                 ("Treffen", "discord:Notizen.md"))  # fmt: skip

    assert await service.remove("notizen") is True
    assert await service.remove("notizen") is False
    assert [d.doc_id for d in await service.documents()] == [ARTICLE_ID]
    assert [name for name, _ in library.threads] == [
        "documents", "ingest_bytes", "documents", "remove", "remove", "documents"]  # fmt: skip
    assert threading.get_ident() not in {thread for _, thread in library.threads}


async def test_an_upload_of_another_type_is_refused_with_a_user_message(fake_app):
    service = AnswerService(fake_app.answerer, library=fake_app)
    with pytest.raises(DocumentError) as caught:
        await service.ingest(b"%PDF-1.7", "report.pdf")
    assert caught.value.key == "unsupported_file"


async def test_language_detection_runs_off_the_event_loop(fake_app, monkeypatch):
    service = AnswerService(fake_app.answerer)
    seen = []
    detect = fake_app.answerer.detect_language

    def recording(text, hint=None):
        seen.append(threading.get_ident())
        return detect(text, hint)

    monkeypatch.setattr(fake_app.answerer, "detect_language", recording)
    assert await service.detect_language("Wie viele Soldaten starben in Kursk?") == "de"
    assert await service.detect_language("Kursk?", "fr") == "fr"  # too short: the hint decides
    assert len(seen) == 2 and threading.get_ident() not in seen


async def test_without_a_library_the_document_methods_say_so(fake_app):
    service = AnswerService(fake_app.answerer)
    with pytest.raises(RuntimeError, match="built without a library"):
        await service.documents()
