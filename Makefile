# The two commands of the README. Each creates .venv when missing and installs what it needs:
# `make demo` only what the main job runs (ml-engineer and its runtime), `make test` the dev
# extra on top (the other frameworks, PostgreSQL, MLflow, pytest: several times the size).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
EXAMPLE := ui-benefit-claims

.PHONY: demo test install install-dev lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# ml-engineer-runtime (runtime/) is what the generated scripts import: installed from this
# clone in the same step, as PyPI does not hold it.
$(STAMP): $(BIN)/python pyproject.toml runtime/pyproject.toml
	$(BIN)/python -m pip install -qq -e ./runtime -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -qq -e ./runtime -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# Runs the main job on the bundled example, offline and without an API key.
demo: $(STAMP)
	rm -rf output/$(EXAMPLE)
	mkdir -p output/$(EXAMPLE)
	cp -R examples/$(EXAMPLE)/data output/$(EXAMPLE)/data
	$(BIN)/ml-engineer run output/$(EXAMPLE)/data --yes
	@echo
	@echo "Deliverables: output/$(EXAMPLE)/ml/ (feature-spec.md, training_script.py, experiment-config.yaml)"
	@echo "Next: $(BIN)/ml-engineer --help (or: source $(BIN)/activate, then ml-engineer --help)"

# One worker per core, each test file on one worker (its module fixtures are built once).
test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(DEV_STAMP)
	$(BIN)/ruff check ml_engineer agents graphs tests benchmarks runtime

clean:
	rm -rf $(VENV) output build *.egg-info
