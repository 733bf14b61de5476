# devops-analytics: `make help` lists the targets.
# `make report` and `make test` create .venv on first use and install everything they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/sample
OUT    ?= reports

.DEFAULT_GOAL := help
.PHONY: help install report test test-fast lab sample lint bench bench-render clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (devops-analytics)" >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its dev extra

report: $(STAMP) ## Render the latest complete month of data/sample into reports/ and print its KPIs
	$(BIN)/devops-analytics render --data $(DATA) --latest --out $(OUT)
	@echo
	$(BIN)/devops-analytics summary $(DATA)

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Run the tests without the slow notebook and browser ones
	$(BIN)/python -m pytest -m "not slow and not browser"

lab: $(STAMP) ## Open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP) ## Regenerate data/sample from analytics/synthetic/sample/
	$(BIN)/devops-analytics sample --out data/sample

lint: $(STAMP) ## ruff (line length 100, complexity 12), ruff format, notebooks without outputs, mypy
	$(BIN)/ruff check analytics tests
	$(BIN)/ruff format --check analytics tests
	$(BIN)/nbstripout --verify notebooks/reports/*.ipynb notebooks/explore/*.ipynb
	$(BIN)/mypy

bench: $(STAMP) ## Benchmarks: load, metrics, impact, DuckDB cross-check, render
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

bench-render: $(STAMP) ## Time the month render against the naive papermill + nbconvert CLI loop
	$(BIN)/python benchmarks/bench_render.py --data $(DATA)

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
