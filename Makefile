# Byline — every target documents itself: `make help`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test chaos lint typecheck bench soak clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Byline with its development tools

demo: $(STAMP) ## The main job: run the weibo preset on a synthetic platform, then serve the console and API
	$(BIN)/byline demo $(ARGS)

test: $(STAMP) ## Run the whole test suite (what CI runs)
	$(BIN)/pytest

chaos: $(STAMP) ## The fault and abuse suite only, long: many seeds, more kills, longer loads
	BYLINE_CHAOS_SEEDS=$${BYLINE_CHAOS_SEEDS:-20} BYLINE_CHAOS_KILLS=$${BYLINE_CHAOS_KILLS:-5} \
	BYLINE_CHAOS_SECONDS=$${BYLINE_CHAOS_SECONDS:-20} BYLINE_CHAOS_ACCOUNTS=$${BYLINE_CHAOS_ACCOUNTS:-1500} \
	$(BIN)/pytest -m chaos tests/chaos $(ARGS)

lint: $(STAMP) ## ruff and mypy (strict)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP) ## Benchmarks: engine vs DuckDB floor vs pandas at 10M and 100M accounts (slow)
	$(BIN)/python bench/evaluate.py $(ARGS)

soak: $(STAMP) ## Sustained label load on PostgreSQL for 10 minutes: errors, p50/p99, RSS at start and end
	BYLINE_LOAD_SECONDS=600 $(BIN)/pytest tests/load -q

clean: ## Remove the virtual environment, caches and demo data
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis byline-demo test-artifacts .schemathesis
