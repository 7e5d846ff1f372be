with

source as (

    select * from {{ landing_source('usage', 'accounts') }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,

        -- the snapshot this row belongs to
        {{ run_date_literal() }} as snapshot_date,

        -- sign-up facts (organization_name, email_domain: untrusted customer text)
        cast(organization_name as {{ dbt.type_string() }}) as organization_name,
        cast(created_at as {{ type_timestamp_utc() }}) as created_at,
        {{ utc_date('created_at') }} as created_date,
        cast(signup_pathway as {{ dbt.type_string() }}) as signup_pathway,
        cast(verification as {{ dbt.type_string() }}) as verification,
        cast(billing_country as {{ dbt.type_string() }}) as billing_country,
        cast(payment_fingerprint as {{ dbt.type_string() }}) as payment_fingerprint,
        cast(email_domain as {{ dbt.type_string() }}) as email_domain

    from source

)

select * from renamed
