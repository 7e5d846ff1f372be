{{ config(materialized='table') }}
{#-
  One row: the whole platform's totals and rates over the detection window (every account,
  including organizations marked legitimate). A group's signals are compared with the rest of
  the platform: these totals minus the group's own (macro detection_rest_ratio), so a large
  campaign does not raise its own reference.
-#}
with

accounts_daily as (

    select * from {{ ref('fct_account_daily') }}
    where {{ in_detection_window('activity_date') }}

),

account_models as (

    select * from {{ ref('int_account_model_daily') }}
    where {{ in_detection_window('activity_date') }}

),

new_model_days as (

    select * from {{ ref('int_detection_new_model_days') }}

),

totals as (

    select
        count(distinct account_id) as accounts,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(input_tokens) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(sum(thinking_tokens) as {{ dbt.type_bigint() }}) as thinking_tokens,
        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(proxy_requests) as {{ dbt.type_bigint() }}) as proxy_requests,
        cast(sum(hosting_requests) as {{ dbt.type_bigint() }}) as hosting_requests

    from accounts_daily

),

launch as (

    select
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

),

final as (

    select
        totals.accounts as platform_accounts,
        totals.requests as platform_requests,
        totals.input_tokens as platform_input_tokens,
        totals.output_tokens + totals.thinking_tokens as platform_output_thinking_tokens,
        totals.cot_elicitation_requests as platform_cot_requests,
        totals.grader_prompt_requests as platform_grader_requests,
        totals.proxy_requests as platform_proxy_requests,
        totals.hosting_requests as platform_hosting_requests,
        coalesce(launch.launch_day_requests, 0) as platform_launch_day_requests,
        coalesce(launch.new_model_requests, 0) as platform_new_model_requests,

        {{ detection_ratio('totals.cot_elicitation_requests', 'totals.requests') }} as platform_cot_rate,
        {{ detection_ratio('totals.grader_prompt_requests', 'totals.requests') }} as platform_grader_rate,
        {{ detection_ratio('totals.output_tokens + totals.thinking_tokens', 'totals.input_tokens') }}
            as platform_output_input_ratio,
        {{ detection_ratio('totals.proxy_requests', 'totals.requests') }} as platform_proxy_share,
        {{ detection_ratio('launch.new_model_requests', 'launch.launch_day_requests') }}
            as platform_launch_share

    from totals
    cross join launch

)

select * from final
