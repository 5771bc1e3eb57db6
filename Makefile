# Tether's two set-up commands: `make run` and `make test` each create .venv and install
# everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tether check examples/photos
	$(BIN)/tether local status >/dev/null || $(BIN)/tether local start
	$(BIN)/tether deploy -p examples/photos --yes
	$(BIN)/tether test -p examples/photos
	@echo "the local cloud keeps running in the background; stop it with: $(BIN)/tether local stop"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/synth.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/deploy.py
	$(BIN)/python bench/invoke.py
	$(BIN)/python bench/quick.py
	$(BIN)/python bench/http_api.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
