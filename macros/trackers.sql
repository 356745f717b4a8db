{#- Helpers of the tracker kickoff/approval models (Asana, Notion, Basecamp), where names
    (sections, columns, statuses, property and field names) are matched case-insensitively. -#}

{#- as_list(value): a var as a list: none -> [], a string -> [it], a list as is. -#}
{% macro as_list(value) -%}
    {%- if value is none -%}
        {{ return([]) }}
    {%- elif value is string -%}
        {{ return([value]) }}
    {%- else -%}
        {{ return(value | list) }}
    {%- endif -%}
{%- endmacro %}

{#- lower_in(expr, values): expr equals one of the values, ignoring case; false for no values. -#}
{% macro lower_in(expr, values) -%}
    {%- set items = as_list(values) -%}
    {%- if items | length == 0 -%}
        false
    {%- else -%}
        lower({{ expr }}) in {{ sql_list(items | map('lower') | list) }}
    {%- endif -%}
{%- endmacro %}

{#- name_is(expr, name): expr equals the name, ignoring case; false when the name is not set. -#}
{% macro name_is(expr, name) -%}
    {%- if name is none or name == '' -%}
        false
    {%- else -%}
        lower({{ expr }}) = '{{ name | lower | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- catalog_objects(object_type, key_expr): (object_key, project_id) of the catalog mappings of
    one object type, for keys that exactly one project claims; key_expr normalises the key. -#}
{% macro catalog_objects(object_type, key_expr='cast(object_key as ' ~ dbt.type_string() ~ ')') -%}
    select
        {{ key_expr }} as object_key,
        min(project_id) as project_id
    from {{ ref('project_mappings') }}
    where object_type = '{{ object_type }}'
    group by {{ key_expr }}
    having count(distinct project_id) = 1
{%- endmacro %}
