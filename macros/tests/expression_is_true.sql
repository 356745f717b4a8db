{#- expression_is_true: the SQL expression holds on every row (rows where it fails are returned). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
