# govit developer commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.govit-installed

.PHONY: venv install migrate demo run test lint clean

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(STAMP)

# Re-installs only when pyproject.toml changes (the stamp is newer otherwise).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

migrate: install
	$(BIN)/govit migrate --noinput -v 0

demo: migrate
	$(BIN)/govit demo

run: migrate
	$(BIN)/govit demo --quiet-logins
	$(BIN)/govit serve 127.0.0.1:8000

# The demo command runs first so a broken migration or demo loader fails `make test` too.
test: migrate
	$(BIN)/govit demo --quiet-logins
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis build dist src/*.egg-info
