{#-
  The score: every signal of a group, its value, the bar it must reach (threshold), the
  platform reference it is compared with, and the points it earns. One list, used for the
  clusters (decision) and the campaigns (report), so both read the same definitions.

  family (two families, each split into direct evidence and capped context):
    harvesting = extraction + context(targeting, detection_targeting_points_cap)
      extraction   the prompts themselves: one template family (exact or paraphrased) sent by
                   many accounts of the group and hardly anyone else, traffic on private
                   skeletons, chain-of-thought elicitation, rubric-grading prompts
      targeting    what is harvested: narrow capability targeting with lift, output-heavy
                   exchanges, a pivot to a just-released model, volume above the cohort.
                   Legitimate products and early adopters show these, so they add at most
                   detection_targeting_points_cap
    coordination = concealment + context(farming, detection_farming_points_cap)
      concealment  hidden links between nominally separate customers: one payment instrument
                   for several organizations, dedicated hosting/proxy infrastructure shared
                   across organizations, a dedicated system prompt (harness) shared across
                   organizations, anonymizing proxies, IP rotation
      farming      how the accounts were made and are run: creation bursts, weak verification,
                   education/research/startup pathways, balanced load, round-the-clock and
                   synchronized activity, one account per organization. Legitimate
                   organizations show these too, so they add at most detection_farming_points_cap
    context(raw, cap) = least(raw, cap) + detection_context_bonus_points when raw >=
      detection_context_bonus_min_points (macro detection_context_points): many independent
      context signals at once are more than any legitimate customer shows

  A signal whose value is null (not measurable: too few accounts, no new model in the window)
  earns 0 points. `threshold` is the effective bar, e.g. for the CoT rate
  greatest(detection_cot_rate_min, detection_cot_lift_min x platform rate).
-#}
{% macro detection_signal_specs() %}
  {%- set v = detection_var -%}
  {#- the CoT / grader share: of all requests, of templated ones or of signature ones, whichever is highest -#}
  {%- set cot_value = 'greatest(cot_rate, coalesce(templated_cot_rate, 0), coalesce(signature_cot_rate, 0))' -%}
  {%- set grader_value = 'greatest(grader_rate, coalesce(templated_grader_rate, 0), coalesce(signature_grader_rate, 0))' -%}
  {{- return([
    {'signal': 'template_breadth', 'family': 'extraction', 'direction': '>=',
     'value': 'signature_template_breadth', 'reference': 'null',
     'threshold': v('detection_template_breadth_min'), 'points': v('detection_template_breadth_points'),
     'description': 'share of the accounts sending the top signature template (3+ accounts; signature: sent by 2+ accounts of the group and mostly by this group)'},
    {'signal': 'signature_template_share', 'family': 'extraction', 'direction': '>=',
     'value': 'signature_template_share', 'reference': 'null',
     'threshold': v('detection_signature_share_min'), 'points': v('detection_signature_share_points'),
     'description': 'share of requests on the signature templates'},
    {'signal': 'template_family_breadth', 'family': 'extraction', 'direction': '>=',
     'value': 'template_family_breadth', 'reference': 'null',
     'threshold': v('detection_template_family_breadth_min'), 'points': v('detection_template_family_breadth_points'),
     'description': 'share of the accounts in the largest template family (3+ accounts): accounts joined by chains of signature templates, so a campaign that paraphrases its prompts, each account on its own few variants, is one family'},
    {'signal': 'private_template_share', 'family': 'extraction', 'direction': '>=',
     'value': 'private_template_share', 'reference': 'null',
     'threshold': v('detection_private_template_share_min'), 'points': v('detection_private_template_share_points'),
     'description': 'share of requests on private skeletons: templates the group sends ' ~ v('detection_private_template_min_requests') ~ '+ times and holds most senders of (an account\'s own repeated templates included)'},
    {'signal': 'cot_elicitation_rate', 'family': 'extraction', 'direction': '>=',
     'value': cot_value, 'reference': 'typical_cot_rate',
     'threshold': 'greatest(' ~ v('detection_cot_rate_min') ~ ', ' ~ v('detection_cot_lift_min') ~ ' * coalesce(typical_cot_rate, 0))',
     'points': v('detection_cot_points'),
     'description': 'share of requests asking for step-by-step reasoning: of all its requests, of its private-skeleton (templated) requests or of its signature-template requests, whichever is higher (relayed ordinary traffic does not dilute the harvesting); reference: the typical account'},
    {'signal': 'cot_elicitation_elevated', 'family': 'extraction', 'direction': '>=',
     'value': cot_value, 'reference': 'typical_cot_rate',
     'threshold': 'greatest(' ~ v('detection_cot_elevated_rate_min') ~ ', ' ~ v('detection_cot_elevated_lift_min') ~ ' * coalesce(typical_cot_rate, 0))',
     'points': v('detection_cot_elevated_points'),
     'description': 'the same CoT share against a lower bar: a tenth of the prompts and ' ~ v('detection_cot_elevated_lift_min') ~ 'x the typical account (a campaign whose CoT share is still rising); earns on top of cot_elicitation_rate'},
    {'signal': 'grader_prompt_rate', 'family': 'extraction', 'direction': '>=',
     'value': grader_value, 'reference': 'typical_grader_rate',
     'threshold': 'greatest(' ~ v('detection_grader_rate_min') ~ ', ' ~ v('detection_grader_lift_min') ~ ' * coalesce(typical_grader_rate, 0))',
     'points': v('detection_grader_points'),
     'description': 'share of rubric-grading / reward-model prompts: of all its requests, of its templated requests or of its signature-template requests, whichever is higher; reference: the typical account'},
    {'signal': 'capability_targeting', 'family': 'targeting', 'direction': '>=',
     'value': 'targeted_capability_share', 'reference': 'typical_targeted_capability_share',
     'threshold': v('detection_capability_share_min'), 'points': v('detection_capability_points'),
     'description': 'share of requests on targeted capabilities (each at least ' ~ v('detection_capability_lift_min') ~ 'x its share of the typical account\'s mix); reference: the typical account\'s share of the same capabilities'},
    {'signal': 'capability_entropy', 'family': 'targeting', 'direction': '<=',
     'value': 'capability_entropy_bits', 'reference': 'null',
     'threshold': v('detection_capability_entropy_max_bits'), 'points': v('detection_capability_entropy_points'),
     'description': 'Shannon entropy (bits) of the capability mix (context for capability_concentration; no points by default)'},
    {'signal': 'output_input_ratio', 'family': 'targeting', 'direction': '>=',
     'value': 'output_input_ratio', 'reference': 'typical_output_input_ratio',
     'threshold': v('detection_output_ratio_lift_min') ~ ' * typical_output_input_ratio',
     'points': v('detection_output_ratio_points'),
     'description': '(output + thinking tokens) / input tokens; reference: the typical account'},
    {'signal': 'launch_pivot', 'family': 'targeting', 'direction': '>=',
     'value': 'launch_share', 'reference': 'typical_launch_share',
     'threshold': 'greatest(' ~ v('detection_launch_share_min') ~ ', ' ~ v('detection_launch_lift_min') ~ ' * coalesce(typical_launch_share, 0))',
     'points': v('detection_launch_points'),
     'description': 'share of requests on a model released in the last ' ~ v('detection_new_model_hours') ~ ' h (days with such a model only)'},
    {'signal': 'cohort_volume', 'family': 'targeting', 'direction': '>=',
     'value': 'median_cohort_volume_ratio', 'reference': 'null',
     'threshold': v('detection_cohort_volume_ratio_min'), 'points': v('detection_cohort_volume_points'),
     'description': 'median account volume (requests per active day) over its cohort median (same pathway and age bucket)'},
    {'signal': 'cross_org_payment', 'family': 'concealment', 'direction': '>=',
     'value': 'cross_org_payment_share', 'reference': 'null',
     'threshold': v('detection_cross_org_payment_share_min'), 'points': v('detection_cross_org_payment_points'),
     'description': 'share of accounts paying with an instrument that also pays for another organization'},
    {'signal': 'cross_org_infrastructure', 'family': 'concealment', 'direction': '>=',
     'value': 'cross_org_infra_share', 'reference': 'null',
     'threshold': v('detection_cross_org_infra_share_min'), 'points': v('detection_cross_org_infra_points'),
     'description': 'share of accounts on a dedicated hosting/proxy prefix shared with another organization of the group'},
    {'signal': 'cross_org_system_prompt', 'family': 'concealment', 'direction': '>=',
     'value': 'cross_org_system_prompt_share', 'reference': 'null',
     'threshold': v('detection_cross_org_system_prompt_share_min'), 'points': v('detection_cross_org_system_prompt_points'),
     'description': 'share of accounts on a dedicated system prompt (a harness) shared with another organization of the group'},
    {'signal': 'proxy_share', 'family': 'concealment', 'direction': '>=',
     'value': 'proxy_share', 'reference': 'typical_proxy_share',
     'threshold': v('detection_proxy_share_min'), 'points': v('detection_proxy_points'),
     'description': 'share of requests through anonymizing proxy networks'},
    {'signal': 'ip_churn', 'family': 'concealment', 'direction': '>=',
     'value': 'median_ip_prefixes_per_active_day', 'reference': 'null',
     'threshold': v('detection_ip_churn_min'), 'points': v('detection_ip_churn_points'),
     'description': 'median distinct IP prefixes per active day'},
    {'signal': 'creation_burst', 'family': 'farming', 'direction': '>=',
     'value': 'creation_burst_share', 'reference': 'null',
     'threshold': v('detection_creation_burst_share_min'), 'points': v('detection_creation_burst_points'),
     'description': 'largest share of accounts created within ' ~ v('detection_creation_burst_hours') ~ ' h'},
    {'signal': 'weak_verification', 'family': 'farming', 'direction': '>=',
     'value': 'weak_verification_share', 'reference': 'null',
     'threshold': v('detection_weak_verification_share_min'), 'points': v('detection_weak_verification_points'),
     'description': 'share of accounts verified by e-mail only or not at all'},
    {'signal': 'farming_pathways', 'family': 'farming', 'direction': '>=',
     'value': 'farming_pathway_share', 'reference': 'null',
     'threshold': v('detection_farming_pathway_share_min'), 'points': v('detection_farming_pathway_points'),
     'description': 'share of accounts signed up through ' ~ (v('detection_farming_pathways') | join('/')) ~ ' programmes'},
    {'signal': 'load_evenness', 'family': 'farming', 'direction': '<=',
     'value': 'load_cv', 'reference': 'null',
     'threshold': v('detection_load_cv_max'), 'points': v('detection_load_evenness_points'),
     'description': 'coefficient of variation of requests per active day across accounts (low: load balanced)'},
    {'signal': 'round_the_clock', 'family': 'farming', 'direction': '>=',
     'value': 'median_hours_active_share', 'reference': 'null',
     'threshold': v('detection_hours_active_share_min'), 'points': v('detection_round_the_clock_points'),
     'description': 'median share of the 24 hours an account is active on its active days'},
    {'signal': 'synchronized_timing', 'family': 'farming', 'direction': '>=',
     'value': 'sync_similarity', 'reference': 'null',
     'threshold': v('detection_sync_similarity_min'), 'points': v('detection_sync_points'),
     'description': 'mean cosine similarity of each account\'s hourly traffic with the rest of the group'},
    {'signal': 'organization_span', 'family': 'farming', 'direction': '<=',
     'value': 'case when organizations >= ' ~ v('detection_org_span_min_orgs') ~ ' then accounts_per_org end', 'reference': 'null',
     'threshold': v('detection_accounts_per_org_max'), 'points': v('detection_org_span_points'),
     'description': 'accounts per organization when the group spans ' ~ v('detection_org_span_min_orgs') ~ '+ organizations (about one account each: farmed organizations)'}
  ]) -}}
{% endmacro %}


{#-
  Long table: one row per (key columns) x signal with value, threshold, reference, points.
  `relation` is a relation/CTE holding the columns the specs name; `keys` the columns to carry.
-#}
{% macro detection_signal_points(relation, keys) %}
  {%- for spec in detection_signal_specs() %}
    select
        {% for key in keys %}{{ key }}, {% endfor %}
        '{{ spec.signal }}' as signal,
        '{{ spec.family }}' as family,
        cast({{ spec.value }} as {{ type_double() }}) as value,
        cast({{ spec.threshold }} as {{ type_double() }}) as threshold,
        cast({{ spec.reference }} as {{ type_double() }}) as reference,
        '{{ spec.direction }}' as direction,
        case
            when ({{ spec.value }}) is not null
             and ({{ spec.threshold }}) is not null
             and ({{ spec.value }}) {{ spec.direction }} ({{ spec.threshold }})
                then cast({{ spec.points }} as {{ dbt.type_bigint() }})
            else cast(0 as {{ dbt.type_bigint() }})
        end as points,
        cast({{ spec.points }} as {{ dbt.type_bigint() }}) as max_points,
        '{{ spec.description | replace("'", "''") }}' as description,
        {{ loop.index }} as signal_order
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
  {%- endfor %}
{% endmacro %}


{#-
  Family totals from a long points relation, per group key: extraction, targeting (capped),
  concealment, farming (capped). harvesting = extraction + targeting; coordination =
  concealment + farming.
-#}
{% macro detection_family_totals(points_relation, key) %}
    select
        {{ key }},
        cast(sum(case when family = 'extraction' then points else 0 end) as {{ dbt.type_bigint() }}) as extraction_points,
        cast(sum(case when family = 'targeting' then points else 0 end) as {{ dbt.type_bigint() }}) as targeting_points_raw,
        cast({{ detection_context_points("sum(case when family = 'targeting' then points else 0 end)", 'detection_targeting_points_cap') }}
            as {{ dbt.type_bigint() }}) as targeting_points,
        cast(sum(case when family = 'concealment' then points else 0 end) as {{ dbt.type_bigint() }}) as concealment_points,
        cast(sum(case when family = 'farming' then points else 0 end) as {{ dbt.type_bigint() }}) as farming_points_raw,
        cast({{ detection_context_points("sum(case when family = 'farming' then points else 0 end)", 'detection_farming_points_cap') }}
            as {{ dbt.type_bigint() }}) as farming_points
    from {{ points_relation }}
    group by {{ key }}
{% endmacro %}


{#- A family's context points: at most its cap, plus detection_context_bonus_points when its
    raw context reaches detection_context_bonus_min_points (twice the cap by default). One or
    two context signals are what legitimate customers show (a course: education pathway and a
    semester burst; an enterprise product: narrow capabilities and long answers); four or more
    independent ones at once (weak verification, credit pathways, one account per
    organization, balanced load, synchronized firing) describe an operation, and earn one
    point more, never enough alone to reach a family's bar. -#}
{% macro detection_context_points(raw, cap_var) -%}
  (least({{ raw }}, {{ detection_var(cap_var) }})
   + case when {{ raw }} >= {{ detection_var('detection_context_bonus_min_points') }}
          then {{ detection_var('detection_context_bonus_points') }} else 0 end)
{%- endmacro %}


{#- Confidence level from the two family totals (see int_detection_clusters_scored). -#}
{% macro detection_confidence(harvesting_points, coordination_points) -%}
  case
    when {{ harvesting_points }} >= {{ detection_var('detection_harvesting_points_min') + detection_var('detection_high_confidence_margin') }}
     and {{ coordination_points }} >= {{ detection_var('detection_coordination_points_min') + detection_var('detection_high_confidence_margin') }}
        then 'high'
    when {{ harvesting_points }} >= {{ detection_var('detection_harvesting_points_min') + detection_var('detection_moderate_confidence_margin') }}
     and {{ coordination_points }} >= {{ detection_var('detection_coordination_points_min') + detection_var('detection_moderate_confidence_margin') }}
        then 'moderate'
    else 'low'
  end
{%- endmacro %}


{#- The sentence that goes with a confidence level (wording rules in docs/detection.md). -#}
{% macro detection_confidence_statement(confidence) -%}
  case {{ confidence }}
    when 'high' then 'High confidence: several independent signals of both harvesting and concealed coordination; these accounts almost certainly form one distillation campaign.'
    when 'moderate' then 'Moderate confidence: harvesting and concealed coordination both clearly present; these accounts likely form one distillation campaign. Review the listed signals before enforcement.'
    else 'Low confidence: harvesting and concealed coordination only just reach the bar; these accounts may form a distillation campaign. Analyst review required before any action.'
  end
{%- endmacro %}
