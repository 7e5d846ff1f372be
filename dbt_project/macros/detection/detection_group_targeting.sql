{#-
  Group signals, part 3 (macro detection_group_signals; reads g_members and g_platform): what is
  harvested. g_capability_mix: the capability mix against the platform's and the typical
  account's (top capability, entropy, targeted share) and the traffic on the targeted
  capabilities (the slice the rate signals are also measured on, against the typical account's
  rates on those capabilities); g_targets: the targeted capabilities, for the report; g_model_list: the models used, with their shares.
-#}
{% macro detection_group_targeting() %}
{#- capability mix of the group against the platform's -#}
g_capabilities as (

    select
        g_members.group_id,
        capabilities.capability,
        cast(sum(capabilities.requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(capabilities.cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(capabilities.grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests

    from g_members
    inner join {{ ref('int_account_capability_daily') }} as capabilities
        on g_members.account_id = capabilities.account_id
    where {{ in_detection_window('capabilities.activity_date') }}
    group by g_members.group_id, capabilities.capability

),

g_capability_shares as (

    select
        g_capabilities.group_id,
        g_capabilities.capability,
        g_capabilities.requests,
        g_capabilities.cot_elicitation_requests,
        g_capabilities.grader_prompt_requests,
        cast(g_capabilities.requests as {{ type_double() }})
            / sum(g_capabilities.requests) over (partition by g_capabilities.group_id) as request_share,
        -- the rest of the platform's share of this capability
        {{ detection_rest_ratio(
            'coalesce(platform_capabilities.requests, 0)', 'g_platform.platform_requests',
            'g_capabilities.requests', 'sum(g_capabilities.requests) over (partition by g_capabilities.group_id)') }} as platform_share,
        -- the typical account's share of it: the reference of the lift
        coalesce(typical_capabilities.typical_share, 0) as typical_share,
        -- the typical account's rates on this capability: the reference of the targeted slice
        coalesce(typical_capabilities.typical_cot_rate, 0) as typical_cot_rate,
        coalesce(typical_capabilities.typical_grader_rate, 0) as typical_grader_rate,
        row_number() over (
            partition by g_capabilities.group_id
            order by g_capabilities.requests desc, g_capabilities.capability
        ) as capability_rank

    from g_capabilities
    cross join g_platform
    left join {{ ref('int_detection_platform_capabilities') }} as platform_capabilities
        on g_capabilities.capability = platform_capabilities.capability
    left join {{ ref('int_detection_typical_capabilities') }} as typical_capabilities
        on g_capabilities.capability = typical_capabilities.capability

),

g_capability_mix as (

    select
        group_id,
        sum({{ entropy_term_bits('request_share') }}) as capability_entropy_bits,
        max(case when capability_rank = 1 then capability end) as top_capability,
        max(case when capability_rank = 1 then request_share end) as top_capability_share,
        max(case when capability_rank = 1 then platform_share end) as platform_top_capability_share,
        max(case when capability_rank = 1 then typical_share end) as typical_top_capability_share,
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then request_share else 0 end) as targeted_capability_share,
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then platform_share else 0 end) as platform_targeted_capability_share,
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then typical_share else 0 end) as typical_targeted_capability_share,
        {#- the targeted slice: its requests, CoT and grader requests, and what the typical
            account's rates on each capability would give on the same requests -#}
        cast(sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then requests else 0 end) as {{ dbt.type_bigint() }}) as targeted_requests,
        cast(sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then cot_elicitation_requests else 0 end) as {{ dbt.type_bigint() }}) as targeted_cot_requests,
        cast(sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then grader_prompt_requests else 0 end) as {{ dbt.type_bigint() }}) as targeted_grader_requests,
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then requests * typical_cot_rate else 0 end) as typical_targeted_cot_requests,
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then requests * typical_grader_rate else 0 end) as typical_targeted_grader_requests

    from g_capability_shares
    group by group_id

),

{#- target capabilities, for the report: the targeted ones (share >= detection_capability_lift_min
    x the platform's) that carry at least detection_target_capability_share_min of the group's traffic, largest first -#}
g_targets as (

    select
        group_id,
        {{ detection_string_agg(
            dbt.concat([
                'capability', "' '",
                'cast(cast(round(100 * request_share) as ' ~ dbt.type_int() ~ ') as ' ~ dbt.type_string() ~ ')',
                "'% ('",
                'cast(round(request_share / nullif(typical_share, 0), 1) as ' ~ dbt.type_string() ~ ')',
                "'x typical account)'"
            ]),
            'request_share desc, capability') }} as target_capabilities

    from g_capability_shares
    where request_share >= {{ detection_var('detection_target_capability_share_min') }}
      and {{ detection_is_targeted_capability('request_share', 'typical_share') }}
    group by group_id

),

g_models as (

    select
        g_members.group_id,
        models.model,
        cast(sum(models.requests) as {{ dbt.type_bigint() }}) as requests

    from g_members
    inner join {{ ref('int_account_model_daily') }} as models
        on g_members.account_id = models.account_id
    where {{ in_detection_window('models.activity_date') }}
    group by g_members.group_id, models.model

),

g_model_list as (

    select
        group_id,
        {{ detection_string_agg(
            dbt.concat([
                'model', "' ('",
                'cast(cast(round(100 * share) as ' ~ dbt.type_int() ~ ') as ' ~ dbt.type_string() ~ ')',
                "'%)'"
            ]),
            'share desc, model') }} as models

    from (
        select
            group_id,
            model,
            cast(requests as {{ type_double() }}) / sum(requests) over (partition by group_id) as share
        from g_models
    ) as shares
    group by group_id

)
{%- endmacro %}


{#- A capability is targeted when the traffic's share of it is at least
    detection_capability_lift_min times the platform's share. -#}
{% macro detection_is_targeted_capability(share, platform_share) -%}
  ({{ share }} >= {{ detection_var('detection_capability_lift_min') }} * coalesce({{ platform_share }}, 0))
{%- endmacro %}
