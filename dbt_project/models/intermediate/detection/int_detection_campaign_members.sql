{{ config(materialized='table') }}
{#-
  Campaign x account for the run date. Flagged campaigns: the listed accounts of their
  clusters (is_listed_today). Campaigns carried from earlier days (not flagged today): their
  last known accounts, so their current signals can still be reported as dormant.
-#}
with

identity as (

    select * from {{ ref('int_detection_campaign_identity') }}
    where activity_date = {{ run_date_literal() }}

),

cluster_members as (

    select * from {{ ref('int_detection_cluster_members') }}
    where is_listed

),

flagged as (

    select
        identity.campaign_id,
        cluster_members.account_id,
        cluster_members.cluster_id,
        cluster_members.membership_reason,
        cluster_members.signature_template_share,
        cluster_members.account_score,
        true as is_listed_today

    from identity
    inner join cluster_members
        on identity.identifier_value = cluster_members.cluster_id
    where identity.identifier_kind = 'cluster'
        and identity.is_flagged

),

carried as (

    select
        identity.campaign_id,
        identity.identifier_value as account_id,
        cast(null as {{ dbt.type_string() }}) as cluster_id,
        cast(null as {{ dbt.type_string() }}) as membership_reason,
        cast(null as {{ type_double() }}) as signature_template_share,
        cast(null as {{ dbt.type_int() }}) as account_score,
        false as is_listed_today

    from identity
    where identity.identifier_kind = 'account'
        and not identity.is_flagged

)

select * from flagged
union all
select * from carried
