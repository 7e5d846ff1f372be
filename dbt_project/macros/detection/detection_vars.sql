{#-
  Every threshold of campaign detection, with its default. Each is a dbt var: override any of
  them with `--vars '{detection_cot_rate_min: 0.3}'` (or in dbt_project.yml) without touching
  the models. docs/detection.md gives the reasoning behind every value; the values come from
  what the behaviour means, not from fitting a data set.

  Use `detection_var('name')` in models; an unknown name fails compilation, so a typo cannot
  silently fall back to nothing.
-#}
{% macro detection_defaults() %}
  {%- set d = {} -%}
  {#- (the window, `window_days`, is a project var: dbt_project.yml states its default) -#}
  {#- --- linking: what counts as a shared identifier ---------------------------------------- -#}
  {#- a prompt template / system prompt links an account only when the account uses it -#}
  {#- repeatedly: at least this many requests in the window ... -#}
  {%- do d.update({'detection_link_template_min_requests': 5}) -%}
  {#- ... and at least this share of its own traffic (it is part of what the account is for) -#}
  {%- do d.update({'detection_link_template_min_share': 0.1}) -%}
  {#- a hosting/proxy IP prefix links an account only when the account used it this often -#}
  {%- do d.update({'detection_link_ip_min_requests': 3}) -%}
  {#- network kinds whose prefixes may link accounts (ISP, mobile, campus and office -#}
  {#- networks are shared by unrelated people by design) -#}
  {%- do d.update({'detection_link_asn_types': ['hosting', 'proxy']}) -%}
  {#- components with at least this many accounts are split into communities (Louvain) -#}
  {%- do d.update({'detection_community_min_accounts': 8}) -%}
  {#- seed of the community detection (fixed: identical input gives identical clusters) -#}
  {%- do d.update({'detection_community_seed': 0}) -%}
  {#- two communities of one component are one cluster again when an identifier is shared -#}
  {#- by at least this share of the accounts of each of them -#}
  {%- do d.update({'detection_community_merge_share': 0.5}) -%}
  {#- rarity-weighted account links (int_detection_account_link_evidence + the graph): an -#}
  {#- identifier held by 2..this many accounts links each pair of its holders by 1 / ln(reach); -#}
  {#- more popular identifiers make no pairs (cost <= this x edges, near-linear in accounts) -#}
  {%- do d.update({'detection_link_pair_max_reach': 100}) -%}
  {#- a pair of accounts is strongly linked at this summed weight (one identifier only two -#}
  {#- accounts share: 1.44; one of three 0.91 + anything else; one popular template: ~0.2) -#}
  {#- (also the weight of distinct identifiers a cluster's accounts must share with the rest -#}
  {#- of their group of weak links to join it: clustering step 5, similarity over the window) -#}
  {%- do d.update({'detection_link_strong_min': 1.0}) -%}
  {#- two clusters are one when this share of the smaller one's accounts has a strong link -#}
  {#- into the other (and there are at least two such links) -#}
  {%- do d.update({'detection_link_join_share': 0.5}) -%}
  {#- ... and only when their behaviour matches: cosine of their capability and model mix -#}
  {#- (int_detection_account_behaviour) at least this -#}
  {%- do d.update({'detection_link_behaviour_min': 0.3}) -%}
  {#- --- identifiers owned by a cluster ----------------------------------------------------- -#}
  {#- a template / prefix / payment instrument "belongs" to a cluster when at least this share -#}
  {#- of all platform accounts using it are in the cluster -#}
  {%- do d.update({'detection_dedicated_share': 0.5}) -%}
  {#- --- references: the typical account ---------------------------------------------------- -#}
  {#- rates are compared with the typical account (median over accounts, capability mix averaged -#}
  {#- over accounts), not with request-weighted platform totals that large campaigns inflate; an -#}
  {#- account counts towards the typical one with at least this many requests in the window -#}
  {%- do d.update({'detection_typical_min_requests': 10}) -%}
  {#- --- account cohorts ---------------------------------------------------------------- -#}
  {#- account-age bucket edges in days (age at run_date): 0-7, 8-30, 31-90, 91-365, >365 -#}
  {%- do d.update({'detection_age_bucket_days': [7, 30, 90, 365]}) -%}
  {#- --- harvesting family (points) --------------------------------------------------------- -#}
  {#- targeting signals (capability, output ratio, launch pivot, volume) add at most this many -#}
  {%- do d.update({'detection_targeting_points_cap': 2}) -%}
  {#- context (targeting, farming) raw points from which a family's context earns
      detection_context_bonus_points over its cap: many independent context signals at once -#}
  {%- do d.update({'detection_context_bonus_min_points': 4}) -%}
  {%- do d.update({'detection_context_bonus_points': 1}) -%}
  {#- the breadth signals (template_breadth, template_family_breadth) count template families -#}
  {#- and top templates of at least this many accounts -#}
  {%- do d.update({'detection_breadth_min_accounts': 3}) -%}
  {#- accounts sending the group's top signature template, as a share of its accounts -#}
  {%- do d.update({'detection_template_breadth_min': 0.5}) -%}
  {%- do d.update({'detection_template_breadth_points': 0}) -%}
  {#- share of the group's requests on its signature templates -#}
  {%- do d.update({'detection_signature_share_min': 0.3}) -%}
  {%- do d.update({'detection_signature_share_points': 0}) -%}
  {#- (template_breadth and signature_template_share are measured on exact hashes; a campaign -#}
  {#- that paraphrases has none, so by default their points go to the two signals below, which -#}
  {#- hold for exact and paraphrased templates alike and are never lower than the exact ones) -#}
  {#- template family: accounts joined by chains of shared signature templates (each hop a -#}
  {#- template two accounts of the group send), followed for this many rounds (2 hops each) -#}
  {%- do d.update({'detection_template_family_rounds': 8}) -%}
  {#- a family counts for the breadth from this many accounts (a pair of accounts of the group -#}
  {#- sending one dedicated skeleton is already one pipeline feeding two accounts; a campaign -#}
  {#- whose accounts each draw a narrow window of hundreds of variants forms many such pairs) -#}
  {%- do d.update({'detection_template_family_min_accounts': 2}) -%}
  {#- accounts in the group's families of detection_template_family_min_accounts+, as a share -#}
  {#- of its accounts (measured once they are detection_breadth_min_accounts+) -#}
  {%- do d.update({'detection_template_family_breadth_min': 0.5}) -%}
  {%- do d.update({'detection_template_family_breadth_points': 2}) -%}
  {#- private skeletons: templates the group sends at least this many times and holds at least -#}
  {#- detection_dedicated_share of the senders of (one-account templates included) -#}
  {%- do d.update({'detection_private_template_min_requests': 3}) -%}
  {#- share of the group's requests on its private skeletons -#}
  {%- do d.update({'detection_private_template_share_min': 0.3}) -%}
  {%- do d.update({'detection_private_template_share_points': 1}) -%}
  {#- targeted capabilities (each at least lift x its platform share) carry this share of traffic -#}
  {#- (a targeted capability is listed as a target in the report from this share of traffic) -#}
  {%- do d.update({'detection_target_capability_share_min': 0.05}) -%}
  {%- do d.update({'detection_capability_share_min': 0.5}) -%}
  {%- do d.update({'detection_capability_lift_min': 2.0}) -%}
  {%- do d.update({'detection_capability_points': 2}) -%}
  {#- capability entropy at most this many bits (about three capabilities used evenly); shown -#}
  {#- as context, no points: it measures the same narrowness as the concentration signal -#}
  {%- do d.update({'detection_capability_entropy_max_bits': 1.5}) -%}
  {%- do d.update({'detection_capability_entropy_points': 0}) -%}
  {#- CoT-elicitation rate: at least this share and at least lift x the platform's rate -#}
  {%- do d.update({'detection_cot_rate_min': 0.25}) -%}
  {%- do d.update({'detection_cot_lift_min': 3.0}) -%}
  {%- do d.update({'detection_cot_points': 1}) -%}
  {#- elevated CoT: a lower tier (at least this share and lift x the typical account's rate) -#}
  {#- earning 1 point of its own; a rate above both bars earns both (2 points, as one bar did) -#}
  {%- do d.update({'detection_cot_elevated_rate_min': 0.1}) -%}
  {%- do d.update({'detection_cot_elevated_lift_min': 4.0}) -%}
  {%- do d.update({'detection_cot_elevated_points': 1}) -%}
  {#- grader-prompt rate: at least this share and at least lift x the platform's rate -#}
  {%- do d.update({'detection_grader_rate_min': 0.1}) -%}
  {%- do d.update({'detection_grader_lift_min': 3.0}) -%}
  {%- do d.update({'detection_grader_points': 2}) -%}
  {#- both rates are also measured on the group's templated traffic alone (its private -#}
  {#- skeletons: a proxy network relays ordinary traffic to dilute its harvesting), when that -#}
  {#- traffic has at least this many requests: a rate over fewer is noise -#}
  {%- do d.update({'detection_signature_rate_min_requests': 20}) -%}
  {#- (output + thinking) / input tokens against the platform's ratio -#}
  {%- do d.update({'detection_output_ratio_lift_min': 2.0}) -%}
  {%- do d.update({'detection_output_ratio_points': 1}) -%}
  {#- launch pivot: share of traffic on models released in the last 72 h ... -#}
  {%- do d.update({'detection_new_model_hours': 72}) -%}
  {%- do d.update({'detection_launch_share_min': 0.5}) -%}
  {#- ... against the platform's share over the same days -#}
  {%- do d.update({'detection_launch_lift_min': 2.0}) -%}
  {%- do d.update({'detection_launch_points': 2}) -%}
  {#- median account volume (requests per active day) against its cohort's median -#}
  {%- do d.update({'detection_cohort_volume_ratio_min': 5.0}) -%}
  {%- do d.update({'detection_cohort_volume_points': 1}) -%}
  {#- --- coordination family: hidden links (concealment) ------------------------------------ -#}
  {#- share of accounts paying with an instrument that also pays for another organization -#}
  {%- do d.update({'detection_cross_org_payment_share_min': 0.2}) -%}
  {%- do d.update({'detection_cross_org_payment_points': 3}) -%}
  {#- share of accounts sharing a dedicated hosting/proxy prefix with another organization -#}
  {%- do d.update({'detection_cross_org_infra_share_min': 0.2}) -%}
  {%- do d.update({'detection_cross_org_infra_points': 2}) -%}
  {#- share of accounts sharing a dedicated system prompt (a harness) with another organization -#}
  {%- do d.update({'detection_cross_org_system_prompt_share_min': 0.2}) -%}
  {%- do d.update({'detection_cross_org_system_prompt_points': 2}) -%}
  {#- share of requests through anonymizing proxy networks -#}
  {%- do d.update({'detection_proxy_share_min': 0.25}) -%}
  {%- do d.update({'detection_proxy_points': 2}) -%}
  {#- median distinct IP prefixes per active day -#}
  {%- do d.update({'detection_ip_churn_min': 5.0}) -%}
  {%- do d.update({'detection_ip_churn_points': 1}) -%}
  {#- --- coordination family: account farming and operations (capped) ----------------------- -#}
  {#- farming signals add at most this many points together -#}
  {%- do d.update({'detection_farming_points_cap': 2}) -%}
  {#- share of accounts created within one burst window (groups of this many accounts or more) -#}
  {%- do d.update({'detection_creation_burst_hours': 48}) -%}
  {%- do d.update({'detection_creation_burst_min_accounts': 3}) -%}
  {%- do d.update({'detection_creation_burst_share_min': 0.5}) -%}
  {%- do d.update({'detection_creation_burst_points': 1}) -%}
  {#- share of accounts with one of these verification levels -#}
  {%- do d.update({'detection_weak_verification_levels': ['none', 'email']}) -%}
  {%- do d.update({'detection_weak_verification_share_min': 0.8}) -%}
  {%- do d.update({'detection_weak_verification_points': 1}) -%}
  {#- share of accounts signed up through education / research / startup programmes -#}
  {%- do d.update({'detection_farming_pathways': ['education', 'research', 'startup']}) -%}
  {%- do d.update({'detection_farming_pathway_share_min': 0.5}) -%}
  {%- do d.update({'detection_farming_pathway_points': 1}) -%}
  {#- coefficient of variation of requests across accounts (load balancing) -#}
  {%- do d.update({'detection_load_cv_max': 0.5}) -%}
  {%- do d.update({'detection_load_min_accounts': 4}) -%}
  {%- do d.update({'detection_load_evenness_points': 1}) -%}
  {#- median share of hours active per active day -#}
  {%- do d.update({'detection_hours_active_share_min': 0.83}) -%}
  {%- do d.update({'detection_round_the_clock_points': 1}) -%}
  {#- mean similarity of each account's hourly traffic with the rest of the cluster -#}
  {%- do d.update({'detection_sync_similarity_min': 0.8}) -%}
  {%- do d.update({'detection_sync_min_accounts': 4}) -%}
  {%- do d.update({'detection_sync_points': 1}) -%}
  {#- accounts per organization at most this (every account its own organization) -#}
  {%- do d.update({'detection_accounts_per_org_max': 1.5}) -%}
  {%- do d.update({'detection_org_span_min_orgs': 3}) -%}
  {%- do d.update({'detection_org_span_points': 1}) -%}
  {#- --- decision ------------------------------------------------------------------------- -#}
  {%- do d.update({'detection_harvesting_points_min': 4}) -%}
  {%- do d.update({'detection_coordination_points_min': 4}) -%}
  {%- do d.update({'detection_min_campaign_accounts': 2}) -%}
  {#- confidence: both families at least this many points above their minimum -> high -#}
  {%- do d.update({'detection_high_confidence_margin': 3}) -%}
  {%- do d.update({'detection_moderate_confidence_margin': 1}) -%}
  {#- --- publication tier (int_detection_campaign_tiers) ----------------------------------- -#}
  {#- a flagged campaign is published as a *campaign* (PDF, STIX, ban list) when it has at -#}
  {#- least moderate confidence (both families >= their minimum + the moderate margin) and -#}
  {#- is the size of a coordinated operation: this many accounts of one set of organizations -#}
  {#- tied together, or this many independent organizations (one account each of many -#}
  {#- nominal customers) ... -#}
  {%- do d.update({'detection_campaign_min_accounts': 8}) -%}
  {#- ... or this many independent organizations in that tied set (organizations declaring the same -#}
  {#- own e-mail domain count once) tied together by a card, a system prompt or a template -#}
  {#- (detection_organization_ties; a shared prefix alone ties nobody); anything weaker is a -#}
  {#- *candidate* for review -#}
  {#- (candidates.csv, the digest's For review section) -#}
  {%- do d.update({'detection_campaign_min_organizations': 3}) -%}
  {#- sign-up pathways under a contract with the platform: an instrument that pays only for -#}
  {#- accounts of these pathways is the contracted payer's declared billing (a reseller paying -#}
  {#- for its end customers), neither cross-organization payment nor a tie between organizations -#}
  {%- do d.update({'detection_contracted_pathways': ['reseller', 'enterprise']}) -%}
  {#- --- membership ----------------------------------------------------------------------- -#}
  {#- an account of a flagged cluster is listed when at least this share of its traffic is on -#}
  {#- the cluster's signature templates ... -#}
  {%- do d.update({'detection_member_signature_share_min': 0.2}) -%}
  {#- ... and an account outside the cluster's connected component (linked to it by nothing) -#}
  {#- is listed when at least this share of its traffic is on the cluster's signature templates -#}
  {%- do d.update({'detection_member_unlinked_signature_share_min': 0.5}) -%}
  {#- ... or is tied to its cluster's core: strongly linked to this many cluster accounts, -#}
  {#- through this many distinct identifiers, of this summed rarity weight (1 / ln reach) -#}
  {%- do d.update({'detection_member_strong_links_min': 2}) -%}
  {%- do d.update({'detection_member_linked_identifiers_min': 2}) -%}
  {%- do d.update({'detection_member_link_strength_min': 1.5}) -%}
  {#- --- identity ------------------------------------------------------------------------- -#}
  {#- a flagged cluster continues a known campaign when it holds this share of the smaller -#}
  {#- account set, or shares signature templates / payment instruments with it -#}
  {%- do d.update({'detection_identity_account_overlap_min': 0.3}) -%}
  {%- do d.update({'detection_identity_template_overlap_min': 0.5}) -%}
  {#- a campaign not seen for this many days is no longer matched or reported as dormant -#}
  {%- do d.update({'detection_identity_retention_days': 30}) -%}
  {#- accounts up by at least this share against the campaign's previous day -> growing -#}
  {%- do d.update({'detection_growing_share_min': 0.2}) -%}
  {{- return(d) -}}
{% endmacro %}


{#- A detection var: one of detection_defaults(), or a project var dbt_project.yml states
    (window_days: days of daily aggregates the signals read, ending at run_date). -#}
{% macro detection_var(name) %}
  {%- set defaults = detection_defaults() -%}
  {%- if name in defaults -%}
    {{- return(var(name, defaults[name])) -}}
  {%- elif name == 'window_days' -%}
    {{- return(var(name)) -}}
  {%- endif -%}
  {{ exceptions.raise_compiler_error("unknown detection var '" ~ name ~ "'") }}
{% endmacro %}


{#- First day of the detection window (date literal); the window ends at run_date. -#}
{% macro detection_window_start_literal() %}
  {{- return(run_date_offset_literal(1 - (detection_var('window_days') | int))) -}}
{% endmacro %}


{#- `column between window start and run_date`. -#}
{% macro in_detection_window(column) -%}
  {{ column }} between {{ detection_window_start_literal() }} and {{ run_date_literal() }}
{%- endmacro %}


{#- A SQL list literal of strings, e.g. ('hosting', 'proxy'). -#}
{% macro sql_string_list(values) -%}
  ({%- for v in values -%}'{{ v | replace("'", "''") }}'{%- if not loop.last %}, {% endif -%}{%- endfor -%})
{%- endmacro %}
