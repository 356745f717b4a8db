-- One row per (scope, scope_id, calendar month, UTC): the DORA metrics of the month for each
-- project, team and the org; see macros/dora_period_metrics.sql for the rules.
{{ dora_period_metrics('month') }}
