{#-
  The landing files behind the sources, per engine.

  `landing_source(source_name, table_name)` is what staging models select from. DuckDB (and the
  default) reads `source(...)`, which dbt-duckdb turns into `meta.external_location`
  (read_parquet / read_csv of the file in place). Spark has no external_location: it reads the
  same file by path, `parquet.`<path>`` or `csv.`<path>` with ('header' = 'true')`. The
  `source()` call is kept on Spark too, so lineage and `dbt ls` stay the same.
-#}
{% macro landing_source(source_name, table_name) %}
  {{- return(adapter.dispatch('landing_source', 'distillwatch')(source_name, table_name)) -}}
{% endmacro %}

{% macro default__landing_source(source_name, table_name) %}
  {%- set relation = source(source_name, table_name) -%}
  {%- if not execute -%}
    {{- return(relation) -}}
  {%- endif -%}
  {#- the landing path may hold the run-date placeholder (run_date.sql) -#}
  {{- return(with_run_date(relation | string)) -}}
{% endmacro %}

{% macro spark__landing_source(source_name, table_name) %}
  {%- set relation = source(source_name, table_name) -%}
  {%- if not execute -%}
    {{- return(relation) -}}
  {%- endif -%}
  {%- set path = landing_path(source_name, table_name) -%}
  {%- set quoted = '`' ~ (path | replace('`', '``')) ~ '`' -%}
  {%- if path.endswith('.parquet') -%}
    {{- return('parquet.' ~ quoted) -}}
  {%- elif path.endswith('.csv') -%}
    {#- every column as text, like read_csv(all_varchar = true) on DuckDB -#}
    {{- return('csv.' ~ quoted ~ " with ('header' = 'true', 'inferSchema' = 'false')") -}}
  {%- else -%}
    {{ exceptions.raise_compiler_error("no Spark reader for landing file " ~ path) }}
  {%- endif -%}
{% endmacro %}


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

{#-
  Spark SQL has no file check, and reading a missing path fails the query. A glob that matches
  at least one file does not fail, though: the date's `clean/` folder is always there (validate
  writes it, run_dbt checks it), so list `<date>/{clean,<folder>}/<file>` and look for the file.
  binaryFile reads only the file listing here (the content column is not selected).
-#}
{% macro spark__landing_file_exists(source_name, table_name) %}
  {%- if not execute -%}
    {{- return(true) -}}
  {%- endif -%}
  {%- set path = landing_path(source_name, table_name) -%}
  {%- set parts = path.rsplit('/', 2) -%}
  {%- if parts | length != 3 -%}
    {{ exceptions.raise_compiler_error("landing path " ~ path ~ " is not <date folder>/<folder>/<file>") }}
  {%- endif -%}
  {%- set date_dir, folder, file_name = parts -%}
  {%- set pattern = date_dir ~ '/{clean,' ~ folder ~ '}/' ~ file_name -%}
  {%- set suffix = '/' ~ folder ~ '/' ~ file_name -%}
  {%- set query -%}
    select count(*) from binaryFile.`{{ pattern | replace('`', '``') }}`
    where endswith(path, '{{ suffix | replace("\\", "\\\\") | replace("'", "\\'") }}')
  {%- endset -%}
  {%- set result = run_query(query) -%}
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
      {#- with the run date in place of its placeholder (run_date.sql) -#}
      {{- return(with_run_date(path)) -}}
    {%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("unknown source " ~ source_name ~ "." ~ table_name) }}
{% endmacro %}
