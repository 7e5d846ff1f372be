{#-
  Cast that yields null instead of failing: quarantined rows are kept whatever is wrong with them.
-#}
{% macro safe_cast(expression, type) %}
  {{- return(adapter.dispatch('safe_cast', 'distillwatch')(expression, type)) -}}
{% endmacro %}

{% macro default__safe_cast(expression, type) -%}
  cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro duckdb__safe_cast(expression, type) -%}
  try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro spark__safe_cast(expression, type) -%}
  try_cast({{ expression }} as {{ type }})
{%- endmacro %}
