{#-
  Campaign x capability x day: the capability mix of each campaign's accounts over the campaign
  period (fct_campaign_members.period_start .. run date) against the whole platform's over the
  same days. request_share is of the campaign's requests, platform_request_share of all
  platform requests, lift their ratio. Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

),

periods as (

    select distinct
        campaign_id,
        period_start
    from members

),

account_capabilities as (

    select * from {{ ref('int_account_capability_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

platform_capabilities as (

    select * from {{ ref('int_capability_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

campaign_use as (

    select
        members.campaign_id,
        account_capabilities.capability,
        {{ sum_bigint('account_capabilities.requests') }} as requests
    from members
    inner join account_capabilities
        on {{ in_campaign_period('members', 'account_capabilities') }}
    group by members.campaign_id, account_capabilities.capability

),

campaign_totals as (

    select
        campaign_id,
        {{ sum_bigint('requests') }} as requests
    from campaign_use
    group by campaign_id

),

platform_use as (

    select
        periods.campaign_id,
        platform_capabilities.capability,
        {{ sum_bigint('platform_capabilities.requests') }} as requests
    from periods
    inner join platform_capabilities
        on periods.period_start <= platform_capabilities.activity_date
    group by periods.campaign_id, platform_capabilities.capability

),

platform_totals as (

    select
        campaign_id,
        {{ sum_bigint('requests') }} as requests
    from platform_use
    group by campaign_id

),

shares as (

    select
        campaign_use.campaign_id,
        campaign_use.capability,
        campaign_use.requests,
        cast(campaign_use.requests as {{ type_double() }})
        / nullif(campaign_totals.requests, 0) as request_share,
        cast(platform_use.requests as {{ type_double() }})
        / nullif(platform_totals.requests, 0) as platform_request_share
    from campaign_use
    inner join campaign_totals
        on campaign_use.campaign_id = campaign_totals.campaign_id
    left join platform_use
        on campaign_use.campaign_id = platform_use.campaign_id
        and campaign_use.capability = platform_use.capability
    left join platform_totals
        on campaign_use.campaign_id = platform_totals.campaign_id

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        campaign_id,
        capability,
        requests,
        request_share,
        platform_request_share,
        request_share / nullif(platform_request_share, 0) as lift
    from shares

)

select * from final
