{#-
  Group signals, part 4 (macro detection_group_signals; reads g_members): hidden links between
  nominally separate customers. g_dedicated: hosting/proxy prefixes dedicated to the group;
  g_tied_organizations: organizations tied to another of the group's organizations by the
  operation's money, harness or work (detection_organization_ties); g_cross_org_infra: accounts
  of tied organizations on such a prefix shared across organizations; g_cross_org_harness:
  accounts on a dedicated system prompt (a harness) shared across organizations.
-#}
{% macro detection_group_concealment() %}
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

{#- only groups with a cross-organization dedicated prefix need their tied organizations -#}
g_infra_members as (

    select g_members.group_id, g_members.account_id, g_members.organization_id, g_members.is_payment_contracted
    from g_members
    where g_members.group_id in (
        select g_dedicated_prefixes.group_id
        from g_dedicated_prefixes
        where g_dedicated_prefixes.group_linking_organizations >= 2
    )

),

g_tied_organizations as (

    select distinct
        organization_tie_rows.group_id,
        organization_tie_rows.organization_id

    from ({{ detection_organization_ties('g_infra_members') }}) as organization_tie_rows

),

{#- an account counts when its organization is tied to another of the group's by more than
    the network: customers of one hosting or VPN provider share a prefix by chance, an
    operation's organizations share its cards, its harness or its templates too -#}
g_cross_org_infra_accounts as (

    select distinct
        g_members.group_id,
        g_members.account_id

    from g_members
    inner join g_tied_organizations
        on g_members.group_id = g_tied_organizations.group_id
        and g_members.organization_id = g_tied_organizations.organization_id
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

{#- a shared harness: system prompts the accounts send, however rarely (link evidence: an
    operation of a couple of requests per account a day sends its harness's prompt a few
    times a week, never "repeatedly"), held by >= 2 accounts of the group, of which the group
    holds at least detection_dedicated_share of every window account sending it, used by 2+
    of its organizations declaring 2+ identities: nominally independent customers running one
    operator's harness -#}
g_system_prompt_senders as (

    select account_id, identifier
    from {{ ref('int_detection_account_link_evidence') }}
    where identifier like 'system_prompt:%'

),

g_system_prompt_holders as (

    select identifier, count(*) as holder_accounts
    from g_system_prompt_senders
    group by identifier

),

g_group_system_prompts as (

    select
        g_members.group_id,
        senders.identifier,
        max(g_system_prompt_holders.holder_accounts) as holder_accounts,
        count(*) as group_accounts,
        count(distinct g_members.organization_id) as group_organizations,
        count(distinct g_members.declared_identity) as group_identities

    from g_members
    inner join g_system_prompt_senders as senders
        on g_members.account_id = senders.account_id
    inner join g_system_prompt_holders
        on senders.identifier = g_system_prompt_holders.identifier
    group by g_members.group_id, senders.identifier

),

g_cross_org_harness_accounts as (

    select distinct
        g_members.group_id,
        g_members.account_id

    from g_members
    inner join g_system_prompt_senders as senders
        on g_members.account_id = senders.account_id
    inner join g_group_system_prompts
        on g_members.group_id = g_group_system_prompts.group_id
        and senders.identifier = g_group_system_prompts.identifier
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

)
{%- endmacro %}


{#- A hosting/proxy prefix is dedicated to a group when it links >= 2 of the group's accounts
    and the group holds at least detection_dedicated_share of every account that used it. -#}
{% macro detection_is_dedicated_prefix(group_linking_accounts, group_accounts, platform_accounts) -%}
  ({{ group_linking_accounts }} >= 2
   and {{ group_accounts }} >= {{ detection_var('detection_dedicated_share') }} * {{ platform_accounts }})
{%- endmacro %}


{#- The ties between a group's organizations by the operation's money, harness or work: a
    payment instrument or a system prompt (graph identifiers, used repeatedly), or a template,
    that accounts of 2+ of the group's organizations hold and of whose holders the group holds
    at least detection_dedicated_share (a popular template or an SDK's default prompt is
    nobody's). A shared hosting/proxy prefix is not a tie: customers of one provider share one
    by chance; nor is a contracted payment (is_payment_contracted: a reseller's card pays for
    its end customers openly). `members` has columns group_id, account_id, organization_id,
    is_payment_contracted. Returns
    (group_id, organization_id, tie), one row per organization holding the tie. -#}
{% macro detection_organization_ties(members) %}
    {%- set holdings -%}
        (
            select
                {{ members }}.group_id,
                {{ members }}.organization_id,
                tie_holdings.tie,
                tie_holdings.holders
            from {{ members }}
            inner join (
                select account_id, identifier as tie, identifier_accounts as holders, identifier_kind as tie_kind
                from {{ ref('int_detection_account_identifiers') }}
                where identifier_kind in ('payment', 'system_prompt')

                union all

                select
                    account_templates.account_id,
                    {{ dbt.concat(["'template:'", 'account_templates.prompt_template_hash']) }} as tie,
                    templates.accounts as holders,
                    'template' as tie_kind
                from {{ ref('int_detection_account_templates_shared') }} as account_templates
                inner join {{ ref('int_detection_templates_reached') }} as templates
                    on account_templates.prompt_template_hash = templates.prompt_template_hash
            ) as tie_holdings
                on {{ members }}.account_id = tie_holdings.account_id
            where not (tie_holdings.tie_kind = 'payment' and coalesce({{ members }}.is_payment_contracted, false))
        )
    {%- endset %}
    select distinct
        held.group_id,
        held.organization_id,
        held.tie

    from {{ holdings }} as held
    inner join (
        select group_id, tie
        from {{ holdings }} as group_held
        group by group_id, tie
        having count(distinct organization_id) >= 2
           and count(*) >= {{ detection_var('detection_dedicated_share') }} * max(holders)
    ) as group_ties
        on held.group_id = group_ties.group_id
        and held.tie = group_ties.tie
{%- endmacro %}
