with

requests as (

    select * from {{ ref('stg_usage__requests') }}
    where activity_date = {{ run_date_literal() }}

),

aggregated as (

    select
        activity_date,
        account_id,
        organization_id,
        model,

        count(*) as requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        min(ts) as first_request_at

    from requests
    group by activity_date, account_id, organization_id, model

)

select * from aggregated
