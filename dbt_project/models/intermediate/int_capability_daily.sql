with

account_capabilities as (

    select * from {{ ref('int_account_capability_daily') }}
    where activity_date = {{ run_date_literal() }}

),

aggregated as (

    select
        activity_date,
        capability,

        {{ sum_bigint('requests') }} as requests,
        count(distinct account_id) as accounts,
        count(distinct organization_id) as organizations,
        {{ sum_bigint('cot_elicitation_requests') }} as cot_elicitation_requests,
        {{ sum_bigint('grader_prompt_requests') }} as grader_prompt_requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from account_capabilities
    group by activity_date, capability

)

select * from aggregated
