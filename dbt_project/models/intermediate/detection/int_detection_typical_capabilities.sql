{{ config(materialized='table') }}
{#-
  Capability grain: the typical account's capability mix, the reference of capability lift.
  `typical_share` is the capability's share of an account's requests averaged over the window
  accounts with at least detection_typical_min_requests requests (an account without the
  capability counts 0): every account weighs the same, so a campaign's volume on its target
  does not make the target look ordinary (see int_detection_typical_account).
-#}
with

accounts as (

    select account_id
    from {{ ref('int_detection_account_signals') }}
    where requests >= {{ detection_var('detection_typical_min_requests') }}

),

account_capabilities as (

    select
        capabilities.account_id,
        capabilities.capability,
        sum(capabilities.requests) as requests

    from {{ ref('int_account_capability_daily') }} as capabilities
    inner join accounts
        on capabilities.account_id = accounts.account_id
    where {{ in_detection_window('capabilities.activity_date') }}
    group by capabilities.account_id, capabilities.capability

),

shares as (

    select
        account_id,
        capability,
        cast(requests as {{ type_double() }}) / sum(requests) over (partition by account_id) as account_share

    from account_capabilities

),

final as (

    select
        shares.capability,
        sum(shares.account_share) / (select count(*) from accounts) as typical_share

    from shares
    group by shares.capability

)

select * from final
