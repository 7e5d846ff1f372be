{#-
  dbt's `get_where_subquery` (the `where` config of data tests), with the run-date placeholder
  of run_date.sql replaced by the run date: the .yml files write
  `where: "activity_date = '{{ var('run_date') }}'"`, rendered when dbt parses them.
-#}
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- if where -%}
    {%- set where = with_run_date(where) if execute else where -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {%- do return(filtered) -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}
