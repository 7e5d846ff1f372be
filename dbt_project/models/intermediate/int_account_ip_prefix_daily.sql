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
        ip_prefix,

        -- a /24 or /48 belongs to one network; should requests disagree, the greatest value wins
        max(asn) as asn,
        max(asn_type) as asn_type,
        max(ip_country) as ip_country,

        count(*) as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from requests
    group by activity_date, account_id, organization_id, ip_prefix

)

select * from aggregated
