{#-
  Calendar date and hour of day of a UTC timestamp column. DuckDB's TIMESTAMPTZ is converted
  with the session zone, so it is pinned to UTC explicitly (the profile also sets TimeZone=UTC).
-#}
{% macro utc_date(column) %}
  {{- return(adapter.dispatch('utc_date', 'distillwatch')(column)) -}}
{% endmacro %}

{% macro default__utc_date(column) -%}
  cast({{ column }} as date)
{%- endmacro %}

{% macro duckdb__utc_date(column) -%}
  cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}


{% macro utc_hour(column) %}
  {{- return(adapter.dispatch('utc_hour', 'distillwatch')(column)) -}}
{% endmacro %}

{% macro default__utc_hour(column) -%}
  cast(extract(hour from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__utc_hour(column) -%}
  cast(hour(timezone('UTC', {{ column }})) as {{ dbt.type_int() }})
{%- endmacro %}


{#- The type of an instant in time (UTC): TIMESTAMPTZ on DuckDB, TIMESTAMP (session zone UTC) elsewhere. -#}
{% macro type_timestamp_utc() %}
  {{- return(adapter.dispatch('type_timestamp_utc', 'distillwatch')()) -}}
{% endmacro %}

{% macro default__type_timestamp_utc() -%}
  timestamp
{%- endmacro %}

{% macro duckdb__type_timestamp_utc() -%}
  timestamptz
{%- endmacro %}
