{#-
  Organization x day: activity of its accounts, plus organizations that only created accounts
  that day (sign-up bursts show up before the traffic does).
-#}
with

accounts_daily as (

    select * from {{ ref('fct_account_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_templates as (

    select * from {{ ref('int_account_template_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_capabilities as (

    select * from {{ ref('int_account_capability_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_snapshots as (

    select * from {{ ref('int_account_snapshots_daily') }}
    where activity_date = {{ run_date_literal() }}

),

activity as (

    select
        activity_date,
        organization_id,
        count(*) as accounts_active,
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        {{ sum_bigint('cot_elicitation_requests') }} as cot_elicitation_requests,
        {{ sum_bigint('grader_prompt_requests') }} as grader_prompt_requests

    from accounts_daily
    group by activity_date, organization_id

),

templates as (

    select
        accounts_daily.activity_date,
        accounts_daily.organization_id,
        count(distinct account_templates.prompt_template_hash) as distinct_prompt_templates

    from account_templates
    inner join accounts_daily
        on account_templates.activity_date = accounts_daily.activity_date
        and account_templates.account_id = accounts_daily.account_id
    group by accounts_daily.activity_date, accounts_daily.organization_id

),

capability_totals as (

    select
        activity_date,
        organization_id,
        capability,
        {{ sum_bigint('requests') }} as requests

    from account_capabilities
    group by activity_date, organization_id, capability

),

capability_ranked as (

    select
        activity_date,
        organization_id,
        capability,
        cast(requests as {{ type_double() }})
        / sum(requests) over (partition by activity_date, organization_id) as request_share,
        row_number() over (
            partition by activity_date, organization_id
            order by requests desc, capability asc
        ) as capability_rank

    from capability_totals

),

top_capabilities as (

    select
        activity_date,
        organization_id,
        capability as top_capability,
        request_share as top_capability_share

    from capability_ranked
    where capability_rank = 1

),

new_accounts as (

    select
        activity_date,
        organization_id,
        count(*) as new_accounts

    from account_snapshots
    where created_date = activity_date
    group by activity_date, organization_id

),

organization_days as (

    select
        activity_date,
        organization_id
    from activity
    union
    select
        activity_date,
        organization_id
    from new_accounts

),

final as (

    select
        organization_days.activity_date,
        organization_days.organization_id,

        coalesce(activity.accounts_active, 0) as accounts_active,
        coalesce(new_accounts.new_accounts, 0) as new_accounts,

        coalesce(activity.requests, 0) as requests,
        coalesce(activity.input_tokens, 0) as input_tokens,
        coalesce(activity.output_tokens, 0) as output_tokens,
        coalesce(activity.thinking_tokens, 0) as thinking_tokens,
        coalesce(activity.total_tokens, 0) as total_tokens,
        coalesce(activity.cot_elicitation_requests, 0) as cot_elicitation_requests,
        coalesce(activity.grader_prompt_requests, 0) as grader_prompt_requests,

        coalesce(templates.distinct_prompt_templates, 0) as distinct_prompt_templates,
        top_capabilities.top_capability,
        top_capabilities.top_capability_share

    from organization_days
    left join activity
        on organization_days.activity_date = activity.activity_date
        and organization_days.organization_id = activity.organization_id
    left join templates
        on organization_days.activity_date = templates.activity_date
        and organization_days.organization_id = templates.organization_id
    left join top_capabilities
        on organization_days.activity_date = top_capabilities.activity_date
        and organization_days.organization_id = top_capabilities.organization_id
    left join new_accounts
        on organization_days.activity_date = new_accounts.activity_date
        and organization_days.organization_id = new_accounts.organization_id

)

select * from final
