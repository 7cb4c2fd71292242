# One entry point for people and CI. Every target sets up what it needs on a fresh machine
# (only Python 3.11 and pip assumed).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/speaker-helper
STAMP := $(VENV)/.installed

.PHONY: help test chat eval knowledge models clean

help:
	@echo "make chat       talk to the skill in the terminal"
	@echo "make test       everything CI runs"
	@echo "make eval       answer-quality report on the dev and held-out eval sets"
	@echo "make knowledge  compile knowledge/*.yaml after editing it"
	@echo "make models     regenerate interaction_models/*.json"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(CLI) knowledge --check
	$(CLI) models --check
	$(PY) -m pytest

chat: $(STAMP)
	@$(CLI) chat

eval: $(STAMP)
	$(CLI) eval tests/eval/questions.yaml tests/eval/holdout.yaml

knowledge: $(STAMP)
	$(CLI) knowledge

models: $(STAMP)
	$(CLI) models

clean:
	rm -rf $(VENV) .pytest_cache build .aws-sam
