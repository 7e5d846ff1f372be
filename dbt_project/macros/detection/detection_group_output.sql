{#-
  Group signals, part 6 (macro detection_group_signals): the output row, one per group, with
  the group column named `group_column`: the parts' CTEs joined to g_basics, the ratios and
  shares every signal of detection_signal_specs() reads, and the platform and typical-account
  references beside them.
-#}
{% macro detection_group_output(group_column) %}
g_final as (

    select
        g_basics.group_id as {{ group_column }},
        g_basics.accounts,
        g_basics.organizations,
        cast(g_basics.accounts as {{ type_double() }}) / g_basics.organizations as accounts_per_org,
        g_basics.accounts_active_on_run_date,
        g_basics.requests_on_run_date,
        g_basics.first_active_date,
        g_basics.last_active_date,
        g_basics.first_account_created_at,
        g_basics.last_account_created_at,
        g_basics.requests,
        g_basics.input_tokens,
        g_basics.output_tokens,
        g_basics.thinking_tokens,
        g_basics.total_tokens,

        -- harvesting
        coalesce(g_signature.signature_templates, 0) as signature_templates,
        coalesce({{ detection_ratio('g_signature.signature_requests', 'g_basics.requests') }}, 0) as signature_template_share,
        g_signature.top_signature_template,
        coalesce(g_signature.top_signature_template_accounts, 0) as top_signature_template_accounts,
        case
            when coalesce(g_signature.top_signature_template_accounts, 0) >= {{ detection_var('detection_breadth_min_accounts') }}
                then cast(g_signature.top_signature_template_accounts as {{ type_double() }}) / g_basics.accounts
        end as signature_template_breadth,
        coalesce(g_families.template_families, 0) as template_families,
        coalesce(g_families.top_template_family_accounts, 0) as top_template_family_accounts,
        coalesce(g_families.template_family_accounts, 0) as template_family_accounts,
        case
            when coalesce(g_families.template_family_accounts, 0) >= {{ detection_var('detection_breadth_min_accounts') }}
                then cast(g_families.template_family_accounts as {{ type_double() }}) / g_basics.accounts
        end as template_family_breadth,
        coalesce(g_private_shared.requests, 0) + g_basics.solo_repeated_requests as private_template_requests,
        coalesce({{ detection_ratio('coalesce(g_private_shared.requests, 0) + g_basics.solo_repeated_requests', 'g_basics.requests') }}, 0) as private_template_share,
        g_capability_mix.top_capability,
        g_capability_mix.top_capability_share,
        g_capability_mix.platform_top_capability_share,
        g_capability_mix.typical_top_capability_share,
        {{ detection_ratio('g_capability_mix.top_capability_share', 'g_capability_mix.typical_top_capability_share') }} as capability_lift,
        g_capability_mix.capability_entropy_bits,
        g_capability_mix.targeted_capability_share,
        g_capability_mix.platform_targeted_capability_share,
        g_capability_mix.typical_targeted_capability_share,
        g_targets.target_capabilities,
        g_model_list.models,
        g_basics.cot_rate,
        {{ detection_signature_rate('g_signature.signature_cot_requests', 'g_signature.signature_requests') }} as signature_cot_rate,
        {{ detection_signature_rate('coalesce(g_private_shared.cot_requests, 0) + g_basics.solo_repeated_cot_requests', 'coalesce(g_private_shared.requests, 0) + g_basics.solo_repeated_requests') }} as templated_cot_rate,
        {{ detection_rest_ratio('g_platform.platform_cot_requests', 'g_platform.platform_requests', 'g_basics.cot_elicitation_requests', 'g_basics.requests') }} as platform_cot_rate,
        g_typical.typical_cot_rate,
        coalesce(g_capability_mix.targeted_requests, 0) as targeted_requests,
        {{ detection_signature_rate('g_capability_mix.targeted_cot_requests', 'g_capability_mix.targeted_requests') }} as targeted_cot_rate,
        {{ detection_ratio('g_capability_mix.typical_targeted_cot_requests', 'g_capability_mix.targeted_requests') }} as typical_targeted_cot_rate,
        g_basics.grader_rate,
        {{ detection_signature_rate('g_signature.signature_grader_requests', 'g_signature.signature_requests') }} as signature_grader_rate,
        {{ detection_signature_rate('coalesce(g_private_shared.grader_requests, 0) + g_basics.solo_repeated_grader_requests', 'coalesce(g_private_shared.requests, 0) + g_basics.solo_repeated_requests') }} as templated_grader_rate,
        {{ detection_rest_ratio('g_platform.platform_grader_requests', 'g_platform.platform_requests', 'g_basics.grader_prompt_requests', 'g_basics.requests') }} as platform_grader_rate,
        g_typical.typical_grader_rate,
        {{ detection_signature_rate('g_capability_mix.targeted_grader_requests', 'g_capability_mix.targeted_requests') }} as targeted_grader_rate,
        {{ detection_ratio('g_capability_mix.typical_targeted_grader_requests', 'g_capability_mix.targeted_requests') }} as typical_targeted_grader_rate,
        g_basics.output_input_ratio,
        {{ detection_rest_ratio('g_platform.platform_output_thinking_tokens', 'g_platform.platform_input_tokens', 'g_basics.output_tokens + g_basics.thinking_tokens', 'g_basics.input_tokens') }} as platform_output_input_ratio,
        g_typical.typical_output_input_ratio,
        g_basics.launch_share,
        {{ detection_rest_ratio('g_platform.platform_new_model_requests', 'g_platform.platform_launch_day_requests', 'g_basics.new_model_requests', 'g_basics.launch_day_requests') }} as platform_launch_share,
        g_typical.typical_launch_share,
        g_basics.median_cohort_volume_ratio,

        -- concealment
        g_basics.cross_org_payment_share,
        coalesce(g_dedicated.dedicated_prefixes, 0) as dedicated_prefixes,
        cast(coalesce(g_cross_org_infra.cross_org_infra_accounts, 0) as {{ type_double() }})
            / g_basics.accounts as cross_org_infra_share,
        cast(coalesce(g_cross_org_harness.cross_org_system_prompt_accounts, 0) as {{ type_double() }})
            / g_basics.accounts as cross_org_system_prompt_share,
        g_basics.proxy_share,
        {{ detection_rest_ratio('g_platform.platform_proxy_requests', 'g_platform.platform_requests', 'g_basics.proxy_requests', 'g_basics.requests') }} as platform_proxy_share,
        g_typical.typical_proxy_share,
        g_basics.hosting_share,
        g_basics.median_ip_prefixes_per_active_day,

        -- farming and operations
        case
            when g_basics.accounts >= {{ detection_var('detection_creation_burst_min_accounts') }}
                then cast(g_burst.accounts_in_burst as {{ type_double() }}) / g_basics.accounts
        end as creation_burst_share,
        g_basics.weak_verification_share,
        g_basics.farming_pathway_share,
        g_basics.load_cv,
        g_basics.median_hours_active_share,
        g_sync.sync_similarity

    from g_basics
    cross join g_platform
    cross join g_typical
    left join g_signature
        on g_basics.group_id = g_signature.group_id
    left join g_private_shared
        on g_basics.group_id = g_private_shared.group_id
    left join g_families
        on g_basics.group_id = g_families.group_id
    left join g_capability_mix
        on g_basics.group_id = g_capability_mix.group_id
    left join g_targets
        on g_basics.group_id = g_targets.group_id
    left join g_model_list
        on g_basics.group_id = g_model_list.group_id
    left join g_dedicated
        on g_basics.group_id = g_dedicated.group_id
    left join g_cross_org_infra
        on g_basics.group_id = g_cross_org_infra.group_id
    left join g_cross_org_harness
        on g_basics.group_id = g_cross_org_harness.group_id
    left join g_burst
        on g_basics.group_id = g_burst.group_id
    left join g_sync
        on g_basics.group_id = g_sync.group_id

)

select * from g_final
{% endmacro %}
