{#-
  Incremental strategy `replace_dates`: a run replaces whole days.

  Every incremental model in this project has an `activity_date` column. The strategy deletes
  the run date and every date present in the new rows, then inserts the new rows, in one
  transaction. So a re-run of a date replaces exactly that date (even when the day now has no
  rows), and a model may also refresh a neighbouring day it recomputed (fct_capability_daily
  rewrites run_date + 1, whose day-over-day change depends on the run date).

  On Spark the project config selects `insert_overwrite` with `partition_by: activity_date`
  instead (dbt-spark only accepts its built-in strategies), which has the same effect.
-#}
{% macro get_incremental_replace_dates_sql(arg_dict) %}
  {{- return(adapter.dispatch('get_incremental_replace_dates_sql', 'distillwatch')(arg_dict)) -}}
{% endmacro %}

{% macro default__get_incremental_replace_dates_sql(arg_dict) %}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set source = arg_dict['temp_relation'] -%}
  {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  delete from {{ target }}
  where activity_date = {{ run_date_literal() }}
     or activity_date in (select distinct activity_date from {{ source }});

  insert into {{ target }} ({{ columns_csv }})
  select {{ columns_csv }}
  from {{ source }}
{% endmacro %}
