# `make demo` and `make test` work on a fresh machine with only Python and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Most tests wait on a loopback server or a terminal, not the CPU: twice the cores pays.
JOBS ?= 4

.PHONY: demo test lint bench sim clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jobdeck demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(JOBS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/bench_refresh.py
	$(BIN)/python bench/bench_terminal.py
	$(BIN)/python bench/bench_history.py
	$(BIN)/python bench/bench_scale.py

sim: $(STAMP)
	$(BIN)/jobdeck sim serve

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
