{#-
  Signals of groups of accounts over the detection window, one row per group.

  `membership` names a relation or CTE with columns (group_id, account_id); the output names
  the group column `group_column`. The macro returns
  CTEs to append after `with membership as (...)` plus the final select, so the same
  definitions serve the clusters (int_detection_cluster_signals) and the campaigns as listed
  (int_detection_campaign_signals). Every column is defined in
  int_detection_cluster_signals.yml and docs/detection.md. Platform references (`platform_*`)
  are the rest of the platform: the window's totals minus the group's own; the bars of the
  rates compare with the typical account (`typical_*`, int_detection_typical_account), which
  campaigns that carry much of the traffic do not inflate.
-#}
{% macro detection_group_signals(membership, group_column='group_id') %}
,

g_members as (

    select
        {{ membership }}.group_id,
        account_signals.*
    from {{ membership }}
    inner join {{ ref('int_detection_account_signals') }} as account_signals
        on {{ membership }}.account_id = account_signals.account_id

),

g_platform as (

    select * from {{ ref('int_detection_platform_baseline') }}

),

g_typical as (

    select * from {{ ref('int_detection_typical_account') }}

),

g_basics as (

    select
        group_id,
        count(*) as accounts,
        count(distinct organization_id) as organizations,
        cast(sum(case when is_active_on_run_date then 1 else 0 end) as {{ dbt.type_bigint() }}) as accounts_active_on_run_date,
        cast(sum(requests_on_run_date) as {{ dbt.type_bigint() }}) as requests_on_run_date,
        min(first_active_date) as first_active_date,
        max(last_active_date) as last_active_date,
        min(created_at) as first_account_created_at,
        max(created_at) as last_account_created_at,

        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(input_tokens) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(sum(thinking_tokens) as {{ dbt.type_bigint() }}) as thinking_tokens,
        cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens,

        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(proxy_requests) as {{ dbt.type_bigint() }}) as proxy_requests,
        cast(sum(launch_day_requests) as {{ dbt.type_bigint() }}) as launch_day_requests,
        cast(sum(new_model_requests) as {{ dbt.type_bigint() }}) as new_model_requests,
        cast(coalesce(sum(solo_repeated_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_requests,
        cast(coalesce(sum(solo_repeated_cot_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_cot_requests,
        cast(coalesce(sum(solo_repeated_grader_requests), 0) as {{ dbt.type_bigint() }}) as solo_repeated_grader_requests,

        {{ detection_ratio('sum(cot_elicitation_requests)', 'sum(requests)') }} as cot_rate,
        {{ detection_ratio('sum(grader_prompt_requests)', 'sum(requests)') }} as grader_rate,
        {{ detection_ratio('sum(output_tokens + thinking_tokens)', 'sum(input_tokens)') }} as output_input_ratio,
        {{ detection_ratio('sum(new_model_requests)', 'sum(launch_day_requests)') }} as launch_share,
        {{ detection_ratio('sum(proxy_requests)', 'sum(requests)') }} as proxy_share,
        {{ detection_ratio('sum(hosting_requests)', 'sum(requests)') }} as hosting_share,

        {{ detection_median('cohort_volume_ratio') }} as median_cohort_volume_ratio,
        {{ detection_median('ip_prefixes_per_active_day') }} as median_ip_prefixes_per_active_day,
        {{ detection_median('hours_active_share') }} as median_hours_active_share,

        avg(case when is_payment_shared_across_orgs then 1.0 else 0.0 end) as cross_org_payment_share,
        avg(case when is_weakly_verified then 1.0 else 0.0 end) as weak_verification_share,
        avg(case when is_farming_pathway then 1.0 else 0.0 end) as farming_pathway_share,

        case
            when count(*) >= {{ detection_var('detection_load_min_accounts') }}
                then stddev_pop(requests_per_active_day) / nullif(avg(requests_per_active_day), 0)
        end as load_cv

    from g_members
    group by group_id

),

{#- signature templates: sent by >= 2 accounts of the group, and the group holds at least
    detection_dedicated_share of all accounts sending it -#}
g_group_templates as (

    select
        g_members.group_id,
        account_templates.prompt_template_hash,
        count(*) as group_accounts,
        count(distinct g_members.organization_id) as group_organizations,
        cast(sum(account_templates.requests) as {{ dbt.type_bigint() }}) as group_requests,
        cast(sum(account_templates.cot_elicitation_requests) as {{ dbt.type_bigint() }}) as group_cot_requests,
        cast(sum(account_templates.grader_prompt_requests) as {{ dbt.type_bigint() }}) as group_grader_requests

    from g_members
    inner join {{ ref('int_detection_account_templates_shared') }} as account_templates
        on g_members.account_id = account_templates.account_id
    group by g_members.group_id, account_templates.prompt_template_hash

),

g_signature_templates as (

    select
        g_group_templates.*,
        row_number() over (
            partition by g_group_templates.group_id
            order by g_group_templates.group_accounts desc,
                     g_group_templates.group_requests desc,
                     g_group_templates.prompt_template_hash
        ) as signature_rank

    from g_group_templates
    inner join g_basics
        on g_group_templates.group_id = g_basics.group_id
    inner join {{ ref('int_detection_templates_reached') }} as templates
        on g_group_templates.prompt_template_hash = templates.prompt_template_hash
    where {{ detection_is_signature_template(
        'g_group_templates.group_accounts', 'g_group_templates.group_organizations',
        'templates.accounts', 'g_basics.organizations') }}

),

g_signature as (

    select
        group_id,
        count(*) as signature_templates,
        cast(sum(group_requests) as {{ dbt.type_bigint() }}) as signature_requests,
        cast(sum(group_cot_requests) as {{ dbt.type_bigint() }}) as signature_cot_requests,
        cast(sum(group_grader_requests) as {{ dbt.type_bigint() }}) as signature_grader_requests,
        max(case when signature_rank = 1 then prompt_template_hash end) as top_signature_template,
        max(case when signature_rank = 1 then group_accounts end) as top_signature_template_accounts

    from g_signature_templates
    group by group_id

),

{#- private skeletons shared inside the group: templates the group sends at least
    detection_private_template_min_requests times and holds at least detection_dedicated_share
    of all senders of (with the accounts' own one-account skeletons, g_basics.solo_repeated_*,
    this is the group's private templated traffic) -#}
g_private_shared as (

    select
        g_group_templates.group_id,
        cast(sum(g_group_templates.group_requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(g_group_templates.group_cot_requests) as {{ dbt.type_bigint() }}) as cot_requests,
        cast(sum(g_group_templates.group_grader_requests) as {{ dbt.type_bigint() }}) as grader_requests

    from g_group_templates
    inner join {{ ref('int_detection_templates_reached') }} as templates
        on g_group_templates.prompt_template_hash = templates.prompt_template_hash
    where g_group_templates.group_requests >= {{ detection_var('detection_private_template_min_requests') }}
      and g_group_templates.group_accounts >= {{ detection_var('detection_dedicated_share') }} * templates.accounts
    group by g_group_templates.group_id

),

{#- template families: the group's accounts joined by chains of signature templates (two
    accounts sending one signature template are one family; a third sending another template
    with one of them joins it). A campaign that paraphrases (many variants per family, each
    account on a narrow window of them) shares few exact hashes between any two accounts, but
    overlapping windows chain its accounts into one family; unrelated accounts stay apart.
    Minimum-label propagation over the account x signature-template edges for
    detection_template_family_rounds rounds (each round: template takes the smallest label of its
    senders, account the smallest label of its templates), cost linear in the edges. -#}
g_family_edges as (

    select
        g_members.group_id,
        g_members.account_id,
        account_templates.prompt_template_hash

    from g_members
    inner join {{ ref('int_detection_account_templates_shared') }} as account_templates
        on g_members.account_id = account_templates.account_id
    inner join g_signature_templates
        on g_members.group_id = g_signature_templates.group_id
        and account_templates.prompt_template_hash = g_signature_templates.prompt_template_hash

),

g_family_labels_0 as (

    select distinct group_id, account_id, account_id as family_label
    from g_family_edges

),
{% for round in range(1, (detection_var('detection_template_family_rounds') | int) + 1) %}
g_family_templates_{{ round }} as (

    select
        g_family_edges.group_id,
        g_family_edges.prompt_template_hash,
        min(g_family_labels_{{ round - 1 }}.family_label) as family_label

    from g_family_edges
    inner join g_family_labels_{{ round - 1 }}
        on g_family_edges.group_id = g_family_labels_{{ round - 1 }}.group_id
        and g_family_edges.account_id = g_family_labels_{{ round - 1 }}.account_id
    group by g_family_edges.group_id, g_family_edges.prompt_template_hash

),

g_family_labels_{{ round }} as (

    select
        g_family_edges.group_id,
        g_family_edges.account_id,
        min(g_family_templates_{{ round }}.family_label) as family_label

    from g_family_edges
    inner join g_family_templates_{{ round }}
        on g_family_edges.group_id = g_family_templates_{{ round }}.group_id
        and g_family_edges.prompt_template_hash = g_family_templates_{{ round }}.prompt_template_hash
    group by g_family_edges.group_id, g_family_edges.account_id

),
{% endfor %}
g_family_sizes as (

    select group_id, family_label, count(*) as family_accounts
    from g_family_labels_{{ detection_var('detection_template_family_rounds') | int }}
    group by group_id, family_label

),

g_families as (

    select
        group_id,
        count(*) as template_families,
        max(family_accounts) as top_template_family_accounts,
        -- accounts in families of 3+ accounts: a campaign runs several task families
        -- (reasoning, coding, ...) over its accounts, each a family of its own
        cast(sum(case when family_accounts >= 3 then family_accounts else 0 end) as {{ dbt.type_bigint() }})
            as template_family_accounts

    from g_family_sizes
    group by group_id

),

{#- capability mix of the group against the platform's -#}
g_capabilities as (

    select
        g_members.group_id,
        capabilities.capability,
        cast(sum(capabilities.requests) as {{ dbt.type_bigint() }}) as requests

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
        cast(g_capabilities.requests as {{ type_double() }})
            / sum(g_capabilities.requests) over (partition by g_capabilities.group_id) as request_share,
        -- the rest of the platform's share of this capability
        {{ detection_rest_ratio(
            'coalesce(platform_capabilities.requests, 0)', 'g_platform.platform_requests',
            'g_capabilities.requests', 'sum(g_capabilities.requests) over (partition by g_capabilities.group_id)') }} as platform_share,
        -- the typical account's share of it: the reference of the lift
        coalesce(typical_capabilities.typical_share, 0) as typical_share,
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
        sum(case when {{ detection_is_targeted_capability('request_share', 'typical_share') }} then typical_share else 0 end) as typical_targeted_capability_share

    from g_capability_shares
    group by group_id

),

{#- target capabilities, for the report: the targeted ones (share >= detection_capability_lift_min
    x the platform's) that carry at least 5% of the group's traffic, largest first -#}
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
    where request_share >= 0.05
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

),

{#- dedicated infrastructure: hosting/proxy prefixes linking >= 2 accounts of the group, of
    which the group holds at least detection_dedicated_share of every account using it -#}
g_prefix_users as (

    select ip_prefix, count(*) as prefix_accounts
    from {{ ref('int_detection_account_ip_prefixes_windowed') }}
    group by ip_prefix

),

g_group_prefixes as (

    select
        g_members.group_id,
        prefixes.ip_prefix,
        count(*) as group_accounts,
        cast(sum(case when prefixes.is_linking then 1 else 0 end) as {{ dbt.type_bigint() }}) as group_linking_accounts,
        count(distinct case when prefixes.is_linking then prefixes.organization_id end) as group_linking_organizations,
        count(distinct case when prefixes.is_linking then g_members.declared_identity end) as group_linking_identities

    from g_members
    inner join {{ ref('int_detection_account_ip_prefixes_windowed') }} as prefixes
        on g_members.account_id = prefixes.account_id
    group by g_members.group_id, prefixes.ip_prefix

),

g_dedicated_prefixes as (

    select g_group_prefixes.*
    from g_group_prefixes
    inner join g_prefix_users
        on g_group_prefixes.ip_prefix = g_prefix_users.ip_prefix
    where {{ detection_is_dedicated_prefix('g_group_prefixes.group_linking_accounts', 'g_group_prefixes.group_accounts', 'g_prefix_users.prefix_accounts') }}

),

g_cross_org_infra_accounts as (

    select distinct
        g_members.group_id,
        g_members.account_id

    from g_members
    inner join {{ ref('int_detection_account_ip_prefixes_windowed') }} as prefixes
        on g_members.account_id = prefixes.account_id
        and prefixes.is_linking
    inner join g_dedicated_prefixes
        on g_members.group_id = g_dedicated_prefixes.group_id
        and prefixes.ip_prefix = g_dedicated_prefixes.ip_prefix
    where g_dedicated_prefixes.group_linking_organizations >= 2
      and g_dedicated_prefixes.group_linking_identities >= 2

),

g_cross_org_infra as (

    select group_id, count(*) as cross_org_infra_accounts
    from g_cross_org_infra_accounts
    group by group_id

),

{#- a shared harness: system prompts the accounts use repeatedly (graph identifiers, held by
    2+ window accounts), linking >= 2 accounts of the group, of which the group holds at least
    detection_dedicated_share of every holder, used by 2+ of its organizations declaring 2+
    identities: nominally independent customers running one operator's harness -#}
g_group_system_prompts as (

    select
        g_members.group_id,
        identifiers.identifier,
        max(identifiers.identifier_accounts) as holder_accounts,
        count(*) as group_accounts,
        count(distinct g_members.organization_id) as group_organizations,
        count(distinct g_members.declared_identity) as group_identities

    from g_members
    inner join {{ ref('int_detection_account_identifiers') }} as identifiers
        on g_members.account_id = identifiers.account_id
        and identifiers.identifier_kind = 'system_prompt'
    group by g_members.group_id, identifiers.identifier

),

g_cross_org_harness_accounts as (

    select distinct
        g_members.group_id,
        g_members.account_id

    from g_members
    inner join {{ ref('int_detection_account_identifiers') }} as identifiers
        on g_members.account_id = identifiers.account_id
        and identifiers.identifier_kind = 'system_prompt'
    inner join g_group_system_prompts
        on g_members.group_id = g_group_system_prompts.group_id
        and identifiers.identifier = g_group_system_prompts.identifier
    where g_group_system_prompts.group_accounts >= 2
      and g_group_system_prompts.group_accounts >= {{ detection_var('detection_dedicated_share') }} * g_group_system_prompts.holder_accounts
      and g_group_system_prompts.group_organizations >= 2
      and g_group_system_prompts.group_identities >= 2

),

g_cross_org_harness as (

    select group_id, count(*) as cross_org_system_prompt_accounts
    from g_cross_org_harness_accounts
    group by group_id

),

g_dedicated as (

    select group_id, count(*) as dedicated_prefixes
    from g_dedicated_prefixes
    group by group_id

),

{#- creation burst: most accounts created within any detection_creation_burst_hours span -#}
g_creation as (

    select
        group_id,
        count(*) over (
            partition by group_id
            order by {{ detection_epoch_seconds('created_at') }}
            range between current row and {{ detection_var('detection_creation_burst_hours') * 3600 }} following
        ) as accounts_in_burst

    from g_members
    where created_at is not null

),

g_burst as (

    select group_id, max(accounts_in_burst) as accounts_in_burst
    from g_creation
    group by group_id

),

{#- synchronized timing: cosine similarity of each account's hour-by-hour traffic over the
    window with the rest of its group (leave-one-out), averaged over the accounts -#}
g_member_hours as (

    select
        g_members.group_id,
        g_members.account_id,
        hours.activity_date,
        hours.activity_hour,
        cast(hours.requests as {{ type_double() }}) as requests

    from g_members
    inner join {{ ref('int_account_hour_daily') }} as hours
        on g_members.account_id = hours.account_id
    where {{ in_detection_window('hours.activity_date') }}

),

g_group_hours as (

    select group_id, activity_date, activity_hour, sum(requests) as requests
    from g_member_hours
    group by group_id, activity_date, activity_hour

),

g_group_norms as (

    select group_id, sum(requests * requests) as total_norm2
    from g_group_hours
    group by group_id

),

g_account_products as (

    select
        g_member_hours.group_id,
        g_member_hours.account_id,
        sum(g_member_hours.requests * g_group_hours.requests) as dot_total,
        sum(g_member_hours.requests * g_member_hours.requests) as own_norm2

    from g_member_hours
    inner join g_group_hours
        on g_member_hours.group_id = g_group_hours.group_id
        and g_member_hours.activity_date = g_group_hours.activity_date
        and g_member_hours.activity_hour = g_group_hours.activity_hour
    group by g_member_hours.group_id, g_member_hours.account_id

),

g_account_similarity as (

    select
        g_account_products.group_id,
        g_account_products.account_id,
        -- a . (T - a) / (|a| |T - a|), with |T - a|^2 = |T|^2 - 2 a.T + |a|^2
        case
            when g_group_norms.total_norm2 - 2 * g_account_products.dot_total + g_account_products.own_norm2 > 1e-9
                then (g_account_products.dot_total - g_account_products.own_norm2)
                    / (sqrt(g_account_products.own_norm2)
                       * sqrt(g_group_norms.total_norm2 - 2 * g_account_products.dot_total + g_account_products.own_norm2))
        end as similarity

    from g_account_products
    inner join g_group_norms
        on g_account_products.group_id = g_group_norms.group_id

),

g_sync as (

    select
        group_id,
        case
            when count(similarity) >= {{ detection_var('detection_sync_min_accounts') }} then avg(similarity)
        end as sync_similarity

    from g_account_similarity
    group by group_id

),

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
            when coalesce(g_signature.top_signature_template_accounts, 0) >= 3
                then cast(g_signature.top_signature_template_accounts as {{ type_double() }}) / g_basics.accounts
        end as signature_template_breadth,
        coalesce(g_families.template_families, 0) as template_families,
        coalesce(g_families.top_template_family_accounts, 0) as top_template_family_accounts,
        coalesce(g_families.template_family_accounts, 0) as template_family_accounts,
        case
            when coalesce(g_families.template_family_accounts, 0) >= 3
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
        g_basics.grader_rate,
        {{ detection_signature_rate('g_signature.signature_grader_requests', 'g_signature.signature_requests') }} as signature_grader_rate,
        {{ detection_signature_rate('coalesce(g_private_shared.grader_requests, 0) + g_basics.solo_repeated_grader_requests', 'coalesce(g_private_shared.requests, 0) + g_basics.solo_repeated_requests') }} as templated_grader_rate,
        {{ detection_rest_ratio('g_platform.platform_grader_requests', 'g_platform.platform_requests', 'g_basics.grader_prompt_requests', 'g_basics.requests') }} as platform_grader_rate,
        g_typical.typical_grader_rate,
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
            when g_basics.accounts >= 3
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


{#- A template is a signature of a group when >= 2 of its accounts send it, from >= 2 of its
    organizations if the group spans several (an organization's own internal templates are not
    the group's), and the group holds at least detection_dedicated_share of all accounts
    sending it (a popular public template is everybody's, so it is nobody's signature). -#}
{% macro detection_is_signature_template(group_accounts, group_organizations, platform_accounts, organizations_in_group) -%}
  ({{ group_accounts }} >= 2
   and ({{ group_organizations }} >= 2 or {{ organizations_in_group }} = 1)
   and {{ group_accounts }} >= {{ detection_var('detection_dedicated_share') }} * {{ platform_accounts }})
{%- endmacro %}


{#- A hosting/proxy prefix is dedicated to a group when it links >= 2 of the group's accounts
    and the group holds at least detection_dedicated_share of every account that used it. -#}
{% macro detection_is_dedicated_prefix(group_linking_accounts, group_accounts, platform_accounts) -%}
  ({{ group_linking_accounts }} >= 2
   and {{ group_accounts }} >= {{ detection_var('detection_dedicated_share') }} * {{ platform_accounts }})
{%- endmacro %}


{#- A capability is targeted when the traffic's share of it is at least
    detection_capability_lift_min times the platform's share. -#}
{% macro detection_is_targeted_capability(share, platform_share) -%}
  ({{ share }} >= {{ detection_var('detection_capability_lift_min') }} * coalesce({{ platform_share }}, 0))
{%- endmacro %}
