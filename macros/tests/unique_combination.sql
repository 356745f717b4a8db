{#-
  unique_combination: no two rows share the values of these columns (a compound primary key).
  Written here because dbt_utils' unique_combination_of_columns is not reachable offline.
-#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
