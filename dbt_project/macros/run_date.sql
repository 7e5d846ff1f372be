{#-
  The run date (var `run_date`, YYYY-MM-DD), checked once so models can inline it safely.
  At parse time (execute = false) a placeholder is returned, so `dbt parse` / `dbt ls` work
  without vars.
-#}
{% macro run_date() %}
  {%- set value = var('run_date', none) -%}
  {%- if value is none or (value | string) | trim == '' -%}
    {%- if execute -%}
      {{ exceptions.raise_compiler_error("var 'run_date' is required (YYYY-MM-DD), e.g. --vars '{run_date: 2026-11-26}'") }}
    {%- endif -%}
    {{ return('1970-01-01') }}
  {%- endif -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
    {{ exceptions.raise_compiler_error("var 'run_date' must be YYYY-MM-DD, got '" ~ text ~ "'") }}
  {%- endif -%}
  {%- do modules.datetime.date.fromisoformat(text) -%}
  {{ return(text) }}
{% endmacro %}

{#- The run date as a SQL date literal. -#}
{% macro run_date_literal() %}
  {{- return("cast('" ~ run_date() ~ "' as date)") -}}
{% endmacro %}

{#- A date literal `days` days away from the run date. -#}
{% macro run_date_offset_literal(days) %}
  {%- set d = modules.datetime.date.fromisoformat(run_date()) + modules.datetime.timedelta(days=days) -%}
  {{- return("cast('" ~ d.isoformat() ~ "' as date)") -}}
{% endmacro %}
