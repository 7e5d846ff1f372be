{#-
  Campaign x client IP prefix x day: every prefix the accounts of each campaign used over the
  campaign period (fct_campaign_members.period_start .. run date), with its network, the
  campaign's requests and accounts on it, and how many accounts of the whole platform used it
  over the same days (campaign ones included): a prefix the campaign holds most of is
  dedicated to it; a shared cloud NAT is not. Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

),

prefixes_daily as (

    select * from {{ ref('int_account_ip_prefix_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

campaign_use as (

    select
        members.campaign_id,
        members.period_start,
        prefixes_daily.ip_prefix,
        -- a prefix belongs to one network; should days disagree, the greatest value wins
        max(prefixes_daily.asn) as asn,
        max(prefixes_daily.asn_type) as asn_type,
        {{ sum_bigint('prefixes_daily.requests') }} as requests,
        count(distinct prefixes_daily.account_id) as accounts
    from members
    inner join prefixes_daily
        on {{ in_campaign_period('members', 'prefixes_daily') }}
    group by members.campaign_id, members.period_start, prefixes_daily.ip_prefix

),

platform_use as (

    select
        campaign_use.campaign_id,
        campaign_use.ip_prefix,
        count(distinct prefixes_daily.account_id) as platform_accounts
    from campaign_use
    inner join prefixes_daily
        on campaign_use.ip_prefix = prefixes_daily.ip_prefix
        and campaign_use.period_start <= prefixes_daily.activity_date
    group by campaign_use.campaign_id, campaign_use.ip_prefix

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        campaign_use.campaign_id,
        campaign_use.ip_prefix,
        campaign_use.asn,
        campaign_use.asn_type,
        campaign_use.requests,
        campaign_use.accounts,
        coalesce(platform_use.platform_accounts, campaign_use.accounts) as platform_accounts
    from campaign_use
    left join platform_use
        on campaign_use.campaign_id = platform_use.campaign_id
        and campaign_use.ip_prefix = platform_use.ip_prefix

)

select * from final
