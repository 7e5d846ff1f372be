{{ config(materialized='table') }}
{#-
  Capability grain: the typical account's capability mix, the reference of capability lift.
  `typical_share` is the capability's share of an account's requests averaged over the window
  accounts with at least detection_typical_min_requests requests (an account without the
  capability counts 0): every account weighs the same, so a campaign's volume on its target
  does not make the target look ordinary (see int_detection_typical_account).
  `typical_cot_rate` and `typical_grader_rate` are the typical account's rates ON the
  capability: the median over the counted accounts that sent at least
  detection_typical_min_requests requests on it of their own rate there, the reference of the
  rate signals measured on a group's targeted capabilities (reasoning prompts ask for steps
  more often than chat does).
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
        sum(capabilities.requests) as requests,
        sum(capabilities.cot_elicitation_requests) as cot_elicitation_requests,
        sum(capabilities.grader_prompt_requests) as grader_prompt_requests

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
        cast(requests as {{ type_double() }}) / sum(requests) over (partition by account_id) as account_share,
        case
            when requests >= {{ detection_var('detection_typical_min_requests') }}
                then cast(cot_elicitation_requests as {{ type_double() }}) / requests
        end as cot_rate,
        case
            when requests >= {{ detection_var('detection_typical_min_requests') }}
                then cast(grader_prompt_requests as {{ type_double() }}) / requests
        end as grader_rate

    from account_capabilities

),

final as (

    select
        shares.capability,
        sum(shares.account_share) / (select count(*) from accounts) as typical_share,
        {{ detection_median('shares.cot_rate') }} as typical_cot_rate,
        {{ detection_median('shares.grader_rate') }} as typical_grader_rate

    from shares
    group by shares.capability

)

select * from final
