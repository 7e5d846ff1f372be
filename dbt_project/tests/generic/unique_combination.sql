{#-
  The combination of columns is unique across the model (nulls compare equal, as in GROUP BY).
  Usage:
    data_tests:
      - unique_combination:
          arguments:
            columns: [activity_date, account_id]
-#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
