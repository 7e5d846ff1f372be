{#-
  Campaign x access channel x day: the requests of each campaign's accounts by how they
  arrived (API, console, ...) over the campaign period (fct_campaign_members.period_start ..
  run date). Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

),

channels_daily as (

    select * from {{ ref('int_account_access_channel_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        members.campaign_id,
        channels_daily.access_channel,
        {{ sum_bigint('channels_daily.requests') }} as requests
    from members
    inner join channels_daily
        on {{ in_campaign_period('members', 'channels_daily') }}
    group by members.campaign_id, channels_daily.access_channel

)

select * from final
