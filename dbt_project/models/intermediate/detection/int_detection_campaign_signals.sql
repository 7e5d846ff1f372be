{{ config(materialized='table') }}
{#-
  Campaign grain for the run date: every group signal (macro detection_group_signals) computed
  on the campaign's accounts as listed (int_detection_campaign_members), i.e. without the
  cluster accounts that do not carry the campaign's signature.
-#}
with

membership as (

    select distinct
        campaign_id as group_id,
        account_id
    from {{ ref('int_detection_campaign_members') }}

)

{{ detection_group_signals('membership', group_column='campaign_id') }}
