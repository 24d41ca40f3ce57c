# webllm-provider: build, test and demo.
#
#   make test    install what is missing, build, lint, typecheck, run the JS unit tests, the eight
#                Python test layers and a benchmark smoke run (side by side, TEST_JOBS at a time)
#   make demo    install what is missing (no test tools), build, serve build/dist on :8000
#   make gateway the local gateway (python -m webllm_provider.gateway) on 127.0.0.1:8765
#   make bench   benchmark the bridge in headless Chromium (bench/run.py, bench/placements.py; make bench-smoke: tiny counts,
#                one of make test's layers)
#   make dist    just build build/dist (Pyodide runtime + wheels + JS bundles + example app) and the npm
#                package's types/ (what it publishes: the wheel in build/dist, `npm pack` here; tests/hosts checks both)
#   make clean   remove build outputs;  make distclean  also .venv and node_modules
#
# Every step is a file target or stamp, so a second run only redoes what changed.
# Single layers while developing: make lint | typecheck | test-js | test-cpython | test-node | test-browser
# | test-app | test-placements | test-gateway | test-docs | test-hosts, with extra pytest arguments in PYTEST_ARGS (e.g. make test-browser PYTEST_ARGS=-x).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DIST := build/dist
STAMPS := build/stamps
# Written last by the dist build, so it marks a complete dist.
DIST_LOCK := $(DIST)/pyodide-lock.json
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

PYTEST := $(PY) -m pytest $(PYTEST_ARGS)
LINTED := webllm_provider tests tools examples typings
CPYTHON_TESTS := tests/cpython
NODE_TESTS := tests/node --runtime node --dist-dir $(DIST)
BROWSER_TESTS := tests/browser --runtime chrome --dist-dir $(DIST)
APP_TESTS := tests/app --dist-dir $(DIST)
PLACEMENT_TESTS := tests/placements --dist-dir $(DIST)
GATEWAY_TESTS := tests/gateway
DOCS_TESTS := tests/docs --dist-dir $(DIST)
HOSTS_TESTS := tests/hosts --dist-dir $(DIST)
LITE := build/lite/jupyter-lite.json
TYPES := types/bridge.d.ts

JS_SOURCES := $(shell find js -type f 2>/dev/null)
PY_SOURCES := $(shell find webllm_provider -type f -not -path '*/__pycache__/*' 2>/dev/null)
APP_SOURCES := $(shell find examples/browser-app -type f 2>/dev/null)
TINY_MODEL := $(shell find tests/fixtures/tiny-model -type f 2>/dev/null)

.PHONY: lint typecheck test-js test test-cpython test-node test-browser test-app test-placements test-gateway test-docs test-hosts lite gateway demo bench bench-smoke dist browsers clean distclean

# The layers, the longest first. make test runs TEST_JOBS of them side by side (default:
# one per core; TEST_JOBS=1 runs them one after another), each even if another failed
# (-k; the exit status is non-zero if any did), each layer's output printed whole when it ends.
TEST_LAYERS := test-app test-placements test-hosts test-browser test-gateway test-docs test-node test-cpython \
	test-js typecheck lint bench-smoke
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

test: $(VENV)/.test browsers $(DIST_LOCK) $(LITE) $(TYPES) node_modules/.package-lock.json
	@$(MAKE) --no-print-directory -k -j$(TEST_JOBS) --output-sync=target $(TEST_LAYERS)

lint: $(VENV)/.test node_modules/.package-lock.json
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	node_modules/.bin/eslint .

# The JavaScript's JSDoc types, checked by TypeScript (nothing is emitted); the
# app's service worker has a global scope of its own, so a config of its own.
# The Python package's and the example app's agent, by mypy (strict; pyproject.toml's [tool.mypy]).
typecheck: $(VENV)/.test node_modules/.package-lock.json
	node_modules/.bin/tsc -p tsconfig.json
	node_modules/.bin/tsc -p tsconfig.sw.json
	$(VENV)/bin/mypy

# JavaScript unit tests (node:test), DOM from linkedom.
test-js: node_modules/.package-lock.json
	node --test --test-timeout=60000 tests/js/*.test.js

test-cpython: $(VENV)/.test node_modules/.package-lock.json
	$(PYTEST) $(CPYTHON_TESTS)

test-node: $(VENV)/.test $(DIST_LOCK)
	$(PYTEST) $(NODE_TESTS)

test-browser: $(VENV)/.test browsers $(DIST_LOCK)
	$(PYTEST) $(BROWSER_TESTS)

test-app: $(VENV)/.test browsers $(DIST_LOCK)
	$(PYTEST) $(APP_TESTS)

test-placements: $(VENV)/.test browsers $(DIST_LOCK)
	$(PYTEST) $(PLACEMENT_TESTS)

test-gateway: $(VENV)/.test browsers $(DIST_LOCK)
	$(PYTEST) $(GATEWAY_TESTS)

# The docs' code run: the README's snippets in Chromium and against the gateway (tests/docs).
test-docs: $(VENV)/.test browsers $(DIST_LOCK)
	$(PYTEST) $(DOCS_TESTS)

# The Python hosts people use (a plain Pyodide page, PyScript, JupyterLite), offline, with the wheel.
test-hosts: $(VENV)/.test browsers $(DIST_LOCK) $(LITE) $(TYPES)
	$(PYTEST) $(HOSTS_TESTS)

# The JupyterLite site tests/hosts drives (tools/build_lite.py; its kernel's wheels from PyPI, once).
lite: $(LITE)

$(LITE): $(VENV)/.test $(DIST_LOCK) tools/build_lite.py
	$(PY) tools/build_lite.py --dist $(DIST) --out build/lite

# The local gateway: a browser tab's WebLLM for CPython and OpenAI clients (prints the URL to open).
gateway: $(VENV)/.test $(DIST_LOCK)
	$(PY) -m webllm_provider.gateway

demo: $(DIST_LOCK)
	$(PY) tools/serve.py $(DIST)

bench: $(VENV)/.test browsers $(DIST_LOCK)
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/gateway.py
	$(PY) bench/placements.py

# The benchmark with tiny counts (under 30 s): make test checks that it runs, not its numbers.
bench-smoke: $(VENV)/.test browsers $(DIST_LOCK)
	$(PY) bench/run.py --smoke
	$(PY) bench/gateway.py --smoke

dist: $(DIST_LOCK) $(TYPES)

# The npm package's types, from the JSDoc of the modules it exports (package.json's exports).
$(TYPES): node_modules/.package-lock.json $(JS_SOURCES) tsconfig.json tsconfig.types.json
	rm -rf types
	node_modules/.bin/tsc -p tsconfig.types.json

# The venv in two steps: what any build needs (the wheel's build backend, so the
# wheel builds without a network round trip), then the test tools.
# pytest-pyodide runs a CommonJS script from inside the venv, and the repo's
# package.json says "type": "module": the venv's own package.json says otherwise.
$(VENV)/.base:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet 'flit_core>=3.9,<4'
	echo '{"type": "commonjs"}' > $(VENV)/package.json
	touch $@

$(VENV)/.test: $(VENV)/.base pyproject.toml
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium and ChromeDriver (a clean CI machine has neither).
browsers:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		set -x; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium chromium-driver; \
	fi

# JS bundles (js/build.mjs writes build/web/ and the app's, build/app/).
$(STAMPS)/web: node_modules/.package-lock.json $(JS_SOURCES) $(APP_SOURCES)
	npm run build
	@mkdir -p $(@D) && touch $@

$(DIST_LOCK): $(VENV)/.base $(STAMPS)/web tools/build_pyodide_dist.py pyproject.toml \
		$(wildcard README.md LICENSE) $(PY_SOURCES) $(APP_SOURCES) $(TINY_MODEL)
	$(PY) -m tools.build_pyodide_dist --out $(DIST)

clean:
	rm -rf build types .pytest_cache .hypothesis .mypy_cache
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
