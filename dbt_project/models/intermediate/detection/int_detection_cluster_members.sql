{{ config(materialized='table') }}
{#-
  Flagged cluster x account: whether the account itself carries the campaign's signature, so
  that accounts merely sharing a prefix or a domain with a flagged cluster are not listed.

  An account is listed (is_listed) when
    signature       at least detection_member_signature_share_min of its requests use the
                    cluster's signature templates, or
    payment         it pays with an instrument of a `signature` account of the cluster, or
    infrastructure  at least detection_member_infra_share_min of its requests come from
                    hosting/proxy prefixes dedicated to those core accounts (the core holds at
                    least detection_dedicated_share of the prefix's accounts).
  account_score: the points the account earns alone on the per-account signals (same specs
  as the clusters; group-only signals are not measurable for one account).
-#}
with

clusters as (

    select * from {{ ref('int_detection_clusters_scored') }}
    where is_flagged

),

cluster_accounts as (

    select clustered.cluster_id, clustered.account_id
    from {{ ref('int_detection_accounts_clustered') }} as clustered
    inner join clusters
        on clustered.cluster_id = clusters.cluster_id

),

account_signals as (

    select * from {{ ref('int_detection_account_signals') }}

),

signature_templates as (

    select * from {{ ref('int_detection_cluster_signature_templates') }}

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}

),

account_prefixes as (

    select * from {{ ref('int_detection_account_ip_prefixes_windowed') }}

),

signature_use as (

    select
        cluster_accounts.cluster_id,
        cluster_accounts.account_id,
        sum(account_templates.requests) as signature_requests

    from cluster_accounts
    inner join account_templates
        on cluster_accounts.account_id = account_templates.account_id
    inner join signature_templates
        on cluster_accounts.cluster_id = signature_templates.cluster_id
        and account_templates.prompt_template_hash = signature_templates.prompt_template_hash
    group by cluster_accounts.cluster_id, cluster_accounts.account_id

),

accounts as (

    select
        cluster_accounts.cluster_id,
        account_signals.*,
        coalesce({{ detection_ratio('signature_use.signature_requests', 'account_signals.requests') }}, 0) as signature_template_share

    from cluster_accounts
    inner join account_signals
        on cluster_accounts.account_id = account_signals.account_id
    left join signature_use
        on cluster_accounts.cluster_id = signature_use.cluster_id
        and cluster_accounts.account_id = signature_use.account_id

),

signature_carriers as (

    select cluster_id, account_id, payment_fingerprint
    from accounts
    where signature_template_share >= {{ detection_var('detection_member_signature_share_min') }}

),

payment_linked as (

    select distinct accounts.cluster_id, accounts.account_id
    from accounts
    inner join signature_carriers
        on accounts.cluster_id = signature_carriers.cluster_id
        and accounts.payment_fingerprint = signature_carriers.payment_fingerprint
        and accounts.account_id <> signature_carriers.account_id

),

core as (

    select cluster_id, account_id from signature_carriers
    union
    select cluster_id, account_id from payment_linked

),

prefix_users as (

    select ip_prefix, count(*) as prefix_accounts
    from account_prefixes
    group by ip_prefix

),

core_prefixes as (

    select
        core.cluster_id,
        account_prefixes.ip_prefix,
        count(*) as core_accounts,
        sum(case when account_prefixes.is_linking then 1 else 0 end) as core_linking_accounts

    from core
    inner join account_prefixes
        on core.account_id = account_prefixes.account_id
    group by core.cluster_id, account_prefixes.ip_prefix

),

dedicated_prefixes as (

    select core_prefixes.cluster_id, core_prefixes.ip_prefix
    from core_prefixes
    inner join prefix_users
        on core_prefixes.ip_prefix = prefix_users.ip_prefix
    where {{ detection_is_dedicated_prefix('core_prefixes.core_linking_accounts', 'core_prefixes.core_accounts', 'prefix_users.prefix_accounts') }}

),

infrastructure_use as (

    select
        cluster_accounts.cluster_id,
        cluster_accounts.account_id,
        sum(account_prefixes.requests) as dedicated_prefix_requests

    from cluster_accounts
    inner join account_prefixes
        on cluster_accounts.account_id = account_prefixes.account_id
    inner join dedicated_prefixes
        on cluster_accounts.cluster_id = dedicated_prefixes.cluster_id
        and account_prefixes.ip_prefix = dedicated_prefixes.ip_prefix
    group by cluster_accounts.cluster_id, cluster_accounts.account_id

),

membership as (

    select
        accounts.*,
        coalesce({{ detection_ratio('infrastructure_use.dedicated_prefix_requests', 'accounts.requests') }}, 0) as dedicated_infra_share,
        case
            when accounts.signature_template_share >= {{ detection_var('detection_member_signature_share_min') }} then 'signature'
            when payment_linked.account_id is not null then 'payment'
            when coalesce({{ detection_ratio('infrastructure_use.dedicated_prefix_requests', 'accounts.requests') }}, 0)
                 >= {{ detection_var('detection_member_infra_share_min') }} then 'infrastructure'
        end as membership_reason

    from accounts
    left join payment_linked
        on accounts.cluster_id = payment_linked.cluster_id
        and accounts.account_id = payment_linked.account_id
    left join infrastructure_use
        on accounts.cluster_id = infrastructure_use.cluster_id
        and accounts.account_id = infrastructure_use.account_id

),

{#- the account's own signals under the group column names the specs use -#}
account_as_group as (

    select
        cluster_id,
        account_id,
        1 as accounts,
        1 as organizations,
        cast(1 as {{ dbt.type_float() }}) as accounts_per_org,
        signature_template_share,
        cast(null as {{ dbt.type_float() }}) as signature_template_breadth,
        targeted_capability_share,
        platform_targeted_capability_share,
        capability_entropy_bits,
        cot_rate,
        platform_cot_rate,
        grader_rate,
        platform_grader_rate,
        output_input_ratio,
        platform_output_input_ratio,
        launch_share,
        platform_launch_share,
        cohort_volume_ratio as median_cohort_volume_ratio,
        case when is_payment_shared_across_orgs then 1.0 else 0.0 end as cross_org_payment_share,
        cast(null as {{ dbt.type_float() }}) as cross_org_infra_share,
        proxy_share,
        cast(null as {{ dbt.type_float() }}) as platform_proxy_share,
        ip_prefixes_per_active_day as median_ip_prefixes_per_active_day,
        cast(null as {{ dbt.type_float() }}) as creation_burst_share,
        case when is_weakly_verified then 1.0 else 0.0 end as weak_verification_share,
        case when is_farming_pathway then 1.0 else 0.0 end as farming_pathway_share,
        cast(null as {{ dbt.type_float() }}) as load_cv,
        hours_active_share as median_hours_active_share,
        cast(null as {{ dbt.type_float() }}) as sync_similarity

    from membership

),

account_points as (

    {{ detection_signal_points('account_as_group', ['cluster_id', 'account_id']) }}

),

account_totals as (

    select
        cluster_id,
        account_id,
        sum(case when family = 'harvesting' then points else 0 end) as account_harvesting_points,
        sum(case when family = 'concealment' then points else 0 end) as account_concealment_points,
        least(
            sum(case when family = 'farming' then points else 0 end),
            {{ detection_var('detection_farming_points_cap') }}
        ) as account_farming_points

    from account_points
    group by cluster_id, account_id

),

final as (

    select
        membership.cluster_id,
        membership.account_id,
        membership.organization_id,
        membership.payment_fingerprint,
        membership.requests,
        membership.total_tokens,
        membership.first_active_date,
        membership.last_active_date,
        membership.is_active_on_run_date,
        membership.signature_template_share,
        membership.dedicated_infra_share,
        membership.membership_reason,
        membership.membership_reason is not null as is_listed,
        account_totals.account_harvesting_points,
        account_totals.account_concealment_points,
        account_totals.account_farming_points,
        account_totals.account_harvesting_points
            + account_totals.account_concealment_points
            + account_totals.account_farming_points as account_score

    from membership
    inner join account_totals
        on membership.cluster_id = account_totals.cluster_id
        and membership.account_id = account_totals.account_id

)

select * from final
