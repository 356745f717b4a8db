{#-
  Models land in the schema named by their folder (staging, intermediate, marts, reference,
  snapshots) rather than dbt's default "<target schema>_<custom schema>", so SQL clients and
  BI tools see short, stable names: marts.fct_deployments.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
