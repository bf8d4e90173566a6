# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit lock clean docs screenshot

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/remote-bot demo

# Refresh README's picture of the console from the browser test's screenshot (needs Chromium).
screenshot: $(STAMP)
	$(BIN)/pytest -q tests/test_console_browser.py -k unlock
	mkdir -p docs && cp build/screenshots/console.png docs/console.png

lint: $(STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

# Regenerate README's settings table and .env.example from bot/config.py.
docs: $(STAMP)
	$(BIN)/python -m bot.settings_doc

# Regenerate the pinned lock file from pyproject.toml (needs network).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet '.[test]'
	.lockvenv/bin/pip freeze --exclude stellantis-remote-bot > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
