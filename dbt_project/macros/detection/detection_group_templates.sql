{#-
  Group signals, part 2 (macro detection_group_signals; reads g_members and g_basics): the
  extraction evidence in the prompts. g_signature: the group's signature templates (shared
  inside it, hardly used outside it), their requests and CoT / grader requests and the top one;
  g_private_shared: its private skeletons; g_families: its template families (accounts chained
  by signature templates), so a campaign that paraphrases is still one family.
-#}
{% macro detection_group_templates() %}
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
{#- Each round's labels are materialized: inlined, the rounds nest into one chain of 2 x rounds
    joins, and DuckDB's filter pushdown spends seconds on it (2.8 s of a tiny day's 3.2 s for
    this macro, docs/benchmark.md); the rows are the same. -#}
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

g_family_labels_{{ round }} as materialized (

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
        -- accounts in families of 2+ accounts: a campaign runs several task families
        -- (reasoning, coding, ...) over its accounts, each a family of its own, and a campaign
        -- whose accounts each draw a narrow window of many variants forms many small families
        -- (the pairs whose windows overlap) rather than one chain
        cast(sum(case when family_accounts >= {{ detection_var('detection_template_family_min_accounts') }} then family_accounts else 0 end) as {{ dbt.type_bigint() }})
            as template_family_accounts

    from g_family_sizes
    group by group_id

)
{%- endmacro %}


{#- A template is a signature of a group when >= 2 of its accounts send it, from >= 2 of its
    organizations if the group spans several (an organization's own internal templates are not
    the group's), and the group holds at least detection_dedicated_share of all accounts
    sending it (a popular public template is everybody's, so it is nobody's signature). -#}
{% macro detection_is_signature_template(group_accounts, group_organizations, platform_accounts, organizations_in_group) -%}
  ({{ group_accounts }} >= 2
   and ({{ group_organizations }} >= 2 or {{ organizations_in_group }} = 1)
   and {{ group_accounts }} >= {{ detection_var('detection_dedicated_share') }} * {{ platform_accounts }})
{%- endmacro %}
