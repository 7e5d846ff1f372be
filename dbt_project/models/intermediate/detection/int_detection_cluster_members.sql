{{ config(materialized='table') }}
{#-
  Flagged cluster x account: whether the account itself carries the campaign's signature, so
  that accounts merely sharing a prefix or a domain with a flagged cluster are not listed.
  Candidates are the accounts of the cluster's connected component (is_in_cluster: of the
  cluster itself), since community detection may cut a campaign into several communities, and
  accounts outside it whose traffic is mostly the cluster's signature templates
  (detection_member_unlinked_signature_share_min): an account of a handful of requests sends
  the campaign's private prompts but too few of them to become a graph edge or a strong link.

  An account is listed (is_listed) when
    signature  at least detection_member_signature_share_min of its requests use the
               cluster's signature templates, or
    unlinked_signature  it is linked to the cluster by nothing (another component) and at
               least detection_member_unlinked_signature_share_min of its requests use them
               (only such accounts are candidates from outside the component), or
    payment    it pays with the instrument of a `signature` account of the cluster, or
    linked     it is in the cluster itself and tied to its core by link strength
               (int_detection_accounts_clustered): strongly linked to at least
               detection_member_strong_links_min accounts of the cluster, through at least
               detection_member_linked_identifiers_min distinct identifiers whose rarity
               weights sum to detection_member_link_strength_min. A paraphrasing campaign has
               no signature template; its accounts are tied by many rare variants, prefixes
               and cards at once.
  One shared hosting/proxy prefix, an e-mail domain or a popular template is not enough:
  those link the cluster, they do not make an account part of the campaign.
  account_score: the points the account earns alone on the per-account signals (same specs
  as the clusters; group-only signals are not measurable for one account).
-#}
with

clusters as (

    select * from {{ ref('int_detection_clusters_scored') }}
    where is_flagged

),

clustered as (

    select * from {{ ref('int_detection_accounts_clustered') }}

),

{# a cluster lies within one connected component -#}
flagged_components as (

    select distinct
        clusters.cluster_id,
        flagged_accounts.component_id

    from clusters
    inner join clustered as flagged_accounts
        on clusters.cluster_id = flagged_accounts.cluster_id

),

{# candidates: every account of the flagged cluster's connected component (community
    detection may have cut one campaign into several communities; the signature decides).
    Joined through the component, not through every flagged account: a 6,000-account cluster
    would otherwise pair each of its accounts with every account of its component. -#}
cluster_accounts as (

    select
        flagged_components.cluster_id,
        candidates.account_id,
        candidates.cluster_id = flagged_components.cluster_id as is_in_cluster,
        true as is_linked,
        candidates.link_strength,
        candidates.linked_identifiers,
        candidates.strong_links

    from flagged_components
    inner join clustered as candidates
        on flagged_components.component_id = candidates.component_id

),

account_signals as (

    select * from {{ ref('int_detection_account_signals') }}

),

signature_templates as (

    select * from {{ ref('int_detection_cluster_signature_templates') }}

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_shared') }}

),

{# accounts outside the flagged cluster's component that send its signature templates -#}
unlinked_signature_use as (

    select
        signature_templates.cluster_id,
        account_templates.account_id,
        cast(sum(account_templates.requests) as {{ dbt.type_bigint() }}) as signature_requests

    from clusters
    inner join signature_templates
        on clusters.cluster_id = signature_templates.cluster_id
    inner join account_templates
        on signature_templates.prompt_template_hash = account_templates.prompt_template_hash
    left join cluster_accounts as linked
        on signature_templates.cluster_id = linked.cluster_id
        and account_templates.account_id = linked.account_id
    where linked.account_id is null
    group by signature_templates.cluster_id, account_templates.account_id

),

{# candidates too when most of their traffic is that signature: a proxy network's accounts of
    1-5 requests a week send its private prompts, but too few to link by anything -#}
unlinked_carriers as (

    select
        unlinked_signature_use.cluster_id,
        unlinked_signature_use.account_id,
        false as is_in_cluster,
        false as is_linked,
        unlinked.link_strength,
        unlinked.linked_identifiers,
        unlinked.strong_links

    from unlinked_signature_use
    inner join account_signals
        on unlinked_signature_use.account_id = account_signals.account_id
    inner join clustered as unlinked
        on unlinked_signature_use.account_id = unlinked.account_id
    where unlinked_signature_use.signature_requests
        >= {{ detection_var('detection_member_unlinked_signature_share_min') }} * account_signals.requests

),

candidate_accounts as (

    select * from cluster_accounts
    union all
    select * from unlinked_carriers

),

typical as (

    select * from {{ ref('int_detection_typical_account') }}

),

signature_use as (

    select
        candidate_accounts.cluster_id,
        candidate_accounts.account_id,
        cast(sum(account_templates.requests) as {{ dbt.type_bigint() }}) as signature_requests,
        cast(sum(account_templates.cot_elicitation_requests) as {{ dbt.type_bigint() }})
            as signature_cot_requests,
        cast(sum(account_templates.grader_prompt_requests) as {{ dbt.type_bigint() }})
            as signature_grader_requests

    from candidate_accounts
    inner join account_templates
        on candidate_accounts.account_id = account_templates.account_id
    inner join signature_templates
        on candidate_accounts.cluster_id = signature_templates.cluster_id
        and account_templates.prompt_template_hash = signature_templates.prompt_template_hash
    group by candidate_accounts.cluster_id, candidate_accounts.account_id

),

{# narrow on purpose: a component holding several flagged clusters pairs each of them with all
    of its accounts (1M candidate rows on a 10M-request day); the wide per-account signals are
    joined only to the accounts that stay (membership), or the rows outgrow the memory limit -#}
accounts as (

    select
        candidate_accounts.cluster_id,
        candidate_accounts.account_id,
        candidate_accounts.is_in_cluster,
        candidate_accounts.is_linked,
        candidate_accounts.link_strength,
        candidate_accounts.linked_identifiers,
        candidate_accounts.strong_links,
        account_signals.payment_fingerprint,
        coalesce({{ detection_ratio(
            'signature_use.signature_requests', 'account_signals.requests') }}, 0)
            as signature_template_share,
        {{ detection_signature_rate(
            'signature_use.signature_cot_requests', 'signature_use.signature_requests') }}
            as signature_cot_rate,
        {{ detection_signature_rate(
            'signature_use.signature_grader_requests', 'signature_use.signature_requests') }}
            as signature_grader_rate

    from candidate_accounts
    inner join account_signals
        on candidate_accounts.account_id = account_signals.account_id
    left join signature_use
        on candidate_accounts.cluster_id = signature_use.cluster_id
        and candidate_accounts.account_id = signature_use.account_id

),

signature_carriers as (

    select
        cluster_id,
        account_id,
        payment_fingerprint
    from accounts
    where signature_template_share >= {{ detection_var('detection_member_signature_share_min') }}

),

payment_linked as (

    select distinct
        accounts.cluster_id,
        accounts.account_id
    from accounts
    inner join signature_carriers
        on accounts.cluster_id = signature_carriers.cluster_id
        and accounts.payment_fingerprint = signature_carriers.payment_fingerprint
        and accounts.account_id <> signature_carriers.account_id

),

qualified as (

    select
        accounts.*,
        case
            when not accounts.is_linked then 'unlinked_signature'
            when
                accounts.signature_template_share
                >= {{ detection_var('detection_member_signature_share_min') }}
                then 'signature'
            when payment_linked.account_id is not null then 'payment'
            when accounts.is_in_cluster
                and accounts.strong_links >= {{ detection_var('detection_member_strong_links_min') }}
                and accounts.linked_identifiers
                >= {{ detection_var('detection_member_linked_identifiers_min') }}
                and accounts.link_strength >= {{ detection_var('detection_member_link_strength_min') }}
                then 'linked'
        end as membership_reason

    from accounts
    left join payment_linked
        on accounts.cluster_id = payment_linked.cluster_id
        and accounts.account_id = payment_linked.account_id

),

{# an account qualifying for several flagged clusters of its component is listed once: where
    it carries most of the signature (then its own cluster, then the smallest cluster id) -#}
membership_ranked as (

    select *
    from (
        select
            qualified.*,
            row_number() over (
                partition by qualified.account_id
                order by
                    case when qualified.membership_reason is null then 1 else 0 end,
                    qualified.signature_template_share desc,
                    case when qualified.is_in_cluster then 0 else 1 end,
                    qualified.cluster_id asc
            ) as preference
        from qualified
    ) as ranked
    where (membership_reason is not null and preference = 1)
        or (membership_reason is null and is_in_cluster)

),

membership as (

    select
        membership_ranked.cluster_id,
        membership_ranked.is_in_cluster,
        membership_ranked.is_linked,
        membership_ranked.link_strength,
        membership_ranked.linked_identifiers,
        membership_ranked.strong_links,
        membership_ranked.signature_template_share,
        membership_ranked.signature_cot_rate,
        membership_ranked.signature_grader_rate,
        membership_ranked.membership_reason,
        account_signals.*

    from membership_ranked
    inner join account_signals
        on membership_ranked.account_id = account_signals.account_id

),

{# the account's own signals under the group column names the specs use -#}
account_as_group as (

    select
        membership.cluster_id,
        membership.account_id,
        1 as accounts,
        1 as organizations,
        cast(1 as {{ type_double() }}) as accounts_per_org,
        membership.signature_template_share,
        cast(null as {{ type_double() }}) as signature_template_breadth,
        -- group-only template signals (families, private skeletons) are not measured for one account
        cast(null as {{ type_double() }}) as template_family_breadth,
        cast(null as {{ type_double() }}) as private_template_share,
        cast(null as {{ type_double() }}) as templated_cot_rate,
        cast(null as {{ type_double() }}) as templated_grader_rate,
        -- the targeted slice's rates are a group's (what its accounts harvest together)
        cast(null as {{ type_double() }}) as targeted_cot_rate,
        cast(null as {{ type_double() }}) as typical_targeted_cot_rate,
        cast(null as {{ type_double() }}) as targeted_grader_rate,
        cast(null as {{ type_double() }}) as typical_targeted_grader_rate,
        typical.typical_cot_rate,
        typical.typical_grader_rate,
        typical.typical_output_input_ratio,
        typical.typical_launch_share,
        typical.typical_proxy_share,
        cast(null as {{ type_double() }}) as typical_targeted_capability_share,
        membership.targeted_capability_share,
        membership.platform_targeted_capability_share,
        membership.capability_entropy_bits,
        membership.cot_rate,
        membership.signature_cot_rate,
        membership.platform_cot_rate,
        membership.grader_rate,
        membership.signature_grader_rate,
        membership.platform_grader_rate,
        membership.output_input_ratio,
        membership.platform_output_input_ratio,
        membership.launch_share,
        membership.platform_launch_share,
        membership.cohort_volume_ratio as median_cohort_volume_ratio,
        case when membership.is_payment_shared_across_orgs then 1.0 else 0.0 end as cross_org_payment_share,
        cast(null as {{ type_double() }}) as cross_org_infra_share,
        cast(null as {{ type_double() }}) as cross_org_system_prompt_share,
        membership.proxy_share,
        cast(null as {{ type_double() }}) as platform_proxy_share,
        membership.ip_prefixes_per_active_day as median_ip_prefixes_per_active_day,
        cast(null as {{ type_double() }}) as creation_burst_share,
        case when membership.is_weakly_verified then 1.0 else 0.0 end as weak_verification_share,
        case when membership.is_farming_pathway then 1.0 else 0.0 end as farming_pathway_share,
        cast(null as {{ type_double() }}) as load_cv,
        membership.hours_active_share as median_hours_active_share,
        cast(null as {{ type_double() }}) as sync_similarity

    from membership
    cross join typical

),

account_points as (

    {{ detection_signal_points('account_as_group', ['cluster_id', 'account_id']) }}

),

account_totals as (

    {{ detection_family_totals('account_points', 'cluster_id, account_id') }}

),

final as (

    select
        membership.cluster_id,
        membership.account_id,
        membership.is_in_cluster,
        membership.organization_id,
        membership.payment_fingerprint,
        membership.requests,
        membership.total_tokens,
        membership.first_active_date,
        membership.last_active_date,
        membership.is_active_on_run_date,
        membership.signature_template_share,
        membership.link_strength,
        membership.strong_links,
        membership.membership_reason,
        membership.membership_reason is not null as is_listed,
        account_totals.extraction_points + account_totals.targeting_points as account_harvesting_points,
        account_totals.concealment_points + account_totals.farming_points as account_coordination_points,
        account_totals.extraction_points + account_totals.targeting_points
        + account_totals.concealment_points + account_totals.farming_points as account_score

    from membership
    inner join account_totals
        on membership.cluster_id = account_totals.cluster_id
        and membership.account_id = account_totals.account_id

)

select * from final
