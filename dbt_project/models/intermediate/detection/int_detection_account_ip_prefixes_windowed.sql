{{ config(materialized='table') }}
{#-
  Account x IP prefix over the detection window. `is_linking`: a hosting or proxy prefix
  (detection_link_asn_types) the account used at least detection_link_ip_min_requests times.
  ISP, mobile, campus and office prefixes never link accounts: unrelated people share them.
-#}
with

account_prefixes as (

    select * from {{ ref('int_account_ip_prefix_daily') }}
    where {{ in_detection_window('activity_date') }}

),

accounts as (

    select
        account_id,
        organization_id,
        requests as account_requests
    from {{ ref('int_detection_accounts_windowed') }}

),

summed as (

    select
        account_id,
        ip_prefix,
        max(asn) as asn,
        max(asn_type) as asn_type,
        count(*) as active_days,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests

    from account_prefixes
    group by account_id, ip_prefix

),

final as (

    select
        summed.account_id,
        accounts.organization_id,
        summed.ip_prefix,
        summed.asn,
        summed.asn_type,
        summed.active_days,
        summed.requests,
        {{ detection_ratio('summed.requests', 'accounts.account_requests') }} as share_of_account_requests,
        (
            summed.asn_type in {{ sql_string_list(detection_var('detection_link_asn_types')) }}
            and summed.requests >= {{ detection_var('detection_link_ip_min_requests') }}
        ) as is_linking

    from summed
    inner join accounts
        on summed.account_id = accounts.account_id

)

select * from final
