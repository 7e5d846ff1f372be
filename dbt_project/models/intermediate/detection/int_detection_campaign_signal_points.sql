{{ config(materialized='table') }}
{#- Campaign x signal for the run date: value, threshold, platform reference and points. -#}
with

campaign_signals as (

    select * from {{ ref('int_detection_campaign_signals') }}

),

points as (

    {{ detection_signal_points('campaign_signals', ['campaign_id']) }}

)

select * from points
