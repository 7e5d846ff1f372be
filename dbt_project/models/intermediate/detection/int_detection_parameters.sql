{{ config(materialized='table') }}
{#-
  One row: the run date, window and the parameters the Python detection models need (they
  cannot call var()). Every value comes from detection_var(), so a --vars override reaches the
  Python models too, and each run's parameters are on record beside its results.
-#}
select
    {{ run_date_literal() }} as run_date,
    {{ detection_window_start_literal() }} as window_start,
    {{ detection_var('window_days') }} as window_days,
    {{ detection_var('detection_community_min_accounts') }} as community_min_accounts,
    {{ detection_var('detection_community_seed') }} as community_seed,
    cast({{ detection_var('detection_community_merge_share') }} as {{ type_double() }})
        as community_merge_share,
    {{ detection_var('detection_link_pair_max_reach') }} as link_pair_max_reach,
    cast({{ detection_var('detection_link_strong_min') }} as {{ type_double() }}) as link_strong_min,
    cast({{ detection_var('detection_link_join_share') }} as {{ type_double() }}) as link_join_share,
    cast({{ detection_var('detection_link_behaviour_min') }} as {{ type_double() }}) as link_behaviour_min,
    cast({{ detection_var('detection_identity_account_overlap_min') }} as {{ type_double() }})
        as identity_account_overlap_min,
    cast({{ detection_var('detection_identity_template_overlap_min') }} as {{ type_double() }})
        as identity_template_overlap_min,
    {{ detection_var('detection_identity_retention_days') }} as identity_retention_days
