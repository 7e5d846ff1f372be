{#-
  Campaign x linking identifier x day: identifiers that two or more accounts of a campaign
  share over the campaign period (fct_campaign_members.period_start .. run date), by kind:
  payment_fingerprint and email_domain (account attributes; free-mail domains never link),
  prompt_template, system_prompt and ip_prefix (hosting and proxy networks only: ISP, mobile
  and office networks are shared by unrelated people by design). With how many campaign
  accounts and organizations use it, their requests (0 for account attributes) and how many
  accounts of the whole platform use it over the same days (campaign ones included).
  Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

),

periods as (

    select distinct
        campaign_id,
        period_start
    from members

),

-- each account as its latest snapshot up to the run date said (not dim_accounts: that is
-- built across dates, after the dates of a concurrent backfill, and knows later snapshots)
accounts as (

    select
        account_id,
        organization_id,
        payment_fingerprint,
        lower(trim(email_domain)) as email_domain
    from (
        select
            account_id,
            organization_id,
            payment_fingerprint,
            email_domain,
            row_number() over (partition by account_id order by activity_date desc) as recency
        from {{ ref('int_account_snapshots_daily') }}
        where activity_date <= {{ run_date_literal() }}
    ) as ranked
    where recency = 1

),

free_mail as (

    select distinct lower(trim(email_domain)) as email_domain
    from {{ ref('detection_free_email_domains') }}

),

-- account attributes: the same whatever the period
attribute_uses as (

    select
        'payment_fingerprint' as identifier_kind,
        payment_fingerprint as identifier_value,
        account_id
    from accounts
    where payment_fingerprint is not null
    union all
    select
        'email_domain' as identifier_kind,
        accounts.email_domain as identifier_value,
        accounts.account_id
    from accounts
    left join free_mail
        on accounts.email_domain = free_mail.email_domain
    where
        accounts.email_domain like '%.%'
        and free_mail.email_domain is null

),

templates_daily as (

    select
        activity_date,
        account_id,
        prompt_template_hash as identifier_value,
        requests
    from {{ ref('int_account_template_daily') }}
    where
        activity_date <= {{ run_date_literal() }}
        and prompt_template_hash is not null

),

system_prompts_daily as (

    select
        activity_date,
        account_id,
        system_prompt_hash as identifier_value,
        requests
    from {{ ref('int_account_system_prompt_daily') }}
    where
        activity_date <= {{ run_date_literal() }}
        and system_prompt_hash is not null

),

prefixes_daily as (

    select
        activity_date,
        account_id,
        ip_prefix as identifier_value,
        requests
    from {{ ref('int_account_ip_prefix_daily') }}
    where
        activity_date <= {{ run_date_literal() }}
        and asn_type in ('hosting', 'proxy')

),

-- each daily source is read once on the campaign side and once on the platform side, never
-- through a shared CTE (DuckDB would materialize a CTE read twice: every use of the period)
campaign_daily_uses as (

    select
        members.campaign_id,
        'prompt_template' as identifier_kind,
        templates_daily.identifier_value,
        members.account_id,
        {{ sum_bigint('templates_daily.requests') }} as requests
    from members
    inner join templates_daily
        on {{ in_campaign_period('members', 'templates_daily') }}
    group by members.campaign_id, templates_daily.identifier_value, members.account_id
    union all
    select
        members.campaign_id,
        'system_prompt' as identifier_kind,
        system_prompts_daily.identifier_value,
        members.account_id,
        {{ sum_bigint('system_prompts_daily.requests') }} as requests
    from members
    inner join system_prompts_daily
        on {{ in_campaign_period('members', 'system_prompts_daily') }}
    group by members.campaign_id, system_prompts_daily.identifier_value, members.account_id
    union all
    select
        members.campaign_id,
        'ip_prefix' as identifier_kind,
        prefixes_daily.identifier_value,
        members.account_id,
        {{ sum_bigint('prefixes_daily.requests') }} as requests
    from members
    inner join prefixes_daily
        on {{ in_campaign_period('members', 'prefixes_daily') }}
    group by members.campaign_id, prefixes_daily.identifier_value, members.account_id

),

campaign_uses as (

    select * from campaign_daily_uses
    union all
    select
        members.campaign_id,
        attribute_uses.identifier_kind,
        attribute_uses.identifier_value,
        members.account_id,
        0 as requests
    from members
    inner join attribute_uses
        on members.account_id = attribute_uses.account_id

),

shared as (

    select
        campaign_uses.campaign_id,
        campaign_uses.identifier_kind,
        campaign_uses.identifier_value,
        count(*) as accounts,
        count(distinct accounts.organization_id) as organizations,
        {{ sum_bigint('campaign_uses.requests') }} as requests
    from campaign_uses
    left join accounts
        on campaign_uses.account_id = accounts.account_id
    group by campaign_uses.campaign_id, campaign_uses.identifier_kind, campaign_uses.identifier_value
    having count(*) >= 2

),

shared_in_period as (

    select
        shared.campaign_id,
        shared.identifier_kind,
        shared.identifier_value,
        periods.period_start
    from shared
    inner join periods
        on shared.campaign_id = periods.campaign_id

),

platform_uses as (

    select
        shared_in_period.campaign_id,
        shared_in_period.identifier_kind,
        shared_in_period.identifier_value,
        templates_daily.account_id
    from shared_in_period
    inner join templates_daily
        on shared_in_period.identifier_value = templates_daily.identifier_value
        and shared_in_period.period_start <= templates_daily.activity_date
    where shared_in_period.identifier_kind = 'prompt_template'
    union all
    select
        shared_in_period.campaign_id,
        shared_in_period.identifier_kind,
        shared_in_period.identifier_value,
        system_prompts_daily.account_id
    from shared_in_period
    inner join system_prompts_daily
        on shared_in_period.identifier_value = system_prompts_daily.identifier_value
        and shared_in_period.period_start <= system_prompts_daily.activity_date
    where shared_in_period.identifier_kind = 'system_prompt'
    union all
    select
        shared_in_period.campaign_id,
        shared_in_period.identifier_kind,
        shared_in_period.identifier_value,
        prefixes_daily.account_id
    from shared_in_period
    inner join prefixes_daily
        on shared_in_period.identifier_value = prefixes_daily.identifier_value
        and shared_in_period.period_start <= prefixes_daily.activity_date
    where shared_in_period.identifier_kind = 'ip_prefix'
    union all
    select
        shared_in_period.campaign_id,
        shared_in_period.identifier_kind,
        shared_in_period.identifier_value,
        attribute_uses.account_id
    from shared_in_period
    inner join attribute_uses
        on shared_in_period.identifier_kind = attribute_uses.identifier_kind
        and shared_in_period.identifier_value = attribute_uses.identifier_value

),

platform as (

    select
        campaign_id,
        identifier_kind,
        identifier_value,
        count(distinct account_id) as platform_accounts
    from platform_uses
    group by campaign_id, identifier_kind, identifier_value

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        shared.campaign_id,
        shared.identifier_kind,
        shared.identifier_value,
        shared.accounts,
        shared.organizations,
        shared.requests,
        coalesce(platform.platform_accounts, shared.accounts) as platform_accounts
    from shared
    left join platform
        on shared.campaign_id = platform.campaign_id
        and shared.identifier_kind = platform.identifier_kind
        and shared.identifier_value = platform.identifier_value

)

select * from final
