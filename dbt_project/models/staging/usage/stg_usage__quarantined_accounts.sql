{#- A day without bad rows may have no quarantine file: then this view is empty. -#}
with

source as (

    {% if landing_file_exists('usage', 'quarantine_accounts') %}
    select * from {{ landing_source('usage', 'quarantine_accounts') }}
    {% else %}
    select
        *,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        cast(null as {{ dbt.type_string() }}) as _rule,
        cast(null as {{ dbt.type_string() }}) as _column
    from {{ landing_source('usage', 'accounts') }}
    where 1 = 0
    {% endif %}

),

renamed as (

    select
        -- why and where it was set aside
        {{ run_date_literal() }} as activity_date,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_rule as {{ dbt.type_string() }}) as rule,
        cast(_column as {{ dbt.type_string() }}) as column_name,

        -- the row as exported (values that do not fit the contract type become null)
        {{ safe_cast('account_id', dbt.type_string()) }} as account_id,
        {{ safe_cast('organization_id', dbt.type_string()) }} as organization_id,
        {{ safe_cast('organization_name', dbt.type_string()) }} as organization_name,
        {{ safe_cast('created_at', type_timestamp_utc()) }} as created_at,
        {{ safe_cast('signup_pathway', dbt.type_string()) }} as signup_pathway,
        {{ safe_cast('verification', dbt.type_string()) }} as verification,
        {{ safe_cast('billing_country', dbt.type_string()) }} as billing_country,
        {{ safe_cast('payment_fingerprint', dbt.type_string()) }} as payment_fingerprint,
        {{ safe_cast('email_domain', dbt.type_string()) }} as email_domain

    from source

)

select * from renamed
