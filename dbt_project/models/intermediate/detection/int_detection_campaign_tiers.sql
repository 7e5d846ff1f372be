{#-
  Campaign x day: the publication tier of every campaign known on the run date
  (docs/detection.md, "Publication tiers").

  * `campaign` (published: PDF, STIX bundle, rows in campaign_accounts.csv): flagged today and
    over the publication bar - moderate confidence or better on its listed accounts (both
    families >= their minimum + detection_moderate_confidence_margin) and the size of a
    coordinated operation (>= detection_campaign_min_accounts listed accounts or
    >= detection_campaign_min_organizations independent organizations: organizations counted
    once per own e-mail domain they declare); or confirmed by an analyst
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

organization_identities as (

    -- one key per organization of the campaign: an own e-mail domain its accounts declare
    -- (organizations run under one company domain are one actor), else the organization
    select
        members.campaign_id,
        account_signals.organization_id,
        coalesce(
            min(case
                when account_signals.declared_identity
                    <> {{ dbt.concat(["'organization:'", 'account_signals.organization_id']) }}
                    then account_signals.declared_identity
            end),
            {{ dbt.concat(["'organization:'", 'account_signals.organization_id']) }}
        ) as organization_key

    from members
    inner join account_signals
        on members.account_id = account_signals.account_id
    group by members.campaign_id, account_signals.organization_id

),

identities as (

    select
        campaign_id,
        cast(count(distinct organization_key) as {{ dbt.type_bigint() }}) as independent_organizations

    from organization_identities
    group by campaign_id

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
        measured.harvesting_points >= {{ harvesting_bar }}
        and measured.coordination_points >= {{ coordination_bar }} as is_confident,
        measured.accounts >= {{ min_accounts }}
        or measured.independent_organizations >= {{ min_organizations }} as is_operation_sized

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
                        ' points (>= {{ harvesting_bar }} and >= {{ coordination_bar }}), ',
                        cast(accounts as {{ dbt.type_string() }}), ' listed accounts of ',
                        cast(independent_organizations as {{ dbt.type_string() }}),
                        ' independent organizations'
                        ' (>= {{ min_accounts }} accounts or >= {{ min_organizations }} organizations)'
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
                                ' and >= {{ coordination_bar }})'
                            )
                    end,
                    case when not is_operation_sized then concat(
                                'too small for a coordinated operation: ',
                                cast(accounts as {{ dbt.type_string() }}),
                                ' listed accounts of ',
                                cast(independent_organizations as {{ dbt.type_string() }}),
                                ' independent organizations (a campaign needs >= {{ min_accounts }} accounts',
                                ' or >= {{ min_organizations }} organizations)'
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
