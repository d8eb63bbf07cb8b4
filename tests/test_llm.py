"""The LLM seam: time budgets and token bounds, with a scripted model."""

from bot.llm import Message
from tests.fakes import ScriptedLLM

MESSAGES = [Message("user", "hi")]


def test_the_time_budget_cuts_a_slow_stream_and_keeps_what_was_said():
    llm = ScriptedLLM("one two three four five six seven eight", delay_s=0.05)
    pieces = []
    generation = llm.generate(MESSAGES, max_tokens=100, timeout_s=0.12, on_text=pieces.append)
    assert generation.finish_reason == "timeout" and generation.truncated
    assert generation.text == "".join(pieces)
    assert generation.text in ("one two ", "one two three ")


def test_max_tokens_bounds_the_reply():
    generation = ScriptedLLM("a b c d e").generate(MESSAGES, max_tokens=3)
    assert (generation.text, generation.finish_reason, generation.completion_tokens) == ("a b c ", "length", 3)


def test_a_complete_reply_stops_normally():
    generation = ScriptedLLM("a b").generate(MESSAGES, max_tokens=10)
    assert (generation.text, generation.finish_reason, generation.truncated) == ("a b", "stop", False)
    assert generation.first_token_s is not None and generation.total_s >= generation.first_token_s


def test_a_timed_out_answer_reaches_the_user_marked(fake_app):
    fake_app.settings.generation_timeout_s = 0.1
    fake_app.llm.replies = ["SOURCES: 1\nANSWER: Nordkorea erlitt sehr viele Verluste an den Fronten [1]."]
    fake_app.llm.delay_s = 0.03
    answer = fake_app.answerer.ask("Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?")
    assert answer.truncated is True
    assert answer.answer.endswith("(Antwort gekürzt)")
    assert answer.answer.startswith("Nordkorea")


def test_bench_replays_the_prompts_raw_only_on_a_loaded_in_process_model():
    from types import SimpleNamespace

    from bot.bench import Call, _raw_llama_seconds
    from bot.llm import Generation

    class InProcess:
        loaded = True

        def __init__(self):
            self.replayed = []

        def raw_completion_s(self, messages, *, max_tokens, stop=()):
            self.replayed.append((messages[0].content, max_tokens, list(stop)))
            return 0.25

    calls = [Call(MESSAGES, 64, ["\n"], Generation("a b c", "stop", completion_tokens=3)),
             Call(MESSAGES, 64, [], Generation("", "stop", completion_tokens=0))]  # fmt: skip
    llm = InProcess()
    assert _raw_llama_seconds(SimpleNamespace(llm=llm), calls) == 0.5
    assert llm.replayed == [("hi", 3, ["\n"]), ("hi", 1, [])]
    llm.loaded = False
    assert _raw_llama_seconds(SimpleNamespace(llm=llm), calls) is None
    assert _raw_llama_seconds(SimpleNamespace(llm=ScriptedLLM()), calls) is None
