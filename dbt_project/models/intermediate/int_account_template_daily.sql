{#-
  The largest daily aggregate (about one row per request for organic traffic, far fewer for
  template-driven harvesting), so it carries no organization_id: join fct_account_daily for it.
-#}
with

requests as (

    select * from {{ ref('stg_usage__requests') }}
    where activity_date = {{ run_date_literal() }}

),

aggregated as (

    select
        activity_date,
        account_id,
        prompt_template_hash,

        count(*) as requests,
        {{ count_where("cot_elicitation") }} as cot_elicitation_requests,
        {{ count_where("grader_prompt") }} as grader_prompt_requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from requests
    group by activity_date, account_id, prompt_template_hash

)

select * from aggregated
