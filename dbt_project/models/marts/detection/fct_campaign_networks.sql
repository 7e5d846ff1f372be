{#-
  Campaign x network (ASN) x day: the networks the accounts of each campaign used over the
  campaign period (fct_campaign_members.period_start .. run date): how many of their prefixes,
  requests and accounts. Requests from prefixes without a known ASN are left out.
  Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

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
        on {{ in_campaign_period('members', 'prefixes_daily') }}
    group by members.campaign_id, prefixes_daily.asn

)

select * from final
