{#- The source path holds var run_date: fail early and clearly when it is missing or malformed. -#}
{%- do run_date() -%}

with

source as (

    select * from {{ landing_source('usage', 'requests') }}

),

renamed as (

    select
        -- ids
        cast(request_id as {{ dbt.type_string() }}) as request_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(api_key_id as {{ dbt.type_string() }}) as api_key_id,

        -- time
        cast(ts as {{ type_timestamp_utc() }}) as ts,
        {{ utc_date('ts') }} as activity_date,
        {{ utc_hour('ts') }} as activity_hour,

        -- what was asked
        cast(model as {{ dbt.type_string() }}) as model,
        cast(access_channel as {{ dbt.type_string() }}) as access_channel,
        cast(capability as {{ dbt.type_string() }}) as capability,
        cast(cot_elicitation as {{ dbt.type_boolean() }}) as cot_elicitation,
        cast(grader_prompt as {{ dbt.type_boolean() }}) as grader_prompt,
        cast(prompt_template_hash as {{ dbt.type_string() }}) as prompt_template_hash,
        cast(system_prompt_hash as {{ dbt.type_string() }}) as system_prompt_hash,
        cast(tool_count as {{ dbt.type_int() }}) as tool_count,
        cast(image_count as {{ dbt.type_int() }}) as image_count,

        -- volume
        cast(input_tokens as {{ dbt.type_bigint() }}) as input_tokens,
        cast(output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(thinking_tokens as {{ dbt.type_bigint() }}) as thinking_tokens,
        cast(input_tokens as {{ dbt.type_bigint() }})
        + cast(output_tokens as {{ dbt.type_bigint() }})
        + cast(thinking_tokens as {{ dbt.type_bigint() }}) as total_tokens,

        -- where from
        cast(ip_prefix as {{ dbt.type_string() }}) as ip_prefix,
        cast(asn as {{ dbt.type_bigint() }}) as asn,
        cast(asn_type as {{ dbt.type_string() }}) as asn_type,
        cast(ip_country as {{ dbt.type_string() }}) as ip_country,
        cast(sdk as {{ dbt.type_string() }}) as sdk,

        -- outcome
        cast(status as {{ dbt.type_string() }}) as status

    from source

)

select * from renamed
