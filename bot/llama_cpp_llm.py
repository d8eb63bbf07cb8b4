"""`LlamaCppLLM`: a GGUF model run in this process with llama-cpp-python.

One `Llama` context serves one generation at a time, under a lock (it is not
thread-safe). Its chat template comes from the GGUF's metadata and is rendered
with llama-cpp-python's `Jinja2ChatFormatter`; the model is checked (`check_gguf`)
and loaded lazily, once.

Speed: llama.cpp re-uses the longest common token prefix of consecutive
prompts. Prompts are built fixed-part-first (system prompt, examples), and
`prime()` evaluates such a fixed prefix once and keeps its KV state in memory
and on disk (`state_dir`), so even the first question after a restart only pays
for its own tokens. Every answer starts from such a saved state, so it does not
depend on the question before it.

Library access: public members only (checked against llama-cpp-python 0.3.36), but
for one: the sampler chain of the last completion (`Llama._sampler`) is closed when
the completion ends (`_free_sampler`), else memory grows with every question; then
the heap's free pages go back to the system (`bot.memory`).
The states are taken and restored with llama.cpp's C functions
`llama_state_get_data`/`llama_state_set_data` on `Llama.ctx`, and `input_ids`/
`n_tokens` set as `Llama.load_state` sets them: `Llama.save_state()`/`load_state()`
would copy the whole logits array (n_batch × vocabulary floats, 300 MB for Qwen)
and the state on every answer.

Memory: the weights are read into memory, not memory-mapped (`use_mmap=False`).
llama.cpp repacks most Q4_K weights into an interleaved copy for faster CPU matrix
products; with a mapped file, the file pages of those tensors stayed resident beside
their copy (Qwen 1.5B: 1,060 MB mapped plus 597 MB repacked). Read, each tensor
exists once: about 600 MB less at the same speed.

What this module does not do: build prompts (see `bot.prompting`) or talk to a
server (see `bot.openai_llm`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.llm import Message, StreamingLLM
from bot.memory import give_back_freed_memory
from models.errors import ModelError

log = logging.getLogger(__name__)


class LlamaCppLLM(StreamingLLM):
    """A GGUF model in this process. Thread-safe: one generation at a time."""

    max_concurrency = 1

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_batch: int = 512,
        seed: int = 7,
        temperature: float = 0.0,
        state_dir: Path | None = None,
        use_mmap: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self.name = self.model_path.name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        self.n_batch = n_batch
        self.seed = seed
        self.temperature = temperature
        self.state_dir = state_dir
        self.use_mmap = use_mmap
        self._llama = None
        self._formatter = None
        self._prefix_formatter = None
        self._lock = threading.RLock()
        self._states: dict[tuple[int, ...], object] = {}
        self.in_use = 0  # for tests: never above 1

    # -- loading ------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (it loads on first use)."""
        return self._llama is not None

    def load(self):
        with self._lock:
            if self._llama is None:
                self._llama = self._load()
            return self._llama

    def _load(self):
        from models.cpu import check_build_cpu

        check_build_cpu()  # before llama.cpp's library is loaded: it may not run here
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        from models.install import check_gguf

        from models.llama_load import one_load_at_a_time

        check_gguf(self.model_path)
        try:
            with one_load_at_a_time():  # llama-cpp-python swaps fds 1 and 2 while it loads
                llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    n_batch=self.n_batch,
                    seed=self.seed,
                    use_mmap=self.use_mmap,
                    verbose=False,
                )
        except Exception as exc:
            raise ModelError(
                f"cannot load the LLM from {self.model_path} ({type(exc).__name__}: "
                f"{str(exc)[:160]}); the file may be truncated: run "
                f"`articlebot models fetch --force` or set ARTICLEBOT_LLM_MODEL"
            ) from exc
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{self.model_path} has no chat template; use an instruct GGUF")
        eos = _token_text(llama, llama.token_eos())
        bos_id = llama.token_bos()
        bos = _token_text(llama, bos_id) if bos_id >= 0 else ""
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._prefix_formatter = Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos, add_generation_prompt=False
        )
        log.info("loaded LLM %s (n_ctx=%d, threads=%d)", self.model_path, self.n_ctx, self.n_threads)
        return llama

    # -- prompts ------------------------------------------------------------------------

    def render(self, messages: Sequence[Message]) -> tuple[str, list[str]]:
        """The prompt text the model sees, and the template's stop strings."""
        self.load()
        result = self._formatter(messages=[m.__dict__ for m in messages])
        stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return result.prompt, stops

    def tokenize(self, text: str) -> list[int]:
        llama = self.load()
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    # -- prefix states ------------------------------------------------------------------

    def prime(self, prefix: Sequence[Message]) -> float:
        """Evaluates a fixed prompt prefix once and keeps its KV state (memory and disk).

        Returns the seconds it took (0 when the state was already in memory)."""
        with self._lock:
            llama = self.load()
            text = self._prefix_formatter(messages=[m.__dict__ for m in prefix]).prompt
            tokens = tuple(self.tokenize(text))
            if tokens in self._states:
                return 0.0
            started = time.perf_counter()
            state = self._read_state(tokens)
            if state is None:
                llama.reset()
                llama.eval(list(tokens))
                state = self._capture_state(tokens)
                self._write_state(tokens, state)
            self._states[tokens] = state
            return time.perf_counter() - started

    def _restore_best_prefix(self, tokens: list[int]) -> None:
        """Starts from the primed state that `tokens` begin with, so that an answer never
        depends on what was asked before.

        llama.cpp's numbers for a token differ slightly with the batch it was evaluated
        in, so reusing whatever the live cache shares with the last request made a
        question's answer depend on its predecessor. Only a prompt that continues the
        live cache as a whole (a correction turn) keeps it."""
        live_tokens = _live_tokens(self._llama)
        live = _common_prefix(live_tokens, tokens)
        if live and live == len(live_tokens):
            return  # this prompt continues the last one
        best, best_len = None, 0
        for prefix, state in self._states.items():
            if len(prefix) > best_len and tokens[: len(prefix)] == list(prefix):
                best, best_len = state, len(prefix)
        if best is not None:
            self._apply_state(best)

    def _capture_state(self, tokens: tuple[int, ...]) -> dict:
        import ctypes

        import llama_cpp

        ctx = self._llama.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * int(size))()
        written = llama_cpp.llama_state_get_data(ctx, buffer, size)
        return {"tokens": tokens, "buffer": buffer, "size": int(written)}

    @staticmethod
    def _state_from_bytes(tokens: tuple[int, ...], data: bytes) -> dict:
        import ctypes

        return {"tokens": tokens, "buffer": (ctypes.c_uint8 * len(data)).from_buffer_copy(data),
                "size": len(data)}  # fmt: skip

    def _apply_state(self, state: dict) -> None:
        """Restores a saved state. Its buffer is kept from capture (or from disk), since
        this runs before every answer: no per-request copy of tens of megabytes."""
        import llama_cpp

        llama = self._llama
        size = state["size"]
        # As Llama.load_state does, through public members: reset() empties the token
        # record and marks the last token for evaluation (its logits are not restored).
        llama.reset()
        if llama_cpp.llama_state_set_data(llama.ctx, state["buffer"], size) != size:
            raise ModelError("could not restore a cached prompt state; delete the state cache")
        tokens = state["tokens"]
        llama.input_ids[: len(tokens)] = tokens
        llama.n_tokens = len(tokens)

    def _state_path(self, tokens: tuple[int, ...]) -> Path | None:
        if self.state_dir is None:
            return None
        import llama_cpp

        stat = self.model_path.stat()
        # A state holds the numbers the kernels computed: a build for other instructions
        # (AVX2, AVX-512) rounds differently, so its states are not this build's.
        build = llama_cpp.llama_print_system_info().decode(errors="replace")
        key = hashlib.sha256(
            json.dumps([str(self.model_path), stat.st_size, int(stat.st_mtime), self.n_ctx,
                        self.n_batch, llama_cpp.__version__, build, list(tokens)]).encode()
        ).hexdigest()[:32]  # fmt: skip
        return self.state_dir / f"prefix-{key}.bin"

    def _read_state(self, tokens: tuple[int, ...]) -> dict | None:
        path = self._state_path(tokens)
        if path is None or not path.exists():
            return None
        try:
            state = self._state_from_bytes(tokens, path.read_bytes())
            self._apply_state(state)  # validates it against this context
            return state
        except Exception as exc:
            log.warning("ignoring unusable prompt state %s: %s", path, exc)
            self._llama.reset()
            path.unlink(missing_ok=True)
            return None

    def _write_state(self, tokens: tuple[int, ...], state: dict) -> None:
        path = self._state_path(tokens)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(memoryview(state["buffer"]).cast("B")[: state["size"]])
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not save the prompt state to %s: %s", path, exc)

    # -- generation ---------------------------------------------------------------------

    def _stream(self, messages, max_tokens, stop, usage) -> Iterator[str]:
        with self._lock:
            self.in_use += 1
            try:
                llama = self.load()
                prompt, template_stops = self.render(messages)
                tokens = self.tokenize(prompt)
                if len(tokens) + max_tokens > self.n_ctx:
                    raise ModelError(
                        f"the prompt ({len(tokens)} tokens) does not fit the context of "
                        f"{self.n_ctx}; raise ARTICLEBOT_N_CTX or lower ARTICLEBOT_TOP_K"
                    )
                started = time.perf_counter()
                self._restore_best_prefix(tokens)
                reused = _common_prefix(_live_tokens(llama), tokens)
                usage["prompt_tokens"] = len(tokens)
                usage["cached_tokens"] = reused
                count = 0
                for chunk in llama.create_completion(
                    prompt=tokens,
                    max_tokens=max_tokens,
                    temperature=self.temperature,
                    top_k=1 if self.temperature == 0 else 40,
                    repeat_penalty=1.0,
                    stop=list(stop) + template_stops,
                    stream=True,
                    seed=self.seed,
                ):
                    choice = chunk["choices"][0]
                    if count == 0:
                        usage["prompt_eval_s"] = time.perf_counter() - started
                    count += 1
                    if choice.get("finish_reason"):
                        usage["finish_reason"] = choice["finish_reason"]
                    yield choice.get("text") or ""
                usage["completion_tokens"] = count
            finally:
                _free_sampler(self._llama)
                give_back_freed_memory()  # the heap pages this question freed (bot.memory)
                self.in_use -= 1

    # -- measuring ----------------------------------------------------------------------

    def raw_completion_s(
        self, messages: Sequence[Message], *, max_tokens: int, stop: Sequence[str] = ()
    ) -> float:
        """Seconds llama.cpp itself takes to complete `messages` from the same primed
        prefix state as `generate`, greedy, with no streaming around it: the yardstick
        `articlebot bench` compares the pipeline with."""
        with self._lock:
            llama = self.load()
            prompt, template_stops = self.render(messages)
            tokens = self.tokenize(prompt)
            started = time.perf_counter()
            self._restore_best_prefix(tokens)
            llama.create_completion(prompt=tokens, max_tokens=max_tokens, temperature=0.0,
                                    top_k=1, repeat_penalty=1.0,
                                    stop=list(stop) + template_stops)  # fmt: skip
            elapsed = time.perf_counter() - started
            _free_sampler(llama)
            return elapsed


def _free_sampler(llama) -> None:
    """Frees the sampler chain llama-cpp-python made for the completion just done.

    It makes a new chain for every completion and keeps the last one in `_sampler`; a
    replaced chain's C memory is freed only when Python's cycle collector reaches its
    wrapper (the wrapper refers to itself through its ExitStack), which in a process
    holding torch's millions of objects happens rarely. That was the growth of a
    long-running bot: 200 MB over a 1,000-question soak with Qwen (255 KB a question).
    Closed at once, memory stays flat (SmolLM2, 300 completions: 212.0 MB throughout,
    against 40 KB a completion without). The next completion makes its own chain."""
    sampler = getattr(llama, "_sampler", None)
    if sampler is not None:
        sampler.close()
        llama._sampler = None


def _token_text(llama, token: int) -> str:
    """A token's text as the vocabulary writes it ("<|im_end|>"), for the chat template:
    the C function llama-cpp-python's own chat handler reads it with."""
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    return llama_cpp.llama_vocab_get_text(vocab, token).decode("utf-8")


def _live_tokens(llama) -> list[int]:
    """The tokens whose KV state the context holds now."""
    return llama.input_ids[: llama.n_tokens].tolist()


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
