{{ config(materialized='table') }}
{#-
  Cluster grain: family points, score and the decision.

    harvesting_points   = extraction_points  + context(targeting points, detection_targeting_points_cap)
    coordination_points = concealment_points + context(farming points, detection_farming_points_cap)
    score               = harvesting_points + coordination_points
    is_flagged          = harvesting_points   >= detection_harvesting_points_min
                      and coordination_points >= detection_coordination_points_min
                      and accounts            >= detection_min_campaign_accounts

  Confidence: `high` when both families clear their minimum by detection_high_confidence_margin
  points, `moderate` by detection_moderate_confidence_margin, else `low`.
-#}
with

cluster_signals as (

    select * from {{ ref('int_detection_cluster_signals') }}

),

points as (

    select * from {{ ref('int_detection_cluster_signal_points') }}

),

totals as (

    {{ detection_family_totals('points', 'cluster_id') }}

),

scored as (

    select
        cluster_signals.cluster_id,
        cluster_signals.accounts,
        cluster_signals.organizations,
        cluster_signals.requests,
        cluster_signals.total_tokens,
        cluster_signals.first_active_date,
        cluster_signals.last_active_date,
        totals.extraction_points,
        totals.targeting_points_raw,
        totals.targeting_points,
        totals.concealment_points,
        totals.farming_points_raw,
        totals.farming_points,
        totals.extraction_points + totals.targeting_points as harvesting_points,
        totals.concealment_points + totals.farming_points as coordination_points,
        totals.extraction_points + totals.targeting_points
        + totals.concealment_points + totals.farming_points as score

    from cluster_signals
    inner join totals
        on cluster_signals.cluster_id = totals.cluster_id

),

final as (

    select
        scored.*,
        (
            scored.harvesting_points >= {{ detection_var('detection_harvesting_points_min') }}
            and scored.coordination_points >= {{ detection_var('detection_coordination_points_min') }}
            and scored.accounts >= {{ detection_var('detection_min_campaign_accounts') }}
        ) as is_flagged,
        {{ detection_confidence('scored.harvesting_points', 'scored.coordination_points') }} as confidence

    from scored

)

select * from final
