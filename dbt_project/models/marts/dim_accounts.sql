{{ config(materialized='table') }}
{#-
  One row per account ever seen (in an accounts snapshot or in the requests): its latest
  snapshot and when it was seen and active. Rebuilt each run from the daily snapshots and
  fct_account_daily, so the result does not depend on the order dates were loaded in.
-#}
with

snapshots as (

    select * from {{ ref('int_account_snapshots_daily') }}

),

accounts_daily as (

    select * from {{ ref('fct_account_daily') }}

),

{#
  Latest rows by a join on each account's latest date rather than a window: one row per
  account and date in both inputs (unique tests), so the result is the same, and a hash
  aggregate and join cost a fraction of sorting every account's history (docs/benchmark.md).
#}
latest_snapshot_dates as (

    select
        account_id,
        max(activity_date) as activity_date
    from snapshots
    group by account_id

),

latest_snapshots as (

    select snapshots.*
    from snapshots
    inner join latest_snapshot_dates
        on snapshots.account_id = latest_snapshot_dates.account_id
        and snapshots.activity_date = latest_snapshot_dates.activity_date

),

latest_activity_dates as (

    select
        account_id,
        max(activity_date) as activity_date
    from accounts_daily
    group by account_id

),

latest_activity as (

    select
        accounts_daily.account_id,
        accounts_daily.organization_id
    from accounts_daily
    inner join latest_activity_dates
        on accounts_daily.account_id = latest_activity_dates.account_id
        and accounts_daily.activity_date = latest_activity_dates.activity_date

),

seen_dates as (

    -- only min and max are taken below: duplicates do not matter, no need for `union`
    select
        account_id,
        activity_date
    from snapshots
    union all
    select
        account_id,
        activity_date
    from accounts_daily

),

seen_spans as (

    select
        account_id,
        min(activity_date) as first_seen_date,
        max(activity_date) as last_seen_date

    from seen_dates
    group by account_id

),

activity_spans as (

    select
        account_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(*) as active_days,
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens

    from accounts_daily
    group by account_id

),

final as (

    select
        seen_spans.account_id,
        coalesce(latest_snapshots.organization_id, latest_activity.organization_id) as organization_id,

        latest_snapshots.organization_name,
        latest_snapshots.created_at,
        latest_snapshots.created_date,
        latest_snapshots.signup_pathway,
        latest_snapshots.verification,
        latest_snapshots.billing_country,
        latest_snapshots.payment_fingerprint,
        latest_snapshots.email_domain,
        latest_snapshots.activity_date as snapshot_date,

        seen_spans.first_seen_date,
        seen_spans.last_seen_date,
        activity_spans.first_active_date,
        activity_spans.last_active_date,
        coalesce(activity_spans.active_days, 0) as active_days,
        coalesce(activity_spans.requests, 0) as requests,
        coalesce(activity_spans.total_tokens, 0) as total_tokens

    from seen_spans
    left join latest_snapshots
        on seen_spans.account_id = latest_snapshots.account_id
    left join latest_activity
        on seen_spans.account_id = latest_activity.account_id
    left join activity_spans
        on seen_spans.account_id = activity_spans.account_id

)

select * from final
