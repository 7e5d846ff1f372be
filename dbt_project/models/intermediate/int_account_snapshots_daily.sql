with

accounts as (

    select * from {{ ref('stg_usage__accounts') }}

),

snapshots as (

    select
        snapshot_date as activity_date,
        account_id,
        organization_id,
        organization_name,
        created_at,
        created_date,
        signup_pathway,
        verification,
        billing_country,
        payment_fingerprint,
        email_domain

    from accounts

)

select * from snapshots
