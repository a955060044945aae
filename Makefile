# govit developer commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.govit-installed

.PHONY: venv install migrate demo run test browser e2e lint clean

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
# PYTEST_ARGS narrows the run, e.g. `make test PYTEST_ARGS='-m "not e2e"'` (CI's PostgreSQL pass).
test: migrate
	$(BIN)/govit demo --quiet-logins
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests (tests/e2e, marker e2e) drive Debian's Chromium, never a downloaded browser.
# Without it they are skipped with the reason; this installs it with apt (as root or with sudo).
browser:
	@if [ -x /usr/bin/chromium ] && [ -e /usr/lib/chromium/locales/zh-CN.pak ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; \
	then echo "chromium, chromium-l10n and fonts-noto-cjk are installed"; \
	else $$([ "$$(id -u)" = 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive sh -c \
	  'apt-get update -qq && apt-get install -y -qq chromium chromium-l10n fonts-noto-cjk >/dev/null'; fi

e2e: migrate
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis build dist src/*.egg-info
