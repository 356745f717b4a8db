{#-
  integers(n): a subquery of one column `n`, the integers 0 .. n-1 (n <= 10000), made from
  cross-joined digits so it runs on any SQL engine (no generate_series).
-#}
{% macro integers(upper_bound) -%}
    (
        select n from (
            select d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d as n
            from {% for i in range(4) -%}
                (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
                 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d{{ i }}{{ "," if not loop.last }}
            {% endfor %}
        ) as digits
        where n < {{ upper_bound }}
    )
{%- endmacro %}
