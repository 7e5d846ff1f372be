{{ config(materialized='table') }}
{#-
  Campaign grain for the run date: every group signal (macro detection_group_signals) computed
  on the campaign's accounts as listed (int_detection_campaign_members), i.e. without the
  cluster accounts that do not carry the campaign's signature, and without the accounts listed
  only by the signature while linked to the cluster by nothing (`unlinked_signature`): they
  are listed for what they send, but a handful of requests a week cannot show the campaign's
  per-account evidence (a harness or a prefix used repeatedly, its hours, its load), so
  counting them would dilute the group's shares and medians, not add evidence.
-#}
with

membership as (

    select distinct
        campaign_id as group_id,
        account_id
    from {{ ref('int_detection_campaign_members') }}
    where coalesce(membership_reason, '') <> 'unlinked_signature'

)

{{ detection_group_signals('membership', group_column='campaign_id') }}
