{#-
  catalog_keys(object_type): a relation (object_key, project_id) of one type of catalog mapping,
  keys lower-cased so that they match case-insensitively (cloud resource names are compared so:
  SageMaker lower-cases names in ARNs). A key listed by several projects goes to the first
  project id, as registered_model does.
-#}
{% macro catalog_keys(object_type) -%}
    (
        select lower(object_key) as object_key, min(project_id) as project_id
        from {{ ref('project_mappings') }}
        where object_type = '{{ object_type }}'
        group by lower(object_key)
    )
{%- endmacro %}
