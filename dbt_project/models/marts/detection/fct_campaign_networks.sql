{#-
  Campaign x network (ASN) x day: the networks the accounts of each campaign used over the
  campaign period (fct_campaign_members.period_start .. run date): how many of their prefixes,
  requests and accounts. Requests from prefixes without a known ASN are left out.
  Incremental by date (replace_dates).
-#}
with

members as (

    select * from {{ ref('fct_campaign_members') }}
    where activity_date = {{ run_date_literal() }}

),

prefixes_daily as (

    select * from {{ ref('int_account_ip_prefix_daily') }}
    where
        activity_date <= {{ run_date_literal() }}
        and asn is not null

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        members.campaign_id,
        prefixes_daily.asn,
        max(prefixes_daily.asn_type) as asn_type,
        count(distinct prefixes_daily.ip_prefix) as prefixes,
        {{ sum_bigint('prefixes_daily.requests') }} as requests,
        count(distinct prefixes_daily.account_id) as accounts
    from members
    inner join prefixes_daily
        on members.account_id = prefixes_daily.account_id
        and members.period_start <= prefixes_daily.activity_date
    group by members.campaign_id, prefixes_daily.asn

)

select * from final
