{#- A day without bad rows may have no quarantine file: then this view is empty. -#}
with

source as (

    {% if landing_file_exists('usage', 'quarantine_requests') %}
    select * from {{ landing_source('usage', 'quarantine_requests') }}
    {% else %}
    select
        *,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        cast(null as {{ dbt.type_string() }}) as _rule,
        cast(null as {{ dbt.type_string() }}) as _column
    from {{ landing_source('usage', 'requests') }}
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
        {{ safe_cast('request_id', dbt.type_string()) }} as request_id,
        {{ safe_cast('ts', type_timestamp_utc()) }} as ts,
        {{ safe_cast('account_id', dbt.type_string()) }} as account_id,
        {{ safe_cast('organization_id', dbt.type_string()) }} as organization_id,
        {{ safe_cast('api_key_id', dbt.type_string()) }} as api_key_id,
        {{ safe_cast('model', dbt.type_string()) }} as model,
        {{ safe_cast('access_channel', dbt.type_string()) }} as access_channel,
        {{ safe_cast('capability', dbt.type_string()) }} as capability,
        {{ safe_cast('input_tokens', dbt.type_bigint()) }} as input_tokens,
        {{ safe_cast('output_tokens', dbt.type_bigint()) }} as output_tokens,
        {{ safe_cast('thinking_tokens', dbt.type_bigint()) }} as thinking_tokens,
        {{ safe_cast('tool_count', dbt.type_int()) }} as tool_count,
        {{ safe_cast('image_count', dbt.type_int()) }} as image_count,
        {{ safe_cast('cot_elicitation', dbt.type_boolean()) }} as cot_elicitation,
        {{ safe_cast('grader_prompt', dbt.type_boolean()) }} as grader_prompt,
        {{ safe_cast('prompt_template_hash', dbt.type_string()) }} as prompt_template_hash,
        {{ safe_cast('system_prompt_hash', dbt.type_string()) }} as system_prompt_hash,
        {{ safe_cast('ip_prefix', dbt.type_string()) }} as ip_prefix,
        {{ safe_cast('asn', dbt.type_bigint()) }} as asn,
        {{ safe_cast('asn_type', dbt.type_string()) }} as asn_type,
        {{ safe_cast('ip_country', dbt.type_string()) }} as ip_country,
        {{ safe_cast('sdk', dbt.type_string()) }} as sdk,
        {{ safe_cast('status', dbt.type_string()) }} as status

    from source

)

select * from renamed
