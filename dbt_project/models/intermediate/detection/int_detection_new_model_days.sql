{{ config(materialized='table') }}
{#-
  Days of the detection window on which a model counted as newly released: it was released
  within detection_new_model_hours (72 h) before the end of that day. A release at 18:00 UTC
  counts on its own day and the two days after. Traffic on these (day, model) pairs is
  "new-model traffic" for the launch-pivot signal.
-#}
with

releases as (

    select * from {{ ref('stg_reference__model_releases') }}
    where released_at is not null

),

window_days as (

    select distinct activity_date
    from {{ ref('fct_account_daily') }}
    where {{ in_detection_window('activity_date') }}

),

final as (

    select
        window_days.activity_date,
        releases.model,
        releases.released_at

    from window_days
    cross join releases
    where releases.released_at < {{ detection_day_end('window_days.activity_date') }}
        and releases.released_at
        >= {{ dbt.dateadd(
            'hour', -1 * detection_var('detection_new_model_hours'),
            detection_day_end('window_days.activity_date')) }}

)

select * from final
