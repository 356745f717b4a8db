{#- Time helpers. Every timestamp in the models is a UTC `timestamp` without time zone. -#}

{#- to_utc(expr): a timestamp-with-time-zone column as a UTC timestamp. -#}
{% macro to_utc(expr) -%}
    {{ return(adapter.dispatch('to_utc', 'mlops_kpis')(expr)) }}
{%- endmacro %}

{% macro default__to_utc(expr) -%}
    cast({{ expr }} at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- hours_between(start, end): elapsed hours as a float (end - start), from whole seconds. -#}
{% macro hours_between(start_expr, end_expr) -%}
    ({{ dbt.datediff(start_expr, end_expr, 'second') }} / 3600.0)
{%- endmacro %}

{#- as_of_timestamp(): the var as_of as a timestamp literal, or null when unset. -#}
{% macro as_of_literal() -%}
    {%- set v = var('as_of', none) -%}
    {%- if v is none or v == '' -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast('{{ v }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}
