{#-
  Campaign x account x day: the accounts listed for each campaign flagged on the run date
  (accounts carrying the campaign's signature; never accounts of known-legitimate
  organizations), with why each is listed and its own score, and the campaign's publication
  tier: only `campaign` rows are the ban list (campaign_accounts.csv); `candidate` rows are for
  review (candidates.csv). Campaigns suppressed by a false_positive verdict are absent.
  Incremental by date (replace_dates).
-#}
with

campaigns as (

    select
        campaign_id,
        tier,
        verdict
    from {{ ref('fct_campaigns') }}
    where activity_date = {{ run_date_literal() }}
        and is_flagged

),

members as (

    select * from {{ ref('int_detection_campaign_members') }}
    where is_listed_today

),

account_signals as (

    select * from {{ ref('int_detection_account_signals') }}

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        members.campaign_id,
        campaigns.tier,
        members.account_id,
        account_signals.organization_id,
        members.account_score as score,
        members.membership_reason,
        members.cluster_id,
        members.signature_template_share,
        account_signals.signup_pathway,
        account_signals.verification,
        account_signals.payment_fingerprint,
        account_signals.created_at,
        account_signals.first_active_date,
        account_signals.last_active_date,
        account_signals.is_active_on_run_date,
        account_signals.requests,
        account_signals.total_tokens,
        account_signals.top_capability,
        account_signals.cot_rate,
        account_signals.proxy_share,
        campaigns.verdict

    from members
    inner join campaigns
        on members.campaign_id = campaigns.campaign_id
    inner join account_signals
        on members.account_id = account_signals.account_id

)

select * from final
