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
        access_channel,

        count(*) as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from requests
    group by activity_date, account_id, organization_id, access_channel

)

select * from aggregated
