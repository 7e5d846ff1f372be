{{ config(materialized='table') }}
{#-
  One row per organization ever seen: its latest name (from the latest account snapshot),
  its accounts (by their latest organization) and when it was seen. Rebuilt each run, so the
  result does not depend on the order dates were loaded in.
-#}
with

snapshots as (

    select * from {{ ref('int_account_snapshots_daily') }}

),

accounts_daily as (

    select * from {{ ref('fct_account_daily') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

latest_names as (

    select *
    from (
        select
            organization_id,
            organization_name,
            row_number() over (
                partition by organization_id
                order by activity_date desc, account_id asc
            ) as recency
        from snapshots
    ) as ranked
    where recency = 1

),

seen_dates as (

    -- only min and max are taken below: duplicates do not matter, no need for `union`
    select
        organization_id,
        activity_date
    from snapshots
    union all
    select
        organization_id,
        activity_date
    from accounts_daily

),

seen_spans as (

    select
        organization_id,
        min(activity_date) as first_seen_date,
        max(activity_date) as last_seen_date

    from seen_dates
    group by organization_id

),

account_counts as (

    select
        organization_id,
        count(*) as accounts,
        min(created_at) as first_account_created_at,
        max(created_at) as last_account_created_at

    from accounts
    group by organization_id

),

final as (

    select
        seen_spans.organization_id,
        latest_names.organization_name,
        coalesce(account_counts.accounts, 0) as accounts,
        account_counts.first_account_created_at,
        account_counts.last_account_created_at,
        seen_spans.first_seen_date,
        seen_spans.last_seen_date

    from seen_spans
    left join latest_names
        on seen_spans.organization_id = latest_names.organization_id
    left join account_counts
        on seen_spans.organization_id = account_counts.organization_id

)

select * from final
