{#-
  Engine-specific SQL used by the detection models, dispatched per adapter so the models
  themselves stay portable (DuckDB now, Spark later).
-#}

{#- Median of an expression within a group. -#}
{% macro detection_median(expression) %}
  {{- return(adapter.dispatch('detection_median', 'distillwatch')(expression)) -}}
{% endmacro %}

{% macro default__detection_median(expression) -%}
  percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__detection_median(expression) -%}
  median({{ expression }})
{%- endmacro %}

{% macro spark__detection_median(expression) -%}
  percentile_approx({{ expression }}, 0.5)
{%- endmacro %}


{#- Seconds since 1970-01-01 UTC of a timestamp, as a double. -#}
{% macro detection_epoch_seconds(column) %}
  {{- return(adapter.dispatch('detection_epoch_seconds', 'distillwatch')(column)) -}}
{% endmacro %}

{% macro default__detection_epoch_seconds(column) -%}
  cast(unix_timestamp({{ column }}) as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__detection_epoch_seconds(column) -%}
  cast(epoch({{ column }}) as {{ type_double() }})
{%- endmacro %}


{#- The end of a date (midnight of the next day, UTC) as a timestamp. -#}
{% macro detection_day_end(date_column) %}
  {{- return(adapter.dispatch('detection_day_end', 'distillwatch')(date_column)) -}}
{% endmacro %}

{% macro default__detection_day_end(date_column) -%}
  cast({{ dbt.dateadd('day', 1, date_column) }} as {{ type_timestamp_utc() }})
{%- endmacro %}

{% macro duckdb__detection_day_end(date_column) -%}
  timezone('UTC', cast({{ date_column }} + interval 1 day as timestamp))
{%- endmacro %}


{#- Comma-separated, ordered list of distinct values of a string column within a group. -#}
{% macro detection_string_agg(expression, order_expression) %}
  {{- return(adapter.dispatch('detection_string_agg', 'distillwatch')(expression, order_expression)) -}}
{% endmacro %}

{% macro default__detection_string_agg(expression, order_expression) -%}
  {{ dbt.listagg(expression, "', '", "order by " ~ order_expression) }}
{%- endmacro %}

{% macro duckdb__detection_string_agg(expression, order_expression) -%}
  string_agg({{ expression }}, ', ' order by {{ order_expression }})
{%- endmacro %}

{% macro spark__detection_string_agg(expression, order_expression) -%}
  array_join(transform(array_sort(collect_list(struct({{ order_expression }} as k, {{ expression }} as v))), x -> x.v), ', ')
{%- endmacro %}


{#- Safe division: null when the denominator is 0 or null. -#}
{% macro detection_ratio(numerator, denominator) -%}
  case when ({{ denominator }}) > 0
       then cast({{ numerator }} as {{ type_double() }}) / ({{ denominator }})
  end
{%- endmacro %}


{#- A rate over signature-template requests, null below detection_signature_rate_min_requests
    of them (a rate over fewer is noise). -#}
{% macro detection_signature_rate(numerator, signature_requests) -%}
  case when ({{ signature_requests }}) >= {{ detection_var('detection_signature_rate_min_requests') }}
       then {{ detection_ratio(numerator, signature_requests) }}
  end
{%- endmacro %}


{#- The rest of the platform's ratio once a group's own numbers are taken out:
    (platform numerator - own numerator) / (platform denominator - own denominator). -#}
{% macro detection_rest_ratio(platform_numerator, platform_denominator, own_numerator, own_denominator) -%}
  {{ detection_ratio(
      '(' ~ platform_numerator ~ ') - coalesce(' ~ own_numerator ~ ', 0)',
      '(' ~ platform_denominator ~ ') - coalesce(' ~ own_denominator ~ ', 0)') }}
{%- endmacro %}
