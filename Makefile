# mlops-kpis: two commands do everything on a machine with python3, make and git.
#   make demo   create .venv, install, build the demo organisation, load it, dbt build, scorecard
#   make test   the test suite (pytest: loaders, scenarios worked out by hand, invariants)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo
DEMO_DB := $(DEMO_DIR)/warehouse.duckdb
# dbt reads the catalog seeds from a folder relative to the project
DEMO_CATALOG := $(DEMO_DIR)/catalog

.PHONY: install demo demo-data demo-load demo-build scorecard test clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

demo: install
	@$(MAKE) --no-print-directory demo-data demo-load demo-build scorecard

demo-data:
	$(BIN)/python -m ingest.demo --out $(DEMO_DIR)

demo-load:
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(BIN)/python -m ingest.run --recorded $(DEMO_DIR) --db $(DEMO_DB) --catalog $(DEMO_CATALOG)

demo-build:
	@echo "dbt build (log: $(DEMO_DIR)/dbt.log)"
	@MLOPS_KPIS_DB=$(DEMO_DB) MLOPS_KPIS_CATALOG_DIR=$(DEMO_CATALOG) DBT_TARGET_PATH=$(DEMO_DIR)/dbt_target \
		DBT_LOG_PATH=$(DEMO_DIR)/dbt_target/logs \
		$(BIN)/dbt build --profiles-dir . > $(DEMO_DIR)/dbt.log 2>&1 \
		|| { tail -n 60 $(DEMO_DIR)/dbt.log; exit 1; }
	@grep -E "Done\. PASS=" $(DEMO_DIR)/dbt.log | sed -e 's/^[0-9:]* *//'

scorecard:
	@$(BIN)/python -m mlops_kpis.scorecard --db $(DEMO_DB)

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf build target logs
