# FactBot: `make run` and `make test` do all the set-up they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run console build test soak lint format bench bench-quick clean docker-smoke lock

## The pinned versions of requirements-dev.lock (the image's runtime pins plus
## the test tools), then FactBot itself, editable.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/python -m knowledge build

## Run the bot (or, with no DISCORD_TOKEN, the local console).
run: build
	$(BIN)/python -m bot

console: build
	$(BIN)/python -m knowledge console

## The whole test suite (what CI runs).
test: install
	$(BIN)/python -m pytest -q

## The long runs left out of `make test`: a 5-minute memory soak, and faults
## that take discord.py a minute to notice or give up on (about 8 minutes).
soak: install
	$(BIN)/python -m pytest -q -m soak -s

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold warning Dockerfile

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks: FactBot against the naive scan from 60 to 1,000,000 facts, the
## event loop under load, and end to end through discord.py on SQLite and on
## PostgreSQL (about 11 minutes;
## bench-quick: under 2); then bulk import and curation at 10,000 to 1,000,000
## facts beside the old code paths (benchmarks/curation.py, about 20 minutes).
## Tables on stdout, JSON in benchmarks/results/.
bench: install
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.curation
	$(BIN)/python -m benchmarks.feed_latency

bench-quick: install
	$(BIN)/python -m benchmarks --quick

## Build the container image with podman and run it (needs root; see README).
docker-smoke:
	scripts/docker-smoke.sh

## Re-pin requirements.lock (the container's runtime) and requirements-dev.lock
## (that plus the test tools) after changing the dependencies in pyproject.toml.
lock:
	PYTHON=$(PYTHON) scripts/lock.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
