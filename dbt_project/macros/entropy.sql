{#-
  One term of a Shannon entropy in bits: -p * log2(p) for a share p in (0, 1].
  Sum it over the categories of a group to get the group's entropy
  (0 = everything in one category, log2(k) = spread evenly over k categories).
-#}
{% macro entropy_term_bits(share) %}
  {{- return(adapter.dispatch('entropy_term_bits', 'distillwatch')(share)) -}}
{% endmacro %}

{% macro default__entropy_term_bits(share) -%}
  case when {{ share }} > 0 then -({{ share }}) * ln({{ share }}) / ln(2) else 0 end
{%- endmacro %}

{% macro duckdb__entropy_term_bits(share) -%}
  case when {{ share }} > 0 then -({{ share }}) * log2({{ share }}) else 0 end
{%- endmacro %}

{% macro spark__entropy_term_bits(share) -%}
  case when {{ share }} > 0 then -({{ share }}) * log2({{ share }}) else 0 end
{%- endmacro %}
