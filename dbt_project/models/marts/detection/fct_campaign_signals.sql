{#-
  Campaign x day x signal: value, threshold (the bar it must reach, see `direction`), platform
  reference, points earned and possible, for every campaign in fct_campaigns that day. What a
  report shows to explain a score. Incremental by date (replace_dates).
-#}
with

campaigns as (

    select campaign_id from {{ ref('fct_campaigns') }}
    where activity_date = {{ run_date_literal() }}

),

signal_points as (

    select * from {{ ref('int_detection_campaign_signal_points') }}

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        signal_points.campaign_id,
        signal_points.signal_order,
        signal_points.signal,
        signal_points.family,
        signal_points.value,
        signal_points.direction,
        signal_points.threshold,
        signal_points.reference,
        signal_points.points,
        signal_points.max_points,
        signal_points.description

    from signal_points
    inner join campaigns
        on signal_points.campaign_id = campaigns.campaign_id

)

select * from final
