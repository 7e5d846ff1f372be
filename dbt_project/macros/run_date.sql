{#-
  The run date (YYYY-MM-DD), checked once so models can inline it safely.
  At parse time (execute = false) a placeholder is returned, so `dbt parse` / `dbt ls` work
  without vars.

  Where it comes from: var `run_date`, a date (`--vars '{run_date: 2026-11-26}'`), or the
  placeholder `run_date_token()`, which run_dbt passes instead, with the date in the
  DISTILLWATCH_RUN_DATE environment variable. dbt re-parses the whole project whenever a
  `--vars` value changes (4-5 s a run); with the placeholder the vars stay the same from night
  to night, so dbt re-uses its parse. What reads var `run_date` at parse time (the `where` of
  data tests in the .yml files, the landing paths of the sources) then holds the placeholder;
  `get_where_subquery` (where_subquery.sql) and `landing_path` / `landing_source`
  (landing.sql) put the date in when a node runs.
-#}
{% macro run_date_token() -%}
  {{- return('__distillwatch_run_date__') -}}
{%- endmacro %}

{% macro run_date() %}
  {%- set value = var('run_date', none) -%}
  {%- if value is not none and (value | string) == run_date_token() -%}
    {%- set value = env_var('DISTILLWATCH_RUN_DATE', '') if execute else none -%}
  {%- endif -%}
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

{#- `text` with the run-date placeholder (see above) replaced by the run date. -#}
{% macro with_run_date(text) -%}
  {%- if run_date_token() in (text | string) -%}
    {{- return((text | string) | replace(run_date_token(), run_date())) -}}
  {%- endif -%}
  {{- return(text) -}}
{%- endmacro %}

{#- The run date as a SQL date literal. -#}
{% macro run_date_literal() %}
  {{- return("cast('" ~ run_date() ~ "' as date)") -}}
{% endmacro %}

{#- A date literal `days` days away from the run date. -#}
{% macro run_date_offset_literal(days) %}
  {%- set d = modules.datetime.date.fromisoformat(run_date()) + modules.datetime.timedelta(days=days) -%}
  {{- return("cast('" ~ d.isoformat() ~ "' as date)") -}}
{% endmacro %}
