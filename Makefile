# mlops-kpis: two commands do everything on a machine with python3, make and git.
#   make demo   create .venv, install, build the demo organisation, load it, dbt build, scorecard
#   make test   the test suite (pytest: loaders, scenarios worked out by hand, invariants)
#   make report / docs / semantic   the HTML report, dbt docs, mf validate-configs (docs/bi.md)
#   make superset / test-superset   Superset dashboards on the published marts (docs/bi.md)

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
	@$(MAKE) --no-print-directory demo-data demo-load demo-build demo-publish scorecard

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

# Ready for BI (docs/bi.md): the HTML report, dbt docs with the exposures, the semantic layer.
# Each reads the demo warehouse and builds it first (make demo) when it is missing.
REPORT := build/report/mlops-kpis-report.html
DOCS_DIR := build/docs

.PHONY: report docs semantic test-report

$(DEMO_DB):
	@echo "no demo warehouse at $(DEMO_DB): building it first (make demo)"
	@$(MAKE) --no-print-directory demo

report: install | $(DEMO_DB)
	@$(BIN)/python -m mlops_kpis.report --db $(DEMO_DB) --out $(REPORT)
	@echo "open $(REPORT) in a browser: one file, no network needed"

docs: install | $(DEMO_DB)
	@mkdir -p $(DOCS_DIR)
	@MLOPS_KPIS_DB=$(DEMO_DB) MLOPS_KPIS_CATALOG_DIR=$(DEMO_CATALOG) DBT_TARGET_PATH=$(DOCS_DIR) \
		DBT_LOG_PATH=$(DOCS_DIR)/logs DBT_SEND_ANONYMOUS_USAGE_STATS=false \
		$(BIN)/dbt docs generate --static --profiles-dir . > $(DOCS_DIR)/dbt-docs.log 2>&1 \
		|| { tail -n 40 $(DOCS_DIR)/dbt-docs.log; exit 1; }
	@echo "dbt docs: $(DOCS_DIR)/static_index.html (one file, opens offline)"
	@echo "  or serve them: $(BIN)/dbt docs serve --target-path $(DOCS_DIR) --profiles-dir . --port 8080"

semantic: install | $(DEMO_DB)
	@$(BIN)/python -m mlops_kpis.semantic --db $(DEMO_DB) --catalog $(DEMO_CATALOG) --parse validate-configs

# the report test with its headless-Chromium rendering check (installs Debian's chromium)
test-report: install
	bash scripts/install_chromium.sh
	$(BIN)/python -m pytest tests/python/test_report.py

# Publishing (docs/bi.md, D40): after a successful dbt build, BI tools read a complete read-only
# copy of the marts (build/demo/published.duckdb, replaced atomically), never the warehouse dbt
# writes. Superset (D41) runs in its own virtualenv, build/superset/venv, on 127.0.0.1:8088
# (admin/admin, local only); BI_WAREHOUSE=<published file> points it at your own warehouse.
DEMO_PUBLISHED := $(DEMO_DIR)/published.duckdb

.PHONY: demo-publish superset superset-stop test-superset

demo-publish:
	@$(BIN)/python -m mlops_kpis.publish --from $(DEMO_DB) --to $(DEMO_PUBLISHED)

superset: install
	@if [ -z "$$BI_WAREHOUSE" ] && [ ! -f $(DEMO_PUBLISHED) ]; then \
		if [ -f $(DEMO_DB) ]; then $(MAKE) --no-print-directory demo-publish; \
		else $(MAKE) --no-print-directory demo; fi; fi
	@bi/superset/superset.sh up

superset-stop:
	@bi/superset/superset.sh stop

# opens every dashboard in headless Chromium (installs Debian's chromium + chromium-driver)
test-superset: install
	@bi/superset/test.sh

clean:
	rm -rf build target logs
