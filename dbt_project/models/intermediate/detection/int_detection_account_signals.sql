{{ config(materialized='table') }}
{#-
  Account grain: every per-account signal over the detection window (definitions in
  int_detection_account_signals.yml and docs/detection.md). Rates are shares of the account's
  own requests; references are the platform's over the same window.
-#}
with

accounts as (

    select * from {{ ref('int_detection_accounts_windowed') }}

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}

),

account_prefixes as (

    select * from {{ ref('int_detection_account_ip_prefixes_windowed') }}

),

account_capabilities as (

    select
        account_id,
        capability,
        sum(requests) as requests
    from {{ ref('int_account_capability_daily') }}
    where {{ in_detection_window('activity_date') }}
    group by account_id, capability

),

account_models as (

    select * from {{ ref('int_account_model_daily') }}
    where {{ in_detection_window('activity_date') }}

),

new_model_days as (

    select * from {{ ref('int_detection_new_model_days') }}

),

platform as (

    select * from {{ ref('int_detection_platform_baseline') }}

),

platform_capabilities as (

    select * from {{ ref('int_detection_platform_capabilities') }}

),

templates_reached as (

    select prompt_template_hash from {{ ref('int_detection_templates_reached') }}

),

template_mix as (

    select
        account_id,
        count(*) as distinct_templates,
        max(share_of_account_requests) as top_template_share

    from account_templates
    group by account_id

),

{# the account's own repeated skeletons: templates no other window account sends, that it
    sends at least detection_private_template_min_requests times (the part of its private
    templated traffic that the group x template joins, which read shared templates only, miss) -#}
solo_templates as (

    select
        account_id,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as solo_repeated_requests,
        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as solo_repeated_cot_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as solo_repeated_grader_requests

    from account_templates
    where requests >= {{ detection_var('detection_private_template_min_requests') }}
        and prompt_template_hash not in (select templates_reached.prompt_template_hash from templates_reached)
    group by account_id

),

capability_shares as (

    select
        account_capabilities.account_id,
        account_capabilities.capability,
        cast(account_capabilities.requests as {{ type_double() }})
        / sum(account_capabilities.requests)
            over (partition by account_capabilities.account_id)
            as request_share,
        -- the rest of the platform's share of this capability
        {{ detection_rest_ratio(
            'coalesce(platform_capabilities.requests, 0)', 'platform.platform_requests',
            'account_capabilities.requests', 'sum(account_capabilities.requests) over (partition by account_capabilities.account_id)') }} as platform_share,
        row_number() over (
            partition by account_capabilities.account_id
            order by account_capabilities.requests desc, account_capabilities.capability asc
        ) as capability_rank

    from account_capabilities
    cross join platform
    left join platform_capabilities
        on account_capabilities.capability = platform_capabilities.capability

),

capability_mix as (

    select
        account_id,
        sum({{ entropy_term_bits('request_share') }}) as capability_entropy_bits,
        max(case when capability_rank = 1 then capability end) as top_capability,
        max(case when capability_rank = 1 then request_share end) as top_capability_share,
        max(case when capability_rank = 1 then platform_share end) as platform_top_capability_share,
        sum(
            case
                when
                    {{ detection_is_targeted_capability('request_share', 'platform_share') }}
                    then request_share else
                    0
            end
        )
            as targeted_capability_share,
        sum(
            case
                when
                    {{ detection_is_targeted_capability('request_share', 'platform_share') }}
                    then platform_share else
                    0
            end
        )
            as platform_targeted_capability_share

    from capability_shares
    group by account_id

),

prefix_mix as (

    select
        account_id,
        count(*) as distinct_ip_prefixes
    from account_prefixes
    group by account_id

),

launch as (

    select
        account_models.account_id,
        cast(sum(account_models.requests) as {{ dbt.type_bigint() }}) as launch_day_requests,
        cast(
            sum(
                case when new_model_days.model is not null then account_models.requests else 0 end
            ) as {{ dbt.type_bigint() }}
        ) as new_model_requests

    from account_models
    left join new_model_days
        on account_models.activity_date = new_model_days.activity_date
        and account_models.model = new_model_days.model
    where account_models.activity_date in (
            select launch_days.activity_date from new_model_days as launch_days
        )
    group by account_models.account_id

),

volumes as (

    select
        account_id,
        signup_pathway,
        account_age_bucket,
        cast(requests as {{ type_double() }}) / active_days as requests_per_active_day

    from accounts

),

cohorts as (

    select
        signup_pathway,
        account_age_bucket,
        count(*) as cohort_accounts,
        {{ detection_median('requests_per_active_day') }} as cohort_median_requests_per_active_day

    from volumes
    group by signup_pathway, account_age_bucket

),

payments as (

    select
        payment_fingerprint,
        count(distinct organization_id) as payment_organizations,
        count(distinct declared_identity) as payment_identities,
        count(*) as payment_accounts,
        min(case
            when signup_pathway in {{ sql_string_list(detection_var('detection_contracted_pathways')) }}
                then 1
            else 0
        end) = 1 as is_contracted_payment

    from accounts
    where payment_fingerprint is not null
    group by payment_fingerprint

),

final as (

    select
        accounts.account_id,
        accounts.organization_id,
        accounts.created_at,
        accounts.account_age_days,
        accounts.account_age_bucket,
        accounts.signup_pathway,
        accounts.verification,
        accounts.billing_country,
        accounts.payment_fingerprint,
        accounts.email_domain,
        accounts.declared_identity,

        accounts.active_days,
        accounts.first_active_date,
        accounts.last_active_date,
        accounts.is_active_on_run_date,
        accounts.requests_on_run_date,
        accounts.requests,
        accounts.input_tokens,
        accounts.output_tokens,
        accounts.thinking_tokens,
        accounts.total_tokens,
        accounts.cot_elicitation_requests,
        accounts.grader_prompt_requests,
        accounts.proxy_requests,
        accounts.hosting_requests,
        accounts.hours_active,

        -- volume against the cohort (same sign-up pathway and account-age bucket)
        volumes.requests_per_active_day,
        cohorts.cohort_accounts,
        cohorts.cohort_median_requests_per_active_day,
        {{ detection_ratio(
            'volumes.requests_per_active_day', 'cohorts.cohort_median_requests_per_active_day') }}
            as cohort_volume_ratio,

        -- prompt templates
        template_mix.distinct_templates,
        template_mix.top_template_share,
        coalesce(solo_templates.solo_repeated_requests, 0) as solo_repeated_requests,
        coalesce(solo_templates.solo_repeated_cot_requests, 0) as solo_repeated_cot_requests,
        coalesce(solo_templates.solo_repeated_grader_requests, 0) as solo_repeated_grader_requests,

        -- capability concentration
        capability_mix.top_capability,
        capability_mix.top_capability_share,
        capability_mix.platform_top_capability_share,
        {{ detection_ratio(
            'capability_mix.top_capability_share', 'capability_mix.platform_top_capability_share') }}
            as capability_lift,
        capability_mix.capability_entropy_bits,
        capability_mix.targeted_capability_share,
        capability_mix.platform_targeted_capability_share,

        -- elicitation
        {{ detection_ratio('accounts.cot_elicitation_requests', 'accounts.requests') }} as cot_rate,
        {{ detection_rest_ratio(
            'platform.platform_cot_requests', 'platform.platform_requests',
            'accounts.cot_elicitation_requests', 'accounts.requests') }}
            as platform_cot_rate,
        {{ detection_ratio('accounts.grader_prompt_requests', 'accounts.requests') }} as grader_rate,
        {{ detection_rest_ratio(
            'platform.platform_grader_requests', 'platform.platform_requests',
            'accounts.grader_prompt_requests', 'accounts.requests') }}
            as platform_grader_rate,
        {{ detection_ratio('accounts.output_tokens + accounts.thinking_tokens', 'accounts.input_tokens') }}
            as output_input_ratio,
        {{ detection_rest_ratio(
            'platform.platform_output_thinking_tokens', 'platform.platform_input_tokens',
            'accounts.output_tokens + accounts.thinking_tokens', 'accounts.input_tokens') }}
            as platform_output_input_ratio,

        -- timing
        {{ detection_ratio('accounts.hours_active', '24 * accounts.active_days') }} as hours_active_share,

        -- networks
        {{ detection_ratio('accounts.proxy_requests', 'accounts.requests') }} as proxy_share,
        {{ detection_ratio('accounts.hosting_requests', 'accounts.requests') }} as hosting_share,
        coalesce(prefix_mix.distinct_ip_prefixes, 0) as distinct_ip_prefixes,
        {{ detection_ratio('coalesce(prefix_mix.distinct_ip_prefixes, 0)', 'accounts.active_days') }}
            as ip_prefixes_per_active_day,

        -- launch pivot (null: no traffic on a day with a newly released model)
        coalesce(launch.launch_day_requests, 0) as launch_day_requests,
        coalesce(launch.new_model_requests, 0) as new_model_requests,
        {{ detection_ratio('launch.new_model_requests', 'launch.launch_day_requests') }} as launch_share,
        {{ detection_rest_ratio(
            'platform.platform_new_model_requests', 'platform.platform_launch_day_requests',
            'launch.new_model_requests', 'launch.launch_day_requests') }}
            as platform_launch_share,

        -- account farming
        -- one instrument paying for organizations that declare different identities (a company
        -- paying for its own organizations under its own domain is not hiding anything, nor is a
        -- reseller paying for its end customers under its contract with the platform)
        coalesce(payments.payment_organizations, 0) > 1
        and coalesce(payments.payment_identities, 0) > 1
        and not coalesce(payments.is_contracted_payment, false) as is_payment_shared_across_orgs,
        coalesce(payments.is_contracted_payment, false) as is_payment_contracted,
        coalesce(
            accounts.verification in {{ sql_string_list(
                detection_var('detection_weak_verification_levels')) }},
            false
        )
            as is_weakly_verified,
        coalesce(
            accounts.signup_pathway in {{ sql_string_list(detection_var('detection_farming_pathways')) }},
            false
        )
            as is_farming_pathway

    from accounts
    inner join volumes
        on accounts.account_id = volumes.account_id
    left join cohorts
        on coalesce(volumes.signup_pathway, '') = coalesce(cohorts.signup_pathway, '')
        and volumes.account_age_bucket = cohorts.account_age_bucket
    left join template_mix
        on accounts.account_id = template_mix.account_id
    left join solo_templates
        on accounts.account_id = solo_templates.account_id
    left join capability_mix
        on accounts.account_id = capability_mix.account_id
    left join prefix_mix
        on accounts.account_id = prefix_mix.account_id
    left join launch
        on accounts.account_id = launch.account_id
    left join payments
        on accounts.payment_fingerprint = payments.payment_fingerprint
    cross join platform

)

select * from final
