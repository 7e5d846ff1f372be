{#-
  Campaign x account x day: the accounts a campaign reported on the run date stands for, and
  the period its reports cover (period_start .. run date). The accounts are those listed in
  fct_campaign_accounts; a campaign with none listed today (dormant, carried from earlier days)
  keeps its last known accounts from the identity state. Every campaign period mart
  (fct_campaign_models, _capabilities, _prefixes, _networks, _access_channels,
  _linking_identifiers) aggregates over these accounts. Incremental by date (replace_dates).
-#}
with

campaigns as (

    select
        campaign_id,
        least(coalesce(first_seen, activity_date), activity_date) as period_start
    from {{ ref('fct_campaigns') }}
    where activity_date = {{ run_date_literal() }}

),

listed as (

    select distinct
        campaign_id,
        account_id
    from {{ ref('fct_campaign_accounts') }}
    where activity_date = {{ run_date_literal() }}

),

known as (

    select distinct
        campaign_id,
        identifier_value as account_id
    from {{ ref('int_detection_campaign_identity') }}
    where
        activity_date = {{ run_date_literal() }}
        and identifier_kind = 'account'

),

listing_campaigns as (

    select distinct campaign_id
    from listed

),

carried as (

    select
        known.campaign_id,
        known.account_id
    from known
    left join listing_campaigns
        on known.campaign_id = listing_campaigns.campaign_id
    where listing_campaigns.campaign_id is null

),

members as (

    select
        campaign_id,
        account_id,
        true as is_listed
    from listed
    union all
    select
        campaign_id,
        account_id,
        false as is_listed
    from carried

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        campaigns.campaign_id,
        members.account_id,
        members.is_listed,
        campaigns.period_start
    from campaigns
    inner join members
        on campaigns.campaign_id = members.campaign_id

)

select * from final
