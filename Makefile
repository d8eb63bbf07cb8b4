# articlebot: `make run` installs everything and starts the main job; `make test` runs all tests.
# Both are safe to re-run: nothing installed or downloaded is fetched again.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# Keyed by the CPU (CPU_KEY, below): on another CPU the same folder is set up again, with
# llama.cpp compiled for that CPU; its flags are kept for models/cpu.py to check at load.
STAMP   = $(VENV)/.installed-$(CPU_KEY)

# llama.cpp is compiled for this machine's CPU (GGML_NATIVE: AVX-512 where the CPU has it;
# prompt evaluation 75 -> 103 tokens/s here). pip's cache keys a wheel by its download only,
# so the wheel is built outside it and kept under a key of the CPU's instruction flags:
# a wheel built for another CPU is never installed.
LLAMA_V    := 0.3.36
LLAMA_WHL  = $(LLAMA_WHLS)/llama_cpp_python-$(LLAMA_V)-*.whl
CPU_FLAGS  := grep -m1 -E '^(flags|Features)' /proc/cpuinfo
CPU_KEY    := $(shell $(CPU_FLAGS) 2>/dev/null | md5sum | cut -c1-12)
LLAMA_WHLS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/articlebot/wheels/llama-$(CPU_KEY)
# The source the wheel is built from; its llama.cpp converter (convert_hf_to_gguf.py, with
# conversion/ and gguf-py/) goes into the environment, where `articlebot models fetch` runs it
# to give the embedder a GGUF form for llama.cpp (models/install.py).
LLAMA_SDIST = $(LLAMA_SRC)/llama_cpp_python-$(LLAMA_V).tar.gz
LLAMA_SRC  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/articlebot/src
CONVERTER  := $(VENV)/share/articlebot/llama-convert
VENDORED   := llama_cpp_python-$(LLAMA_V)/vendor/llama.cpp
export CMAKE_ARGS := -DGGML_NATIVE=ON
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup models eval bench clean

run: setup
	$(BIN)/articlebot run

test: setup
	$(BIN)/python -m pytest

setup: $(STAMP) models

# torch first, from the CPU build on this machine's disk; otherwise pip pulls a CUDA build.
$(STAMP): pyproject.toml constraints.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	@gzip -t $(LLAMA_SDIST) 2>/dev/null || { rm -f $(LLAMA_SDIST) && \
	  $(PIP) download --quiet --no-deps --no-binary llama-cpp-python -d $(LLAMA_SRC) \
	    llama-cpp-python==$(LLAMA_V); }
	@ls $(LLAMA_WHL) >/dev/null 2>&1 || \
	  $(PIP) wheel --quiet --no-deps --no-cache-dir -w $(LLAMA_WHLS) $(LLAMA_SDIST)
	@rm -rf $(CONVERTER) && mkdir -p $(CONVERTER)
	tar -xzf $(LLAMA_SDIST) -C $(CONVERTER) --strip-components=3 \
	  $(VENDORED)/convert_hf_to_gguf.py $(VENDORED)/conversion $(VENDORED)/gguf-py
	$(PIP) install --quiet --no-deps --force-reinstall $(LLAMA_WHL)
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	@$(CPU_FLAGS) > $(VENV)/llama-cpu-flags 2>/dev/null || true
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

models: $(STAMP)
	$(BIN)/articlebot models fetch

eval: setup
	$(BIN)/articlebot eval ../shared/corpus/dev-questions.jsonl

bench: setup
	$(BIN)/articlebot bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
