# articlebot: `make run` installs everything and starts the main job; `make test` runs all tests.
# Both are safe to re-run: nothing installed or downloaded is fetched again.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.installed

# A portable llama.cpp build, so a wheel from pip's cache never meets a CPU it was not built for.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup models eval bench clean

run: setup
	$(BIN)/articlebot run

test: setup
	$(BIN)/python -m pytest

setup: $(STAMP) models

# torch first, from the CPU build on this machine's disk; otherwise pip pulls a CUDA build.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

models: $(STAMP)
	$(BIN)/articlebot models fetch

eval: setup
	$(BIN)/articlebot eval ../shared/corpus/dev-questions.jsonl

bench: setup
	$(BIN)/articlebot bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
