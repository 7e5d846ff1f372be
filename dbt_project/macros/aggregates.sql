{#-
  Aggregates with fixed result types. DuckDB widens sum(bigint) to HUGEINT (int128), which
  readers (pandas, GX) handle poorly; every count and sum in the marts is a BIGINT instead.
-#}

{#- Number of rows where a boolean condition holds (BIGINT). -#}
{% macro count_where(condition) %}
  {{- return(adapter.dispatch('count_where', 'distillwatch')(condition)) -}}
{% endmacro %}

{% macro default__count_where(condition) -%}
  cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__count_where(condition) -%}
  cast(count_if({{ condition }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- Spark's count_if is a BIGINT already; the cast keeps the column type explicit. -#}
{% macro spark__count_where(condition) -%}
  cast(count_if({{ condition }}) as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- Sum of an integer expression as BIGINT. -#}
{% macro sum_bigint(expression) -%}
  cast(sum({{ expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- Double-precision float type, for shares and entropies. -#}
{% macro type_double() %}
  {{- return(adapter.dispatch('type_double', 'distillwatch')()) -}}
{% endmacro %}

{% macro default__type_double() -%}
  double
{%- endmacro %}
