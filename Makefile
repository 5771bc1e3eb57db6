# Tether's two set-up commands: `make run` and `make test` each create .venv and install
# everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest keeps its assertion-rewritten test modules only where Python may write bytecode;
# without that cache every run rewrites all of them again (about 7 s of each run's collection).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: test-fast run test lint bench clean bundle chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP) bundle
	$(BIN)/tether check examples/photos
	$(BIN)/tether local status >/dev/null || $(BIN)/tether local start
	$(BIN)/tether deploy -p examples/photos --yes --stand-ins
	$(BIN)/tether test -p examples/photos
	@echo "the local cloud keeps running in the background; stop it with: $(BIN)/tether local stop"

# The IDE's front end ships built in src/tether/ide/static/, so installing Tether needs no Node.
# It is rebuilt (npm ci, then esbuild) only when its sources changed: the build writes the digest
# of its sources into the bundle's first line, and frontend/sources_hash.py compares (file times
# cannot tell after a git checkout).
bundle:
	@$(PYTHON) frontend/sources_hash.py --check 2>/dev/null || { \
	  command -v npm >/dev/null || { echo "The IDE bundle is stale and npm is missing: install Node.js 20+ and npm, then run make again." >&2; exit 1; }; \
	  cd frontend && npm ci --no-audit --no-fund && node build.mjs; }

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "The browser tests (tests/browser) need /usr/bin/chromium: sudo apt-get install -y chromium" >&2; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

test: $(STAMP) bundle chromium lint
	$(BIN)/pytest -n 2 -q

# Everything but the tests that need a local cloud, cfn-lint or a package registry, with property
# tests trying a tenth of their examples: the edit-test loop's tier.
test-fast: $(STAMP)
	TETHER_TEST_TIER=fast $(BIN)/pytest -n 2 -q -m "not cloud and not lint and not network"

bench: $(STAMP)
	$(BIN)/python bench/load.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/deploy_scale.py
	$(BIN)/python bench/deploy.py
	$(BIN)/python bench/invoke.py
	$(BIN)/python bench/quick.py
	$(BIN)/python bench/live.py
	$(BIN)/python bench/http_chalice.py
	$(BIN)/python bench/http_api.py
	$(BIN)/python bench/restart.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/lint.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache frontend/node_modules
