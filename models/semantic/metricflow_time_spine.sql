-- One row per UTC calendar day from 2015-01-01 (10,000 days, to 2042): the time spine
-- MetricFlow joins to for time grains (day, week starting Monday, month) in the semantic layer
-- (models/semantic/). Made with the integers macro: no dbt_utils, no generate_series.
{{ config(schema='marts', materialized='table') }}
select
    cast({{ dbt.dateadd('day', 'integers.n', "cast('2015-01-01' as date)") }} as date) as date_day
from {{ integers(10000) }} as integers
