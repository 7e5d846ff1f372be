{#-
  Campaign x day: the publication tier of every campaign known on the run date
  (docs/detection.md, "Publication tiers").

  * `campaign` (published: PDF, STIX bundle, rows in campaign_accounts.csv): flagged today and
    over the publication bar - moderate confidence or better on its listed accounts (both
    families >= their minimum + detection_moderate_confidence_margin, or harvesting at its
    minimum with coordination >= its minimum + detection_high_confidence_margin:
    detection_confidence) and the size of a
    coordinated operation: >= detection_campaign_min_accounts accounts in the largest set of
    the campaign's organizations tied together (organizations counted once per own e-mail
    domain they declare, connected by cards, system prompts or templates of the campaign,
    detection_organization_ties) or as many independent organizations (one account each of
    many nominal customers), or >= detection_campaign_min_organizations independent
    organizations in that tied set; two teams that share nothing but a hosting prefix are
    not one operation, by their accounts or their organizations; or confirmed by an analyst
    verdict; or published as a campaign on an earlier date (a campaign is not demoted by a
    weaker day: only a false_positive verdict takes it back).
  * `candidate` (for review: candidates.csv and the digest's For review section, never the
    ban list, STIX or a campaign PDF): everything else that is reported.
  * `dismissed`: the latest verdict is false_positive (fct_campaigns leaves these out).

  The tier never changes a campaign's id (int_detection_campaign_identity decides ids), so a
  promoted candidate keeps its DW-... id. Incremental by date: a run reads this model's
  earlier dates (which campaigns were published before) and writes the run date.
-#}
{%- set harvesting_bar = detection_var('detection_harvesting_points_min')
    + detection_var('detection_moderate_confidence_margin') -%}
{%- set coordination_bar = detection_var('detection_coordination_points_min')
    + detection_var('detection_moderate_confidence_margin') -%}
{%- set strong_coordination = detection_var('detection_coordination_points_min')
    + detection_var('detection_high_confidence_margin') -%}
{%- set min_harvesting = detection_var('detection_harvesting_points_min') -%}
{%- set min_accounts = detection_var('detection_campaign_min_accounts') -%}
{%- set min_organizations = detection_var('detection_campaign_min_organizations') -%}
with

identity as (

    select * from {{ ref('int_detection_campaign_identity') }}
    where activity_date = {{ run_date_literal() }}

),

campaign_signals as (

    select * from {{ ref('int_detection_campaign_signals') }}

),

signal_points as (

    select * from {{ ref('int_detection_campaign_signal_points') }}

),

members as (

    select * from {{ ref('int_detection_campaign_members') }}

),

account_signals as (

    select * from {{ ref('int_detection_account_signals') }}

),

verdicts as (

    select *
    from (
        select
            campaign_id,
            verdict,
            analyst,
            verdict_date,
            row_number() over (
                partition by campaign_id
                order by verdict_date desc, verdict asc, analyst asc
            ) as recency
        from {{ ref('campaign_verdicts') }}
        where verdict_date <= {{ run_date_literal() }}
    ) as ranked
    where recency = 1

),

published_before as (

    {% if is_incremental() %}
    select campaign_id, min(campaign_since) as campaign_since
    from {{ this }}
    where activity_date < {{ run_date_literal() }}
      and tier = 'campaign'
    group by campaign_id
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as date) as campaign_since
    where 1 = 0
    {% endif %}

),

campaigns as (

    select
        campaign_id,
        max(case when is_flagged then 1 else 0 end) = 1 as is_flagged

    from identity
    group by campaign_id

),

totals as (

    {{ detection_family_totals('signal_points', 'campaign_id') }}

),

campaign_organizations as (

    select
        members.campaign_id as group_id,
        members.account_id,
        account_signals.organization_id,
        account_signals.declared_identity,
        account_signals.payment_fingerprint,
        account_signals.is_payment_contracted

    from members
    inner join account_signals
        on members.account_id = account_signals.account_id

),

organization_identities as (

    -- one key per organization of the campaign: the contracted payment its accounts are paid
    -- with (a reseller's end customers, or an enterprise's units, billed under one contract
    -- with the platform are that contract holder's: one customer, not independent ones), else
    -- an own e-mail domain its accounts declare (organizations run under one company domain
    -- are one actor), else the organization
    select
        group_id as campaign_id,
        organization_id,
        coalesce(
            min(case
                when is_payment_contracted then {{ dbt.concat(["'contract:'", 'payment_fingerprint']) }}
            end),
            min(case
                when declared_identity <> {{ dbt.concat(["'organization:'", 'organization_id']) }}
                    then declared_identity
            end),
            {{ dbt.concat(["'organization:'", 'organization_id']) }}
        ) as organization_key

    from campaign_organizations
    group by group_id, organization_id

),

{# the organizations tied together: connected by ties (detection_organization_ties: a card, a
   system prompt or a template the campaign holds), not by a shared prefix alone. Both routes
   of the size bar count inside the largest such set (its independent organizations, and its
   accounts, or else one account per independent organization): two teams glued by a hosting
   prefix are two sets, whatever their size.
   Sets are found by min-label propagation over organization x tie edges in
   detection_campaign_min_accounts rounds: exact for sets of at most that many + 1 organizations;
   a larger set may be found in parts, but the part holding its smallest label already has more
   organizations (and so accounts) than both bars ask. Only
   flagged campaigns need them (published ones too: the reason states the same figures whatever
   the tier history). #}
flagged_campaign_organizations as (

    select campaign_organizations.*
    from campaign_organizations
    inner join campaigns
        on campaign_organizations.group_id = campaigns.campaign_id
    where campaigns.is_flagged

),

key_accounts as (

    select
        organization_identities.campaign_id,
        organization_identities.organization_key,
        count(distinct campaign_organizations.account_id) as key_accounts

    from organization_identities
    inner join campaign_organizations
        on organization_identities.campaign_id = campaign_organizations.group_id
        and organization_identities.organization_id = campaign_organizations.organization_id
    group by organization_identities.campaign_id, organization_identities.organization_key

),

key_ties as (

    select distinct
        organization_identities.campaign_id,
        organization_identities.organization_key,
        organization_tie_rows.tie

    from ({{ detection_organization_ties('flagged_campaign_organizations') }}) as organization_tie_rows
    inner join organization_identities
        on organization_tie_rows.group_id = organization_identities.campaign_id
        and organization_tie_rows.organization_id = organization_identities.organization_id

),

tied_labels_0 as (

    select distinct
        organization_identities.campaign_id,
        organization_identities.organization_key,
        organization_identities.organization_key as tied_label

    from organization_identities
    where organization_identities.campaign_id in (
            select flagged_campaign_organizations.group_id from flagged_campaign_organizations
        )

),
{% for round in range(1, (min_accounts | int) + 1) %}
{%- set previous = 'tied_labels_' ~ (round - 1) %}
tie_labels_{{ round }} as (

    select
        key_ties.campaign_id,
        key_ties.tie,
        min({{ previous }}.tied_label) as tied_label

    from key_ties
    inner join {{ previous }}
        on key_ties.campaign_id = {{ previous }}.campaign_id
        and key_ties.organization_key = {{ previous }}.organization_key
    group by key_ties.campaign_id, key_ties.tie

),

tied_labels_{{ round }} as (

    select
        {{ previous }}.campaign_id,
        {{ previous }}.organization_key,
        least(
            {{ previous }}.tied_label,
            coalesce(min(tie_labels_{{ round }}.tied_label), {{ previous }}.tied_label)
        ) as tied_label

    from {{ previous }}
    left join key_ties
        on {{ previous }}.campaign_id = key_ties.campaign_id
        and {{ previous }}.organization_key = key_ties.organization_key
    left join tie_labels_{{ round }}
        on key_ties.campaign_id = tie_labels_{{ round }}.campaign_id
        and key_ties.tie = tie_labels_{{ round }}.tie
    group by {{ previous }}.campaign_id, {{ previous }}.organization_key, {{ previous }}.tied_label

),
{% endfor %}
{%- set last_labels = 'tied_labels_' ~ (min_accounts | int) %}
tied_sets as (

    select
        {{ last_labels }}.campaign_id,
        {{ last_labels }}.tied_label,
        count(*) as tied_organizations,
        sum(key_accounts.key_accounts) as tied_accounts

    from {{ last_labels }}
    inner join key_accounts
        on {{ last_labels }}.campaign_id = key_accounts.campaign_id
        and {{ last_labels }}.organization_key = key_accounts.organization_key
    group by {{ last_labels }}.campaign_id, {{ last_labels }}.tied_label

),

largest_tied_sets as (

    select
        campaign_id,
        max(tied_organizations) as tied_organizations,
        max(tied_accounts) as tied_accounts

    from tied_sets
    group by campaign_id

),

identities as (

    select
        organization_identities.campaign_id,
        cast(count(distinct organization_identities.organization_key) as {{ dbt.type_bigint() }})
            as independent_organizations,
        cast(max(largest_tied_sets.tied_organizations) as {{ dbt.type_bigint() }}) as tied_organizations,
        cast(max(largest_tied_sets.tied_accounts) as {{ dbt.type_bigint() }}) as tied_accounts

    from organization_identities
    left join largest_tied_sets
        on organization_identities.campaign_id = largest_tied_sets.campaign_id
    group by organization_identities.campaign_id

),

measured as (

    select
        campaigns.campaign_id,
        campaigns.is_flagged,
        cast(totals.extraction_points + totals.targeting_points as {{ dbt.type_bigint() }})
            as harvesting_points,
        cast(totals.concealment_points + totals.farming_points as {{ dbt.type_bigint() }})
            as coordination_points,
        cast(campaign_signals.accounts as {{ dbt.type_bigint() }}) as accounts,
        coalesce(identities.independent_organizations, 0) as independent_organizations,
        identities.tied_organizations,
        identities.tied_accounts,
        verdicts.verdict,
        verdicts.analyst as verdict_analyst,
        verdicts.verdict_date,
        published_before.campaign_since as published_since

    from campaigns
    inner join campaign_signals
        on campaigns.campaign_id = campaign_signals.campaign_id
    inner join totals
        on campaigns.campaign_id = totals.campaign_id
    left join identities
        on campaigns.campaign_id = identities.campaign_id
    left join verdicts
        on campaigns.campaign_id = verdicts.campaign_id
    left join published_before
        on campaigns.campaign_id = published_before.campaign_id

),

bar as (

    select
        measured.*,
        {{ detection_confidence('measured.harvesting_points', 'measured.coordination_points') }}
        in ('moderate', 'high') as is_confident,
        -- many accounts of one actor (the largest tied set's) or one account each of many
        -- nominal customers (independent organizations), not every listed account: teams
        -- glued by a hosting prefix are a few tied sets of several accounts each, while an
        -- operation of single-account organizations tied by nothing but its exit pool has
        -- as many organizations as accounts (tuning world 109). A campaign not flagged today
        -- is not measured: its listed accounts count
        case
            when measured.tied_accounts is null then measured.accounts
            else greatest(measured.tied_accounts, measured.independent_organizations)
        end >= {{ min_accounts }}
        or coalesce(measured.tied_organizations, 0) >= {{ min_organizations }} as is_operation_sized

    from measured

),

tiered as (

    select
        bar.*,
        case
            when bar.verdict = 'false_positive' then 'dismissed'
            when bar.verdict = 'confirmed' then 'campaign'
            when bar.is_flagged and bar.is_confident and bar.is_operation_sized then 'campaign'
            when bar.published_since is not null then 'campaign'
            else 'candidate'
        end as tier

    from bar

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        campaign_id,
        tier,
        cast(case
            when verdict = 'false_positive'
                then concat('false_positive verdict of ', cast(verdict_date as {{ dbt.type_string() }}))
            when verdict = 'confirmed'
                then concat(
                        'confirmed by the analyst verdict of ', cast(verdict_date as {{ dbt.type_string() }})
                    )
            when is_flagged and is_confident and is_operation_sized
                then concat(
                        'over the publication bar: harvesting ',
                        cast(harvesting_points as {{ dbt.type_string() }}),
                        ' and coordination ', cast(coordination_points as {{ dbt.type_string() }}),
                        ' points (>= {{ harvesting_bar }} and >= {{ coordination_bar }},',
                        ' or >= {{ min_harvesting }} and >= {{ strong_coordination }}), ',
                        cast(accounts as {{ dbt.type_string() }}), ' listed accounts of ',
                        cast(independent_organizations as {{ dbt.type_string() }}),
                        ' independent organizations',
                        case
                            when tied_organizations is not null
                                then concat(
                                        ', largest sets tied together ',
                                        cast(tied_organizations as {{ dbt.type_string() }}),
                                        ' organizations and ',
                                        cast(tied_accounts as {{ dbt.type_string() }}), ' accounts'
                                    )
                            else ''
                        end,
                        ' (>= {{ min_accounts }} accounts tied together or independent organizations,',
                        ' or >= {{ min_organizations }} organizations tied together)'
                    )
            when published_since is not null
                then concat(
                        'published as a campaign since ', cast(published_since as {{ dbt.type_string() }}),
                        ' (a campaign stays published until a false_positive verdict)'
                    )
            else concat_ws(
                    '; ',
                    case when not is_flagged then 'not flagged on the run date' end,
                    case when not is_confident then concat(
                                'below moderate confidence: harvesting ',
                                cast(harvesting_points as {{ dbt.type_string() }}),
                                ' and coordination ', cast(coordination_points as {{ dbt.type_string() }}),
                                ' points (a campaign needs >= {{ harvesting_bar }}',
                                ' and >= {{ coordination_bar }}, or >= {{ min_harvesting }}',
                                ' and >= {{ strong_coordination }})'
                            )
                    end,
                    case when not is_operation_sized then concat(
                                'too small for a coordinated operation: ',
                                cast(accounts as {{ dbt.type_string() }}),
                                ' listed accounts of ',
                                cast(independent_organizations as {{ dbt.type_string() }}),
                                ' independent organizations, largest sets tied together ',
                                cast(coalesce(tied_organizations, 0) as {{ dbt.type_string() }}),
                                ' organizations and ',
                                cast(coalesce(tied_accounts, 0) as {{ dbt.type_string() }}),
                                ' accounts (a campaign needs >= {{ min_accounts }} accounts tied',
                                ' together or independent organizations, or >= {{ min_organizations }}',
                                ' organizations tied together)'
                            )
                    end
                )
        end as {{ dbt.type_string() }}) as tier_reason,
        case
            when tier = 'campaign' then coalesce(published_since, {{ run_date_literal() }})
        end as campaign_since,
        is_flagged,
        harvesting_points,
        coordination_points,
        accounts,
        independent_organizations,
        verdict,
        verdict_analyst,
        verdict_date

    from tiered

)

select * from final
