# ictstats: `make run` builds the warehouse, `make test` runs the tests; both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)
export ICTSTATS_DAGSTER_STORAGE ?= $(CURDIR)/.dagster

.PHONY: setup run test lint format dev contract bench faults clean dictionary

# The oldest DuckDB the README says opens the warehouse (ictstats.warehouse.write.OLDEST_DUCKDB_READER;
# keep equal), in its own folder beside the venv's packages: tests/integration/test_cli.py runs it.
OLDEST_DUCKDB := 1.0.0
OLD_DUCKDB := $(VENV)/duckdb-$(OLDEST_DUCKDB)

setup: $(INSTALLED) $(OLD_DUCKDB)/.installed

# uv installs the pinned set in seconds; plain pip is the fallback if uv cannot be had.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]' \
	  || $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(OLD_DUCKDB)/.installed: $(INSTALLED)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --target $(OLD_DUCKDB) duckdb==$(OLDEST_DUCKDB) \
	  || $(BIN)/python -m pip install --quiet --target $(OLD_DUCKDB) duckdb==$(OLDEST_DUCKDB)
	touch $@

run: setup
	$(BIN)/ictstats run

# the unit layer runs with no offline mirror (a test that reaches for it fails), then the real
# files and the fault-corpus sample
test: setup
	ICTSTATS_MIRROR=$(CURDIR)/.no-mirror $(BIN)/pytest -q tests/unit
	$(BIN)/pytest -q tests/integration tests/faults

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Dagster UI on http://127.0.0.1:3000 (bound to loopback only)
dev: setup
	mkdir -p $(ICTSTATS_DAGSTER_STORAGE)
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

# the public warehouse contract of the foundation issue, when ../shared is beside the project
contract: setup
	$(BIN)/python ../shared/checks/warehouse_contract.py data/curated/ictstats.duckdb

# benchmarks: cold and no-change builds, Excel readers, aggregation at 10^5..10^8 rows
bench: setup
	$(BIN)/python bench/run.py

# the fault corpus: every fault through the real pipeline, warehouse checked byte for byte
faults: setup
	$(BIN)/python -m tests.faults --jobs 2

clean:
	rm -rf data/curated/* data/raw/* .dagster

# docs/data-dictionary.md from the declarations in src/ictstats/metadata/ (a unit test checks it)
dictionary: setup
	$(BIN)/python -m ictstats.metadata.dictionary > docs/data-dictionary.md
