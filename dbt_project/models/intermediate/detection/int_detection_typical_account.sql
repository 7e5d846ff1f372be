{{ config(materialized='table') }}
{#-
  One row: the typical account of the window, the reference of the group rates. Each rate is
  the median over the window accounts with at least detection_typical_min_requests requests of
  that account's own rate. A request-weighted platform total is dominated by whoever sends the
  most, and a campaign sends a lot: where campaigns carry half of the traffic the "rest of the
  platform" is mostly other campaigns, and a bar at 3x its CoT rate is out of reach for the very
  campaigns it should catch. Campaign accounts are a small minority of accounts, so the median
  account stays ordinary however much they send.
-#}
with

accounts as (

    select * from {{ ref('int_detection_account_signals') }}
    where requests >= {{ detection_var('detection_typical_min_requests') }}

),

launch_accounts as (

    select * from accounts
    where launch_day_requests >= {{ detection_var('detection_typical_min_requests') }}

),

rates as (

    select
        count(*) as typical_accounts,
        {{ detection_median('cot_rate') }} as typical_cot_rate,
        {{ detection_median('grader_rate') }} as typical_grader_rate,
        {{ detection_median('output_input_ratio') }} as typical_output_input_ratio,
        {{ detection_median('proxy_share') }} as typical_proxy_share

    from accounts

),

launch as (

    select {{ detection_median('launch_share') }} as typical_launch_share
    from launch_accounts

),

final as (

    select
        rates.typical_accounts,
        rates.typical_cot_rate,
        rates.typical_grader_rate,
        rates.typical_output_input_ratio,
        rates.typical_proxy_share,
        launch.typical_launch_share

    from rates
    cross join launch

)

select * from final
