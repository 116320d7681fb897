# The two commands a newcomer runs: `make app` (start the app on the bundled corpus) and `make test`.
# Both create .venv on first use: torch first (CPU wheel, exact pin), then requirements.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: app test lint

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	touch $@

app: $(VENV)/.installed
	$(PY) app.py

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(PY) -m ruff check . && $(PY) -m ruff format --check .
