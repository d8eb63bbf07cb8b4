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


def test_a_saved_prompt_state_belongs_to_the_llama_cpp_build_that_computed_it(tmp_path, monkeypatch):
    """Builds for other instructions (AVX2, AVX-512) round differently: a state saved by
    one is not restored by the other, which evaluates the prefix itself."""
    import llama_cpp

    from bot.llama_cpp_llm import LlamaCppLLM

    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    llm = LlamaCppLLM(model, n_ctx=1024, state_dir=tmp_path / "states")
    tokens = (1, 2, 3)
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: b"CPU : AVX2 = 1 |")
    avx2 = llm._state_path(tokens)
    assert llm._state_path(tokens) == avx2  # the same build finds its own state again
    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: b"CPU : AVX2 = 1 | AVX512 = 1 |")
    avx512 = llm._state_path(tokens)
    assert avx512 != avx2 and avx512.parent == avx2.parent == tmp_path / "states"
    assert avx512.name.startswith("prefix-") and avx512.suffix == ".bin"
