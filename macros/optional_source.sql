{#-
  optional_source(source_name, table_name): the source relation when the loader has created
  it, else an empty relation with the columns (and data types) declared for that source table
  in its _<source>__sources.yml. A team that does not use a tool (no Jira, no Notion, no
  TensorBoard...) has no raw table for it, and the project must still build: its staging
  model is then empty instead of failing. Declaring the columns is required for this, and
  doubles as the documentation of the raw table.
-#}
{% macro optional_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
        {%- if found is not none -%}
            {{ relation }}
        {%- else -%}
            {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
            {%- set columns = node.columns.values() | list if node else [] -%}
            {%- if columns | length == 0 -%}
                {{ exceptions.raise_compiler_error("optional_source: " ~ source_name ~ "." ~ table_name ~ " does not exist and declares no columns in its sources yml") }}
            {%- endif -%}
            {{ log("optional_source: " ~ relation ~ " not loaded yet; reading it as empty", info=false) }}
            (
                select
                {%- for column in columns %}
                    cast(null as {{ column.data_type or dbt.type_string() }}) as {{ column.name }}{{ "," if not loop.last }}
                {%- endfor %}
                where 1 = 0
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
