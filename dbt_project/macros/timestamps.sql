{#-
  Calendar date and hour of day of a UTC timestamp column.
  DuckDB converts TIMESTAMPTZ with the session zone (ICU, slow per row); going through the epoch
  gives the UTC wall clock whatever the session zone, about 15x faster on millions of rows.
  Spark does the same from unix_micros, so a cluster whose session zone is not UTC still gets
  UTC dates and hours.
-#}
{% macro utc_date(column) %}
  {{- return(adapter.dispatch('utc_date', 'distillwatch')(column)) -}}
{% endmacro %}

{% macro default__utc_date(column) -%}
  cast({{ column }} as date)
{%- endmacro %}

{% macro duckdb__utc_date(column) -%}
  cast(make_timestamp(epoch_us({{ column }})) as date)
{%- endmacro %}

{#- Spark: whole UTC days since the epoch, in integer arithmetic (whatever the session zone). -#}
{% macro spark__utc_date(column) -%}
  date_from_unix_date(cast(
    (unix_micros({{ column }}) - pmod(unix_micros({{ column }}), 86400000000))
      div 86400000000
  as int))
{%- endmacro %}


{% macro utc_hour(column) %}
  {{- return(adapter.dispatch('utc_hour', 'distillwatch')(column)) -}}
{% endmacro %}

{% macro default__utc_hour(column) -%}
  cast(extract(hour from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__utc_hour(column) -%}
  cast(hour(make_timestamp(epoch_us({{ column }}))) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__utc_hour(column) -%}
  cast(pmod(unix_micros({{ column }}), 86400000000) div 3600000000 as {{ dbt.type_int() }})
{%- endmacro %}


{#-
  The type of an instant in time (UTC): TIMESTAMPTZ on DuckDB, TIMESTAMP elsewhere (on Spark an
  instant, shown in the session zone: UTC in profiles.yml).
-#}
{% macro type_timestamp_utc() %}
  {{- return(adapter.dispatch('type_timestamp_utc', 'distillwatch')()) -}}
{% endmacro %}

{% macro default__type_timestamp_utc() -%}
  timestamp
{%- endmacro %}

{% macro duckdb__type_timestamp_utc() -%}
  timestamptz
{%- endmacro %}
