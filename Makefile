# One entry point for people and CI. Every target sets up what it needs on a fresh machine
# (only Python 3.11 and pip assumed).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/speaker-helper
STAMP := $(VENV)/.installed
SAM := bash infra/sam.sh
EVAL_SETS := tests/eval/questions.yaml tests/eval/holdout.yaml tests/eval/blind.yaml tests/eval/unseen.yaml tests/eval/unseen2.yaml tests/eval/unseen3.yaml tests/eval/unseen4.yaml tests/eval/unseen5.yaml tests/eval/unseen6.yaml tests/eval/unseen7.yaml tests/eval/unseen8.yaml tests/eval/unseen9.yaml tests/eval/unseen10.yaml tests/eval/unseen11.yaml tests/eval/unseen12.yaml tests/eval/unseen13.yaml tests/eval/unseen14.yaml tests/eval/unseen16.yaml tests/eval/unseen17.yaml tests/eval/unseen18.yaml tests/eval/unseen19.yaml tests/eval/unseen20.yaml tests/eval/unseen15.yaml tests/eval/unseen21.yaml tests/eval/unseen22.yaml tests/eval/unseen23.yaml tests/eval/unseen26.yaml tests/eval/unseen27.yaml tests/eval/unseen28.yaml tests/eval/unseen29.yaml tests/eval/unseen30.yaml tests/eval/unseen31.yaml tests/eval/unseen32.yaml tests/eval/unseen33.yaml tests/eval/unseen35.yaml tests/eval/unseen36.yaml tests/eval/unseen24.yaml tests/eval/unseen25.yaml tests/eval/unseen34.yaml tests/eval/unseen39.yaml tests/eval/unseen40.yaml tests/eval/unseen41.yaml tests/eval/unseen42.yaml tests/eval/unseen43.yaml tests/eval/unseen44.yaml tests/eval/unseen45.yaml tests/eval/unseen46.yaml tests/eval/unseen47.yaml tests/eval/unseen48.yaml tests/eval/unseen49.yaml tests/eval/unseen54.yaml tests/eval/unseen55.yaml tests/eval/unseen56.yaml tests/eval/unseen57.yaml tests/eval/unseen58.yaml tests/eval/unseen59.yaml tests/eval/unseen60.yaml tests/eval/unseen61.yaml tests/eval/unseen62.yaml tests/eval/unseen63.yaml tests/eval/unseen64.yaml tests/eval/unseen65.yaml tests/eval/unseen50.yaml tests/eval/unseen51.yaml tests/eval/unseen52.yaml tests/eval/unseen53.yaml tests/eval/unseen66.yaml tests/eval/unseen67.yaml tests/eval/unseen68.yaml tests/eval/unseen69.yaml
DYNAMODB_PORT ?= 8000
FUZZ_EXAMPLES ?= 10000

.PHONY: help test chat eval test-all routing quality knowledge models validate-models lint build \
        package bench bench-quick fuzz dynamodb speech-report clean

help:
	@echo "make chat            talk to the skill in the terminal"
	@echo "make test            everything CI runs"
	@echo "make eval            answer quality on the dev and held-out sets, with the BM25 baseline"
	@echo "make test-all        every question variant back to its own entry, and cross-validated"
	@echo "make routing         accuracy of the local utterance router on tests/eval/routing.yaml"
	@echo "make knowledge       validate and compile knowledge/*.yaml after editing it"
	@echo "make models          regenerate interaction_models/*.json from source.yaml"
	@echo "make validate-models check the models against Alexa's build rules"
	@echo "make lint / build    sam validate --lint + cfn-lint / sam build (no Docker)"
	@echo "make package         the ASK CLI skill package in build/skill-package"
	@echo "make bench           benchmarks against the hello-world anchor (bench/results.md; make build first for the artifact row)"
	@echo "make fuzz            $(FUZZ_EXAMPLES) hypothesis examples through the Lambda entry point"
	@echo "make dynamodb        a moto DynamoDB server on 127.0.0.1:$(DYNAMODB_PORT)"
	@echo "make speech-report   words and seconds of speech per answer (needs espeak-ng and sox)"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The order matters: the built-artifact tests need a fresh `sam build`.
test: $(STAMP)
	$(CLI) knowledge --check
	$(CLI) models --check
	$(PY) -m speaker_helper.model_validator
	$(SAM) lint
	$(SAM) build
	$(PY) -m pytest

chat: $(STAMP)
	@$(CLI) chat

eval: $(STAMP)
	$(CLI) eval $(EVAL_SETS)

test-all: $(STAMP)
	$(CLI) test-all
	$(CLI) test-all --folds 5

routing: $(STAMP)
	$(CLI) routing tests/eval/routing.yaml

quality: eval test-all routing

knowledge: $(STAMP)
	$(CLI) knowledge

models: $(STAMP)
	$(CLI) models

validate-models: $(STAMP)
	$(PY) -m speaker_helper.model_validator

lint:
	$(SAM) lint

build:
	$(SAM) build

package: $(STAMP)
	$(PY) infra/package.py $(PACKAGE_ARGS)

bench: $(STAMP)
	$(PY) bench/run.py

bench-quick: $(STAMP)
	$(PY) bench/run.py --quick

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -p no:cacheprovider tests/fuzz -q

dynamodb: $(STAMP)
	@echo "moto DynamoDB on http://127.0.0.1:$(DYNAMODB_PORT) (Ctrl-C stops it; state lives as long as it runs)"
	@echo "then: DYNAMODB_ENDPOINT=http://127.0.0.1:$(DYNAMODB_PORT) make chat"
	$(VENV)/bin/moto_server -H 127.0.0.1 -p $(DYNAMODB_PORT)

speech-report: $(STAMP)
	$(CLI) speech-report

clean:
	rm -rf $(VENV) .venv-sam .pytest_cache build .aws-sam .hypothesis
