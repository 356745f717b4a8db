"""dlt pipelines that load Git, GitHub, Jira and MLflow records into DuckDB for mlops-kpis."""
