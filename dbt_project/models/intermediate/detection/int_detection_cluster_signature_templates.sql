{{ config(materialized='table') }}
{#-
  Cluster x signature template: templates sent by 2+ accounts of the cluster, of which the
  cluster holds at least detection_dedicated_share of all accounts sending them (a popular
  public template is everybody's, so it is nobody's signature).
-#}
with

clusters as (

    select cluster_id, account_id
    from {{ ref('int_detection_accounts_clustered') }}
    where cluster_accounts >= {{ detection_var('detection_min_campaign_accounts') }}

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}

),

templates as (

    select * from {{ ref('int_detection_templates_reached') }}

),

cluster_templates as (

    select
        clusters.cluster_id,
        account_templates.prompt_template_hash,
        count(*) as cluster_accounts,
        sum(account_templates.requests) as cluster_requests

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
        cluster_templates.cluster_requests,
        templates.accounts as platform_accounts,
        templates.organizations as platform_organizations

    from cluster_templates
    inner join templates
        on cluster_templates.prompt_template_hash = templates.prompt_template_hash
    where {{ detection_is_signature_template('cluster_templates.cluster_accounts', 'templates.accounts') }}

)

select * from final
