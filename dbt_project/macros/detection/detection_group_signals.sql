{#-
  Signals of groups of accounts over the detection window, one row per group.

  `membership` names a relation or CTE with columns (group_id, account_id); the output names
  the group column `group_column`. The macro returns
  CTEs to append after `with membership as (...)` plus the final select, so the same
  definitions serve the clusters (int_detection_cluster_signals) and the campaigns as listed
  (int_detection_campaign_signals). Every column is defined in
  int_detection_cluster_signals.yml and docs/detection.md. Platform references (`platform_*`)
  are the rest of the platform: the window's totals minus the group's own; the bars of the
  rates compare with the typical account (`typical_*`, int_detection_typical_account), which
  campaigns that carry much of the traffic do not inflate.

  The CTEs come in parts, one macro file per evidence family, each readable on its own:
  detection_group_basics (members, references, sums and medians), detection_group_templates
  (extraction: signature templates, private skeletons, template families),
  detection_group_targeting (capability mix, targets, models), detection_group_concealment
  (dedicated prefixes, cross-organization infrastructure and harnesses),
  detection_group_farming (creation bursts, synchronized timing) and detection_group_output
  (the row per group).
-#}
{% macro detection_group_signals(membership, group_column='group_id') %}
,
{#- the parts, one macro file per evidence family; each returns CTEs for the next to read -#}
{{ detection_group_basics(membership) }},
{{- detection_group_templates() }},
{{- detection_group_targeting() }},
{{- detection_group_concealment() }},
{{- detection_group_farming() }},
{{- detection_group_output(group_column) }}
{% endmacro %}
