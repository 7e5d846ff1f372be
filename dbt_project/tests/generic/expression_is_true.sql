{#-
  Every row satisfies a boolean SQL expression over the model's columns.
  Usage (model or column level):
    data_tests:
      - expression_is_true:
          arguments:
            expression: "requests >= ok_requests"
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
