{#-
  Account x day. Distinct counts come from the finer daily aggregates (one row per distinct
  value), so the raw requests are scanned once here for the plain sums only.
-#}
with

requests as (

    select * from {{ ref('stg_usage__requests') }}
    where activity_date = {{ run_date_literal() }}

),

account_templates as (

    select * from {{ ref('int_account_template_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_system_prompts as (

    select * from {{ ref('int_account_system_prompt_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_ip_prefixes as (

    select * from {{ ref('int_account_ip_prefix_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_hours as (

    select * from {{ ref('int_account_hour_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_models as (

    select * from {{ ref('int_account_model_daily') }}
    where activity_date = {{ run_date_literal() }}

),

account_capabilities as (

    select * from {{ ref('int_account_capability_daily') }}
    where activity_date = {{ run_date_literal() }}

),

request_totals as (

    select
        activity_date,
        account_id,
        organization_id,

        count(*) as requests,
        {{ count_where("status = 'ok'") }} as ok_requests,
        {{ count_where("status = 'refused'") }} as refused_requests,
        {{ count_where("status = 'error'") }} as error_requests,
        {{ count_where("status = 'rate_limited'") }} as rate_limited_requests,

        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,

        count(distinct api_key_id) as distinct_api_keys,

        {{ count_where("cot_elicitation") }} as cot_elicitation_requests,
        {{ count_where("grader_prompt") }} as grader_prompt_requests,
        {{ count_where("tool_count > 0") }} as tool_requests,
        {{ count_where("image_count > 0") }} as image_requests,
        {{ count_where("asn_type = 'proxy'") }} as proxy_requests,
        {{ count_where("asn_type = 'hosting'") }} as hosting_requests,

        min(ts) as first_request_at,
        max(ts) as last_request_at

    from requests
    group by activity_date, account_id, organization_id

),

template_counts as (

    select
        activity_date,
        account_id,
        count(*) as distinct_prompt_templates
    from account_templates
    group by activity_date, account_id

),

system_prompt_counts as (

    select
        activity_date,
        account_id,
        count(system_prompt_hash) as distinct_system_prompts
    from account_system_prompts
    group by activity_date, account_id

),

ip_prefix_counts as (

    select
        activity_date,
        account_id,
        count(*) as distinct_ip_prefixes
    from account_ip_prefixes
    group by activity_date, account_id

),

hour_counts as (

    select
        activity_date,
        account_id,
        count(*) as hours_active
    from account_hours
    group by activity_date, account_id

),

model_counts as (

    select
        activity_date,
        account_id,
        count(*) as distinct_models
    from account_models
    group by activity_date, account_id

),

capability_shares as (

    select
        activity_date,
        account_id,
        capability,
        requests,
        cast(requests as {{ type_double() }})
        / sum(requests) over (partition by activity_date, account_id) as request_share,
        row_number() over (
            partition by activity_date, account_id
            order by requests desc, capability asc
        ) as capability_rank

    from account_capabilities

),

capability_mix as (

    select
        activity_date,
        account_id,
        count(*) as distinct_capabilities,
        sum({{ entropy_term_bits('request_share') }}) as capability_entropy_bits,
        max(case when capability_rank = 1 then capability end) as top_capability,
        max(case when capability_rank = 1 then request_share end) as top_capability_share

    from capability_shares
    group by activity_date, account_id

),

final as (

    select
        request_totals.activity_date,
        request_totals.account_id,
        request_totals.organization_id,

        request_totals.requests,
        request_totals.ok_requests,
        request_totals.refused_requests,
        request_totals.error_requests,
        request_totals.rate_limited_requests,

        request_totals.input_tokens,
        request_totals.output_tokens,
        request_totals.thinking_tokens,
        request_totals.total_tokens,

        coalesce(template_counts.distinct_prompt_templates, 0) as distinct_prompt_templates,
        coalesce(system_prompt_counts.distinct_system_prompts, 0) as distinct_system_prompts,
        coalesce(model_counts.distinct_models, 0) as distinct_models,
        coalesce(ip_prefix_counts.distinct_ip_prefixes, 0) as distinct_ip_prefixes,
        request_totals.distinct_api_keys,
        coalesce(capability_mix.distinct_capabilities, 0) as distinct_capabilities,

        capability_mix.capability_entropy_bits,
        capability_mix.top_capability,
        capability_mix.top_capability_share,

        request_totals.cot_elicitation_requests,
        request_totals.grader_prompt_requests,
        request_totals.tool_requests,
        request_totals.image_requests,
        coalesce(hour_counts.hours_active, 0) as hours_active,
        request_totals.proxy_requests,
        request_totals.hosting_requests,
        request_totals.proxy_requests + request_totals.hosting_requests as proxy_hosting_requests,

        request_totals.first_request_at,
        request_totals.last_request_at

    from request_totals
    left join template_counts
        on request_totals.activity_date = template_counts.activity_date
        and request_totals.account_id = template_counts.account_id
    left join system_prompt_counts
        on request_totals.activity_date = system_prompt_counts.activity_date
        and request_totals.account_id = system_prompt_counts.account_id
    left join ip_prefix_counts
        on request_totals.activity_date = ip_prefix_counts.activity_date
        and request_totals.account_id = ip_prefix_counts.account_id
    left join hour_counts
        on request_totals.activity_date = hour_counts.activity_date
        and request_totals.account_id = hour_counts.account_id
    left join model_counts
        on request_totals.activity_date = model_counts.activity_date
        and request_totals.account_id = model_counts.account_id
    left join capability_mix
        on request_totals.activity_date = capability_mix.activity_date
        and request_totals.account_id = capability_mix.account_id

)

select * from final
