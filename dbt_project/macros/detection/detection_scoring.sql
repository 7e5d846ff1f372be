{#-
  The score: every signal of a group, its value, the bar it must reach (threshold), the
  platform reference it is compared with, and the points it earns. One list, used for the
  clusters (decision) and the campaigns (report), so both read the same definitions.
  What each signal is (name, family, direction, bar and points vars, ATLAS techniques,
  description) is the spec, var `detection_signals` in dbt_project.yml, which Python reads too
  (flows/detection/signals.py); detection_signal_specs() adds each signal's SQL to it.

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
  {#- the CoT / grader share: of all requests, of templated ones or of signature ones, whichever
      is highest, against the typical account's rate; or of the requests on the group's targeted
      capabilities against the typical account's rates on those capabilities, when that slice
      clears its bar by more (macro detection_rate_on_slice_sql) -#}
  {%- set cot_value = 'greatest(cot_rate, coalesce(templated_cot_rate, 0), coalesce(signature_cot_rate, 0))' -%}
  {%- set grader_value = 'greatest(grader_rate, coalesce(templated_grader_rate, 0), coalesce(signature_grader_rate, 0))' -%}
  {#- Per signal of the spec: the SQL of its value over the group's columns, of the platform
      reference shown beside it (none when left out) and, when the bar is more than its bar var
      (a lift over the typical account), of the threshold. -#}
  {%- set signal_sql = {
    'template_breadth': {'value': 'signature_template_breadth'},
    'signature_template_share': {'value': 'signature_template_share'},
    'template_family_breadth': {'value': 'template_family_breadth'},
    'private_template_share': {'value': 'private_template_share'},
    'cot_elicitation_rate': detection_rate_on_slice_sql(
      cot_value, 'typical_cot_rate', 'targeted_cot_rate', 'typical_targeted_cot_rate',
      'detection_cot_rate_min', 'detection_cot_lift_min'),
    'cot_elicitation_elevated': detection_rate_on_slice_sql(
      cot_value, 'typical_cot_rate', 'targeted_cot_rate', 'typical_targeted_cot_rate',
      'detection_cot_elevated_rate_min', 'detection_cot_elevated_lift_min'),
    'grader_prompt_rate': detection_rate_on_slice_sql(
      grader_value, 'typical_grader_rate', 'targeted_grader_rate', 'typical_targeted_grader_rate',
      'detection_grader_rate_min', 'detection_grader_lift_min'),
    'capability_targeting': {'value': 'targeted_capability_share', 'reference': 'typical_targeted_capability_share'},
    'capability_entropy': {'value': 'capability_entropy_bits'},
    'output_input_ratio': {
      'value': 'output_input_ratio', 'reference': 'typical_output_input_ratio',
      'threshold': v('detection_output_ratio_lift_min') ~ ' * typical_output_input_ratio'},
    'launch_pivot': {
      'value': 'launch_share', 'reference': 'typical_launch_share',
      'threshold': 'greatest(' ~ v('detection_launch_share_min') ~ ', ' ~ v('detection_launch_lift_min') ~ ' * coalesce(typical_launch_share, 0))'},
    'cohort_volume': {'value': 'median_cohort_volume_ratio'},
    'cross_org_payment': {'value': 'cross_org_payment_share'},
    'cross_org_infrastructure': {'value': 'cross_org_infra_share'},
    'cross_org_system_prompt': {'value': 'cross_org_system_prompt_share'},
    'proxy_share': {'value': 'proxy_share', 'reference': 'typical_proxy_share'},
    'ip_churn': {'value': 'median_ip_prefixes_per_active_day'},
    'creation_burst': {'value': 'creation_burst_share'},
    'weak_verification': {'value': 'weak_verification_share'},
    'farming_pathways': {'value': 'farming_pathway_share'},
    'load_evenness': {'value': 'load_cv'},
    'round_the_clock': {'value': 'median_hours_active_share'},
    'synchronized_timing': {'value': 'sync_similarity'},
    'organization_span': {'value': 'case when organizations >= ' ~ v('detection_org_span_min_orgs') ~ ' then accounts_per_org end'}
  } -%}
  {{- return(detection_signals_with_sql(signal_sql)) -}}
{% endmacro %}


{#- A rate signal measured two ways, each against its own bar greatest(min, lift x reference):
    the group's traffic (`value` against the typical account's `reference`) and its targeted
    capabilities (`slice_value`, null under detection_signature_rate_min_requests requests,
    against the typical account's rate on the same capabilities, `slice_reference`). The one
    that clears its bar by the larger factor is shown: its value, bar and reference, and the
    description says when it is the targeted slice. A proxy network relays its customers'
    ordinary traffic through the accounts it harvests with: that dilutes the group's rates
    over every capability, not the rate on the capabilities it harvests; an ordinary
    customer's over-used capability carries that capability's ordinary rates. -#}
{% macro detection_rate_on_slice_sql(value, reference, slice_value, slice_reference, min_var, lift_var) %}
  {%- set bar = 'greatest(' ~ detection_var(min_var) ~ ', ' ~ detection_var(lift_var) ~ ' * coalesce(' ~ reference ~ ', 0))' -%}
  {%- set slice_bar = 'greatest(' ~ detection_var(min_var) ~ ', ' ~ detection_var(lift_var) ~ ' * coalesce(' ~ slice_reference ~ ', 0))' -%}
  {%- set on_slice = '(' ~ slice_value ~ ' is not null and ' ~ slice_value ~ ' / ' ~ slice_bar ~ ' > coalesce(' ~ value ~ ', 0) / ' ~ bar ~ ')' -%}
  {{- return({
      'value': 'case when ' ~ on_slice ~ ' then ' ~ slice_value ~ ' else ' ~ value ~ ' end',
      'reference': 'case when ' ~ on_slice ~ ' then ' ~ slice_reference ~ ' else ' ~ reference ~ ' end',
      'threshold': 'case when ' ~ on_slice ~ ' then ' ~ slice_bar ~ ' else ' ~ bar ~ ' end',
      'measured_on': 'case when ' ~ on_slice ~ " then '; measured on its targeted capabilities' else '' end"}) -}}
{% endmacro %}


{#- The spec (var detection_signals) joined with the signals' SQL, in the spec's order: each
    signal's bar var is its threshold unless its SQL gives one. Fails compilation when the two
    name different signals, so a signal cannot be added or renamed in one place only. -#}
{% macro detection_signals_with_sql(signal_sql) %}
  {%- set spec = var('detection_signals') -%}
  {%- set spec_names = spec | map(attribute='signal') | list -%}
  {%- set without_sql = spec_names | reject('in', signal_sql) | list -%}
  {%- set not_in_spec = signal_sql.keys() | reject('in', spec_names) | sort | list -%}
  {%- if without_sql or not_in_spec or (spec_names | unique | list | length) != (spec_names | length) -%}
    {{ exceptions.raise_compiler_error(
        "detection signals: the spec (var detection_signals, dbt_project.yml) and detection_signal_specs() "
        ~ "disagree; in the spec without SQL: " ~ without_sql ~ "; with SQL but not in the spec: " ~ not_in_spec
        ~ "; spec names: " ~ spec_names) }}
  {%- endif -%}
  {%- set specs = [] -%}
  {%- for s in spec -%}
    {%- if s.family not in ['extraction', 'targeting', 'concealment', 'farming'] or s.direction not in ['>=', '<='] -%}
      {{ exceptions.raise_compiler_error("detection signal " ~ s.signal ~ ": unknown family or direction: " ~ s) }}
    {%- endif -%}
    {%- set q = signal_sql[s.signal] -%}
    {%- do specs.append({
        'signal': s.signal, 'family': s.family, 'direction': s.direction,
        'value': q['value'], 'reference': q.get('reference', 'null'),
        'threshold': q['threshold'] if 'threshold' in q else detection_var(s.bar),
        'points': detection_var(s.points),
        'description': detection_signal_description(s.description),
        'measured_on': q.get('measured_on')}) -%}
  {%- endfor -%}
  {{- return(specs) -}}
{% endmacro %}


{#- A spec description with each {detection var} placeholder replaced by the var's value (a
    list joined by '/'). -#}
{% macro detection_signal_description(template) %}
  {%- set text = namespace(value=template) -%}
  {%- for name in modules.re.findall('[{]([a-z0-9_]+)[}]', template) -%}
    {%- set var_value = detection_var(name) -%}
    {%- set shown = var_value | join('/') if (var_value is iterable and var_value is not string) else var_value ~ '' -%}
    {%- set text.value = text.value | replace('{' ~ name ~ '}', shown) -%}
  {%- endfor -%}
  {{- return(text.value) -}}
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
        {% if spec.measured_on -%}
        {{ dbt.concat(["'" ~ (spec.description | replace("'", "''")) ~ "'", spec.measured_on]) }} as description,
        {%- else -%}
        '{{ spec.description | replace("'", "''") }}' as description,
        {%- endif %}
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


{#- Confidence level from the two family totals (see int_detection_clusters_scored). Moderate:
    both families clear their minimum by the moderate margin, or harvesting is at its minimum
    and coordination clears its own by the high margin (concealed coordination of nominally
    separate customers beyond doubt carries harvesting at the flag bar; the reverse is not
    taken: harvesting-heavy single customers, eval labs, are ordinary). -#}
{% macro detection_confidence(harvesting_points, coordination_points) -%}
  case
    when {{ harvesting_points }} >= {{ detection_var('detection_harvesting_points_min') + detection_var('detection_high_confidence_margin') }}
     and {{ coordination_points }} >= {{ detection_var('detection_coordination_points_min') + detection_var('detection_high_confidence_margin') }}
        then 'high'
    when {{ harvesting_points }} >= {{ detection_var('detection_harvesting_points_min') + detection_var('detection_moderate_confidence_margin') }}
     and {{ coordination_points }} >= {{ detection_var('detection_coordination_points_min') + detection_var('detection_moderate_confidence_margin') }}
        then 'moderate'
    when {{ harvesting_points }} >= {{ detection_var('detection_harvesting_points_min') }}
     and {{ coordination_points }} >= {{ detection_var('detection_coordination_points_min') + detection_var('detection_high_confidence_margin') }}
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
