{#- Small cross-database helpers (no dbt_utils: the package hub is out of reach here). -#}

{#- percentile(expr, p): continuous percentile as an aggregate. -#}
{% macro percentile(expr, p) -%}
    {{ return(adapter.dispatch('percentile', 'mlops_kpis')(expr, p)) }}
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expr }})
{%- endmacro %}

{#- regex_matches(expr, pattern): true when the pattern is found, case-insensitive. -#}
{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'mlops_kpis')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ pattern }}, 'i')
{%- endmacro %}

{#- regex_extract(expr, pattern, group): the group of the first match, or null. -#}
{% macro regex_extract(expr, pattern, group=1) -%}
    {{ return(adapter.dispatch('regex_extract', 'mlops_kpis')(expr, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_extract(expr, pattern, group=1) -%}
    nullif(regexp_extract({{ expr }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}

{#- sql_list(values): a Python list from a var as a SQL list of string literals: ('a', 'b'). -#}
{% macro sql_list(values) -%}
    {%- if values | length == 0 -%}
        (null)
    {%- else -%}
        ({%- for v in values -%}'{{ v | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- label_in(labels_expr, values): a comma-separated label column holds one of the values. -#}
{% macro label_in(labels_expr, values) -%}
    {%- if values | length == 0 -%}
        false
    {%- else -%}
        ({%- for v in values -%}
            (',' || lower(coalesce({{ labels_expr }}, '')) || ',') like '%,{{ v | lower | replace("'", "''") }},%'{{ " or " if not loop.last }}
        {%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- surrogate_key(cols): a stable text key from columns (md5 of the values joined by '|'). -#}
{% macro surrogate_key(cols) -%}
    md5({%- for c in cols -%}coalesce(cast({{ c }} as {{ dbt.type_string() }}), '~'){{ " || '|' || " if not loop.last }}{%- endfor -%})
{%- endmacro %}
