-- One row per (scope, scope_id, ISO week starting Monday, UTC): the DORA metrics of the week
-- for each project, team and the org; see macros/dora_period_metrics.sql for the rules.
{{ dora_period_metrics('week') }}
