{#-
  Campaign x day: every campaign known on the run date that is reported (not suppressed by a
  false_positive verdict), with its status, publication tier (int_detection_campaign_tiers:
  `campaign` is published, `candidate` is for review only), score, confidence, size, targets
  and signals.
  Measures are over the detection window ending at activity_date, on the campaign's listed
  accounts (carried dormant campaigns: their last known accounts). Incremental by date
  (replace_dates): a re-run of a date replaces that date.
-#}
{%- set specs = detection_signal_specs() -%}
{#- the wide form of the signals: `<signal>_value` and `<signal>_points`, one pair per signal -#}
{%- set signal_columns = [] -%}
{%- set signal_columns_selected = [] -%}
{%- for spec in specs -%}
{%- for measure in ['value', 'points'] -%}
{%- do signal_columns.append(
    "max(case when signal = '" ~ spec.signal ~ "' then " ~ measure ~ " end) as " ~ spec.signal ~ "_" ~ measure
) -%}
{%- do signal_columns_selected.append("wide_signals." ~ spec.signal ~ "_" ~ measure) -%}
{%- endfor -%}
{%- endfor -%}
{%- set confidence = detection_confidence('joined.harvesting_points', 'joined.coordination_points') -%}
with

identity as (

    select * from {{ ref('int_detection_campaign_identity') }}
    where activity_date = {{ run_date_literal() }}

),

previous_identity as (

    select identity_history.* from {{ ref('int_detection_campaign_identity') }} as identity_history
    where identity_history.activity_date = (
            select max(earlier.activity_date)
            from {{ ref('int_detection_campaign_identity') }} as earlier
            where earlier.activity_date < {{ run_date_literal() }}
        )

),

campaign_signals as (

    select * from {{ ref('int_detection_campaign_signals') }}

),

signal_points as (

    select * from {{ ref('int_detection_campaign_signal_points') }}

),

tiers as (

    select * from {{ ref('int_detection_campaign_tiers') }}
    where activity_date = {{ run_date_literal() }}

),

campaigns as (

    select
        campaign_id,
        min(founded_date) as founded_date,
        min(first_seen_date) as first_seen_date,
        max(last_flagged_date) as last_flagged_date,
        max(case when is_flagged then 1 else 0 end) = 1 as is_flagged,
        min(matched_by) as matched_by,
        cast(sum(case when identifier_kind = 'cluster' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as clusters

    from identity
    group by campaign_id

),

previous_sizes as (

    select
        campaign_id,
        count(*) as previous_accounts
    from previous_identity
    where identifier_kind = 'account'
    group by campaign_id

),

totals as (

    {{ detection_family_totals('signal_points', 'campaign_id') }}

),

wide_signals as (

    select
        campaign_id,
        {{ signal_columns | join(',\n        ') }}

    from signal_points
    group by campaign_id

),

joined as (

    select
        campaigns.*,
        previous_sizes.previous_accounts,
        tiers.tier,
        tiers.tier_reason,
        tiers.independent_organizations,
        tiers.verdict,
        tiers.verdict_analyst,
        tiers.verdict_date,
        campaign_signals.accounts,
        campaign_signals.organizations,
        campaign_signals.accounts_active_on_run_date,
        campaign_signals.requests,
        campaign_signals.requests_on_run_date,
        campaign_signals.input_tokens,
        campaign_signals.output_tokens,
        campaign_signals.thinking_tokens,
        campaign_signals.total_tokens,
        campaign_signals.first_active_date,
        campaign_signals.last_active_date,
        campaign_signals.top_capability,
        campaign_signals.top_capability_share,
        campaign_signals.target_capabilities,
        campaign_signals.models,
        campaign_signals.signature_templates,
        campaign_signals.top_signature_template,
        totals.extraction_points,
        totals.targeting_points,
        totals.concealment_points,
        totals.farming_points,
        totals.extraction_points + totals.targeting_points as harvesting_points,
        totals.concealment_points + totals.farming_points as coordination_points

    from campaigns
    inner join campaign_signals
        on campaigns.campaign_id = campaign_signals.campaign_id
    inner join totals
        on campaigns.campaign_id = totals.campaign_id
    left join previous_sizes
        on campaigns.campaign_id = previous_sizes.campaign_id
    inner join tiers
        on campaigns.campaign_id = tiers.campaign_id
    where tiers.tier <> 'dismissed'
        -- a carried campaign is reported as dormant while its accounts were active in the window
        and (campaigns.is_flagged or campaign_signals.requests > 0)

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        joined.campaign_id,
        {{ detection_window_start_literal() }} as window_start,
        case
            when not joined.is_flagged then 'dormant'
            when joined.founded_date = {{ run_date_literal() }} then 'new'
            when joined.accounts_active_on_run_date = 0 then 'dormant'
            when joined.previous_accounts is not null
                and joined.accounts
                >= (1 + {{ detection_var('detection_growing_share_min') }}) * joined.previous_accounts
                then 'growing'
            else 'active'
        end as status,
        joined.tier,
        joined.tier_reason,
        joined.verdict,
        joined.verdict_analyst,
        joined.verdict_date,
        joined.harvesting_points + joined.coordination_points as score,
        joined.harvesting_points,
        joined.coordination_points,
        joined.extraction_points,
        joined.targeting_points,
        joined.concealment_points,
        joined.farming_points,
        {{ confidence }} as confidence,
        {{ detection_confidence_statement(confidence) }} as confidence_statement,
        joined.is_flagged,
        joined.matched_by,
        joined.clusters,
        joined.accounts,
        joined.previous_accounts,
        joined.organizations,
        joined.independent_organizations,
        joined.accounts_active_on_run_date,
        joined.requests,
        joined.requests_on_run_date,
        joined.input_tokens,
        joined.output_tokens,
        joined.thinking_tokens,
        joined.total_tokens,
        joined.top_capability,
        joined.top_capability_share,
        joined.target_capabilities,
        joined.models,
        joined.signature_templates,
        joined.top_signature_template,
        joined.founded_date,
        least(joined.first_seen_date, joined.first_active_date) as first_seen,
        joined.last_active_date as last_seen,
        joined.last_flagged_date,
        {{ signal_columns_selected | join(',\n        ') }}

    from joined
    inner join wide_signals
        on joined.campaign_id = wide_signals.campaign_id

)

select * from final
