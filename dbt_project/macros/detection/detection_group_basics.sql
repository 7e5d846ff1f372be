{#-
  Group signals, part 1 (macro detection_group_signals): the group's accounts and what is
  summed or taken as a median over them. CTEs g_members (each member's account signals,
  int_detection_account_signals), g_platform and g_typical (the references) and g_basics: size,
  activity, traffic and token totals, the CoT / grader / output / launch / proxy rates, medians
  of cohort volume, IP churn and hours active, the shares of accounts with cross-organization
  payment, weak verification or a farming pathway, and the load's coefficient of variation.
-#}
{% macro detection_group_basics(membership) %}
g_members as (

    select
        {{ membership }}.group_id,
        account_signals.*
    from {{ membership }}
    inner join {{ ref('int_detection_account_signals') }} as account_signals
        on {{ membership }}.account_id = account_signals.account_id

),

g_platform as (

    select * from {{ ref('int_detection_platform_baseline') }}

),

g_typical as (

    select * from {{ ref('int_detection_typical_account') }}

),

g_basics as (

    select
        group_id,
        count(*) as accounts,
        count(distinct organization_id) as organizations,
        cast(sum(case when is_active_on_run_date then 1 else 0 end) as {{ dbt.type_bigint() }}) as accounts_active_on_run_date,
        cast(sum(requests_on_run_date) as {{ dbt.type_bigint() }}) as requests_on_run_date,
        min(first_active_date) as first_active_date,
        max(last_active_date) as last_active_date,
        min(created_at) as first_account_created_at,
        max(created_at) as last_account_created_at,

        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(input_tokens) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(sum(thinking_tokens) as {{ dbt.type_bigint() }}) as thinking_tokens,
        cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens,

        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(proxy_requests) as {{ dbt.type_bigint() }}) as proxy_requests,
        cast(sum(launch_day_requests) as {{ dbt.type_bigint() }}) as launch_day_requests,
        cast(sum(new_model_requests) as {{ dbt.type_bigint() }}) as new_model_requests,
        cast(coalesce(sum(solo_repeated_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_requests,
        cast(coalesce(sum(solo_repeated_cot_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_cot_requests,
        cast(coalesce(sum(solo_repeated_grader_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_grader_requests,

        {{ detection_ratio('sum(cot_elicitation_requests)', 'sum(requests)') }} as cot_rate,
        {{ detection_ratio('sum(grader_prompt_requests)', 'sum(requests)') }} as grader_rate,
        {{ detection_ratio('sum(output_tokens + thinking_tokens)', 'sum(input_tokens)') }} as output_input_ratio,
        {{ detection_ratio('sum(new_model_requests)', 'sum(launch_day_requests)') }} as launch_share,
        {{ detection_ratio('sum(proxy_requests)', 'sum(requests)') }} as proxy_share,
        {{ detection_ratio('sum(hosting_requests)', 'sum(requests)') }} as hosting_share,

        {{ detection_median('cohort_volume_ratio') }} as median_cohort_volume_ratio,
        {{ detection_median('ip_prefixes_per_active_day') }} as median_ip_prefixes_per_active_day,
        {{ detection_median('hours_active_share') }} as median_hours_active_share,

        avg(case when is_payment_shared_across_orgs then 1.0 else 0.0 end) as cross_org_payment_share,
        avg(case when is_weakly_verified then 1.0 else 0.0 end) as weak_verification_share,
        avg(case when is_farming_pathway then 1.0 else 0.0 end) as farming_pathway_share,

        case
            when count(*) >= {{ detection_var('detection_load_min_accounts') }}
                then stddev_pop(requests_per_active_day) / nullif(avg(requests_per_active_day), 0)
        end as load_cv

    from g_members
    group by group_id

)
{%- endmacro %}
