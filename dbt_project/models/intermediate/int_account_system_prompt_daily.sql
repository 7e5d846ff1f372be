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
        -- null: requests sent without a system prompt (kept as their own row)
        system_prompt_hash,

        count(*) as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from requests
    group by activity_date, account_id, organization_id, system_prompt_hash

)

select * from aggregated
