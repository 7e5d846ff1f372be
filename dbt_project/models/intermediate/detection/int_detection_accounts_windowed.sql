{{ config(materialized='table') }}
{#-
  Account grain over the detection window (window_days ending at run_date): traffic sums from
  fct_account_daily and the account's latest snapshot up to run_date, and the identity the
  account declares (its own e-mail domain, else its organization). Accounts of organizations
  an analyst marked legitimate (reviewed by run_date) are left out of detection here, once.
-#}
with

accounts_daily as (

    select * from {{ ref('fct_account_daily') }}
    where {{ in_detection_window('activity_date') }}

),

snapshots as (

    select * from {{ ref('int_account_snapshots_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

known_legitimate as (

    select organization_id from {{ ref('known_legitimate_organizations') }}
    where reviewed_date <= {{ run_date_literal() }}

),

free_mail as (

    select lower(trim(email_domain)) as email_domain
    from {{ ref('detection_free_email_domains') }}

),

latest_snapshots as (

    select *
    from (
        select
            snapshots.*,
            row_number()
                over (partition by snapshots.account_id order by snapshots.activity_date desc)
                as recency
        from snapshots
    ) as ranked
    where recency = 1

),

traffic as (

    select
        account_id,

        count(*) as active_days,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        max(case when activity_date = {{ run_date_literal() }} then 1 else 0 end)
        = 1 as is_active_on_run_date,
        cast(
            sum(
                case when activity_date = {{ run_date_literal() }} then requests else 0 end
            ) as {{ dbt.type_bigint() }}
        )
            as requests_on_run_date,

        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(input_tokens) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(sum(thinking_tokens) as {{ dbt.type_bigint() }}) as thinking_tokens,
        cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens,
        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(proxy_requests) as {{ dbt.type_bigint() }}) as proxy_requests,
        cast(sum(hosting_requests) as {{ dbt.type_bigint() }}) as hosting_requests,
        cast(sum(hours_active) as {{ dbt.type_bigint() }}) as hours_active

    from accounts_daily
    group by account_id

),

latest_activity as (

    select
        account_id,
        organization_id
    from (
        select
            account_id,
            organization_id,
            row_number() over (partition by account_id order by activity_date desc) as recency
        from accounts_daily
    ) as ranked
    where recency = 1

),

joined as (

    select
        traffic.account_id,
        coalesce(latest_snapshots.organization_id, latest_activity.organization_id) as organization_id,

        latest_snapshots.created_at,
        latest_snapshots.signup_pathway,
        latest_snapshots.verification,
        latest_snapshots.billing_country,
        latest_snapshots.payment_fingerprint,
        nullif(lower(trim(latest_snapshots.email_domain)), '') as email_domain,

        traffic.active_days,
        traffic.first_active_date,
        traffic.last_active_date,
        traffic.is_active_on_run_date,
        traffic.requests_on_run_date,
        traffic.requests,
        traffic.input_tokens,
        traffic.output_tokens,
        traffic.thinking_tokens,
        traffic.total_tokens,
        traffic.cot_elicitation_requests,
        traffic.grader_prompt_requests,
        traffic.proxy_requests,
        traffic.hosting_requests,
        traffic.hours_active

    from traffic
    inner join latest_activity
        on traffic.account_id = latest_activity.account_id
    left join latest_snapshots
        on traffic.account_id = latest_snapshots.account_id

),

final as (

    select
        joined.*,
        -- an organization's own domain: not free-mail or disposable, and a plausible domain
        (
            joined.email_domain like '%.%'
            and not exists (
                select 1 from free_mail
                where free_mail.email_domain = joined.email_domain
            )
        ) as has_own_email_domain,
        -- whole days from creation to the end of the run date (unknown creation: oldest bucket)
        {{ dbt.datediff(
            'cast(joined.created_at as date)', run_date_literal(), 'day') }} as account_age_days

    from joined
    where not exists (
            select 1 from known_legitimate
            where known_legitimate.organization_id = joined.organization_id
        )

)

select
    final.*,
    -- who the account says it is: its own e-mail domain, else (free-mail) its organization
    case
        when final.has_own_email_domain then final.email_domain
        else {{ dbt.concat(["'organization:'", 'final.organization_id']) }}
    end as declared_identity,
    {% set edges = detection_var('detection_age_bucket_days') %}
    case
        {% for edge in edges %}
        when
            final.account_age_days <= {{ edge }}
            then '{{ "0" if loop.first else (edges[loop.index0 - 1] + 1) }}-{{ edge }}d'
        {% endfor %}
        else '>{{ edges[-1] }}d'
    end as account_age_bucket
from final
