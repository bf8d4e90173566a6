# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit lock clean docs screenshot

# The runtime lock (what the image installs) and the test lock (the same pins plus the test extra),
# both hash-checked; then the project itself, without dependencies.
$(STAMP): requirements.lock requirements-test.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/remote-bot demo

# Refresh README's picture of the console from the browser test's screenshot (needs Chromium).
screenshot: $(STAMP)
	$(BIN)/pytest -q tests/console/test_console_browser.py -k unlock
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

# Regenerate README's settings table and .env.example from bot/config/.
docs: $(STAMP)
	$(BIN)/python -m bot.cli.settings_doc

# Regenerate both locks from pyproject.toml with pip-tools (needs PyPI). Pins already in a lock are
# kept unless `make lock UPGRADE=--upgrade`; a dependency added to pyproject is resolved and hashed.
# The test lock is constrained by the runtime lock, so tests run on the versions the image ships.
PIP_TOOLS := pip-tools==7.7.0
COMPILE = .lockvenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(UPGRADE)
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet '$(PIP_TOOLS)'
	$(COMPILE) --output-file requirements.lock pyproject.toml
	$(COMPILE) --extra test --constraint requirements.lock --output-file requirements-test.lock pyproject.toml
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
