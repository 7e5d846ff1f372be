{#-
  Incremental strategy `replace_dates`: a run replaces whole days.

  Every incremental model in this project has an `activity_date` column. The strategy deletes
  the run date and every date present in the new rows, then inserts the new rows, in one
  transaction. So a re-run of a date replaces exactly that date (even when the day now has no
  rows), and a model may also refresh a neighbouring day it recomputed (fct_capability_daily
  rewrites run_date + 1, whose day-over-day change depends on the run date).

  On Spark the project config selects `insert_overwrite` with `partition_by: activity_date`
  instead (dbt-spark only accepts its built-in strategies): the dates present in the new rows
  replace their partitions (dynamic partition overwrite). The run date without new rows is
  handled below, so both engines give the same table.
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


{#-
  Spark: `insert_overwrite` replaces only the partitions present in the new rows, so a re-run of
  a date that now has no rows (a re-pulled drop without quarantined rows, say) would keep the
  old ones. Before the insert, drop the run date's partition when the new rows (dbt's temporary
  view) have none: the same rows as `replace_dates` on DuckDB.

  This wraps dbt-spark's `get_insert_overwrite_sql` (a root-project macro takes precedence over
  the adapter's; `dbt.get_insert_overwrite_sql` is the adapter's own). It is only reached by
  incremental runs into an existing table; models not partitioned by activity_date, or runs
  without var run_date, get dbt-spark's statement unchanged.
-#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
  {%- do spark_drop_run_date_without_rows(source_relation, target_relation) -%}
  {{- return(dbt.get_insert_overwrite_sql(source_relation, target_relation, existing_relation)) -}}
{% endmacro %}

{% macro spark_drop_run_date_without_rows(source_relation, target_relation) %}
  {%- set partition_by = config.get('partition_by') -%}
  {%- set partition_by = [partition_by] if partition_by is string else (partition_by or []) -%}
  {%- if not execute or partition_by | list != ['activity_date'] or var('run_date', none) is none -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set new_rows = run_query(
      "select count(*) from " ~ source_relation ~ " where activity_date = " ~ run_date_literal()
  ) -%}
  {%- if new_rows.columns[0].values()[0] == 0 -%}
    {%- do run_query(
        "alter table " ~ target_relation ~ " drop if exists partition (activity_date = '" ~ run_date() ~ "')"
    ) -%}
  {%- endif -%}
{% endmacro %}
