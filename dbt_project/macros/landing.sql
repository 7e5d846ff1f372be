{#-
  Whether a landing file behind a source exists for the run date.

  The clean files are always written by validate; quarantine files may be absent on a day
  without bad rows. Sources carry their file in `meta.landing_path`, which
  `meta.external_location` (dbt-duckdb) reads; this looks the path up in the graph and asks the
  engine. Adapters without a file check assume the file exists.
-#}
{% macro landing_file_exists(source_name, table_name) %}
  {{- return(adapter.dispatch('landing_file_exists', 'distillwatch')(source_name, table_name)) -}}
{% endmacro %}

{% macro default__landing_file_exists(source_name, table_name) %}
  {{- return(true) -}}
{% endmacro %}

{% macro duckdb__landing_file_exists(source_name, table_name) %}
  {%- if not execute -%}
    {{- return(true) -}}
  {%- endif -%}
  {%- set path = landing_path(source_name, table_name) -%}
  {%- set result = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')") -%}
  {{- return(result.columns[0].values()[0] > 0) -}}
{% endmacro %}

{#- The file path (meta.landing_path) of a source table, from the parsed graph. -#}
{% macro landing_path(source_name, table_name) %}
  {%- for node in graph.sources.values() -%}
    {%- if node.source_name == source_name and node.name == table_name -%}
      {%- set meta = node.meta or {} -%}
      {%- set config_meta = (node.config or {}).get('meta') or {} -%}
      {%- set path = config_meta.get('landing_path') or meta.get('landing_path') -%}
      {%- if not path -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " has no meta.landing_path") }}
      {%- endif -%}
      {{- return(path) -}}
    {%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("unknown source " ~ source_name ~ "." ~ table_name) }}
{% endmacro %}
