# modelkit — developer commands. Every target installs what it needs first.
#   make demo      prompts answered offline by mockllm (installs only modelkit, requests, attrs)
#   make test      the test suite (default Python)
#   make lint      ruff + mypy --strict
#   make test-all  the suite on every Python 3.8–3.13 found
#   make test-min  the suite on the oldest requests (urllib3 1.26) and attrs allowed
#   make bench     every benchmark, then one table of ratios to floors (benchmarks/RESULTS.md)
#   make test-live the live suite against a local llama-cpp-python server
#   make test-fleet the fleet suite: Dask workers, a real redis-server (installed if missing)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VERSIONS ?= 3.8 3.9 3.10 3.11 3.12 3.13
PYTEST_ARGS ?= -q

.PHONY: install demo test lint test-all test-py test-min bench test-live test-fleet redis-server clean

$(STAMP): setup.cfg pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# the distribution was called modelkit before it became modelkit-llm
	$(BIN)/python -m pip uninstall -q -y modelkit 2>/dev/null || true
	$(BIN)/python -m pip install -q -e . -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The demo's own venv: modelkit with only its runtime dependencies (requests,
# attrs), none of the test and lint tools.
DEMO_VENV ?= .venv-demo
$(DEMO_VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -q -e .
	touch $@

demo: $(DEMO_VENV)/.installed
	$(DEMO_VENV)/bin/python scripts/demo.py

# The last mcp 1.x, for the MCP client tests against a 1.x server: installed
# apart (pip --target) since the venv holds mcp 2.x; the server subprocess
# gets it as PYTHONPATH. mcp needs Python >= 3.10: older venvs skip those tests.
MCP1_VERSION ?= 1.30.0
MCP1_DIR := $(VENV)/mcp1
$(MCP1_DIR)/.installed: $(STAMP)
	@if $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then \
	  $(BIN)/python -m pip install -q --upgrade --target $(MCP1_DIR) "mcp==$(MCP1_VERSION)"; \
	else mkdir -p $(MCP1_DIR); fi
	touch $@

test: install $(MCP1_DIR)/.installed
	MODELKIT_TEST_MCP1=$(abspath $(MCP1_DIR)) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check modelkit tests benchmarks scripts
	$(BIN)/ruff format --check modelkit
	$(BIN)/mypy

# The suite on one Python version: make test-py PY=3.8
test-py:
	@interpreter=$$(scripts/find_python.sh $(PY)) && \
	$(MAKE) --no-print-directory test PYTHON=$$interpreter VENV=.venv-$(PY)

test-all:
	@for v in $(VERSIONS); do \
	  echo "== Python $$v"; \
	  $(MAKE) --no-print-directory test-py PY=$$v || exit 1; \
	done

# The suite on the oldest requests/attrs/urllib3 that setup.cfg allows
# (PYTHON picks the interpreter: .ci/run also runs it on Python 3.8 with
# MIN_VENV=.venv-min-3.8, the oldest of everything).
# mcp 2.x needs idna>=3 and requests 2.25 needs idna<3, so here the MCP
# servers come from folders of their own (the last 1.x, given to the server
# subprocess as PYTHONPATH) and the client runs on the old requests.
MIN_VENV ?= .venv-min
test-min:
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install -q --upgrade pip
	grep -v '^mcp' requirements-dev.txt > $(MIN_VENV)/requirements-dev-nomcp.txt
	$(MIN_VENV)/bin/python -m pip install -q -e . -r $(MIN_VENV)/requirements-dev-nomcp.txt -r requirements-min.txt
	@if $(MIN_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then \
	  $(MIN_VENV)/bin/python -m pip install -q --upgrade --target $(MIN_VENV)/mcp1 "mcp==$(MCP1_VERSION)"; fi
	MODELKIT_TEST_MCP1=$(abspath $(MIN_VENV)/mcp1) $(MIN_VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Every benchmark, then one table (job, floor, modelkit, ratio, target, SDK
# where installed), also written to benchmarks/RESULTS.md.
bench: install
	$(BIN)/python -m pip install -q -r requirements-bench.txt || \
	  echo "the official SDKs could not be installed: their column is left out"
	$(BIN)/python benchmarks/run_all.py

# redis-server for the shared cache and limits tests (Debian's package); the
# tests start and stop their own server on a loopback port, and skip with the
# reason when it cannot be installed.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; } || \
	  echo "redis-server could not be installed: the Redis tests will skip"

test-fleet: install redis-server
	MODELKIT_FLEET=1 $(BIN)/python -m pytest $(PYTEST_ARGS) -m fleet tests/fleet

LIVE_PORT ?= 8765
test-live: install
	$(BIN)/python scripts/live_server.py install
	$(BIN)/python scripts/live_server.py start --port $(LIVE_PORT)
	MODELKIT_LIVE=1 MODELKIT_LLAMA_URL=http://127.0.0.1:$(LIVE_PORT)/v1 \
	  $(BIN)/python -m pytest -q -m live tests/live/test_llama_cpp_live.py; \
	  status=$$?; $(BIN)/python scripts/live_server.py stop; exit $$status

clean:
	rm -rf .venv .venv-3.* .venv-demo build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
