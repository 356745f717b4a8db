{#-
  dbt.type_float() renders "float" on every adapter, and DuckDB reads "float" as a 4-byte REAL:
  a change failure rate of 1/3 came out as 0.33333334 and ratios were compared with the DORA
  thresholds in single precision. On DuckDB the marts' floating-point type is an 8-byte double.
  (dbt searches the root project first for dbt-namespace macros, so this replaces the default.)
-#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}
