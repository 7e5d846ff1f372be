{#-
  None of the listed columns is null: one data test per model (and `where`), not one not_null
  test per column. A data test is a dbt node, and a node costs ~0.05-0.1 s of dbt's own time
  on two cores whatever its rows (docs/benchmark.md, "The floor"): 83 column tests were 44 % of
  a night's nodes. A failing row names the column and how many of its rows are null (the
  quality alert shows them: flows/transform.py).
  Usage (model level):
    data_tests:
      - not_null_columns:
          arguments:
            columns: [activity_date, campaign_id]
-#}
{% test not_null_columns(model, columns) %}

with

null_counts as (

    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

by_column as (
    {%- for column in columns %}
    select
        '{{ column }}' as column_name,
        null_rows_{{ loop.index }} as null_rows
    from null_counts
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select
    column_name,
    null_rows
from by_column
where null_rows > 0

{% endtest %}
