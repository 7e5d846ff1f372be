{{ config(materialized='table') }}
{#-
  Cluster x signature template (macro detection_is_signature_template): templates sent by 2+
  accounts (of 2+ organizations when the cluster spans several) of the cluster, which holds at
  least detection_dedicated_share of all accounts sending them.
-#}
with

clusters as (

    select
        clustered_accounts.cluster_id,
        clustered_accounts.account_id,
        accounts.organization_id
    from {{ ref('int_detection_accounts_clustered') }} as clustered_accounts
    inner join {{ ref('int_detection_accounts_windowed') }} as accounts
        on clustered_accounts.account_id = accounts.account_id
    where clustered_accounts.cluster_accounts >= {{ detection_var('detection_min_campaign_accounts') }}

),

cluster_sizes as (

    select
        cluster_id,
        count(distinct organization_id) as organizations
    from clusters
    group by cluster_id

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_shared') }}

),

templates as (

    select * from {{ ref('int_detection_templates_reached') }}

),

cluster_templates as (

    select
        clusters.cluster_id,
        account_templates.prompt_template_hash,
        count(*) as cluster_accounts,
        count(distinct clusters.organization_id) as cluster_organizations,
        cast(sum(account_templates.requests) as {{ dbt.type_bigint() }}) as cluster_requests

    from clusters
    inner join account_templates
        on clusters.account_id = account_templates.account_id
    group by clusters.cluster_id, account_templates.prompt_template_hash

),

final as (

    select
        cluster_templates.cluster_id,
        cluster_templates.prompt_template_hash,
        cluster_templates.cluster_accounts,
        cluster_templates.cluster_organizations,
        cluster_templates.cluster_requests,
        templates.accounts as platform_accounts,
        templates.organizations as platform_organizations

    from cluster_templates
    inner join cluster_sizes
        on cluster_templates.cluster_id = cluster_sizes.cluster_id
    inner join templates
        on cluster_templates.prompt_template_hash = templates.prompt_template_hash
    where {{ detection_is_signature_template(
        'cluster_templates.cluster_accounts', 'cluster_templates.cluster_organizations',
        'templates.accounts', 'cluster_sizes.organizations') }}

)

select * from final
