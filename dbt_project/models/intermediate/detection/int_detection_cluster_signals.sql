{{ config(materialized='table') }}
{#-
  Cluster grain: every group signal (macro detection_group_signals) for the clusters of
  int_detection_accounts_clustered that have at least detection_min_campaign_accounts accounts.
-#}
with

membership as (

    select
        cluster_id as group_id,
        account_id
    from {{ ref('int_detection_accounts_clustered') }}
    where cluster_accounts >= {{ detection_var('detection_min_campaign_accounts') }}

)

{{ detection_group_signals('membership', group_column='cluster_id') }}
