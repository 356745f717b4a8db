"""mlops-kpis: DORA keys and the ML journey for ML projects (dbt models over dlt-loaded DuckDB)."""
