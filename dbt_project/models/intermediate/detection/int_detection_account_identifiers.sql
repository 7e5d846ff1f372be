{{ config(materialized='table') }}
{#-
  The edge list of the account graph: one row per account and identifier it shares with other
  accounts (identifiers held by a single account are dropped, they link nothing).

  identifier_kind:
    organization   its billing organization
    payment        payment-instrument fingerprint
    email_domain   e-mail domain, unless a free-mail / disposable provider (seed)
    template       a prompt template the account uses repeatedly
    system_prompt  a system prompt the account uses repeatedly
    ip_prefix      a hosting or proxy prefix the account used repeatedly

  Identifiers are prefixed with their kind so two kinds never collide.
-#}
with

accounts as (

    select * from {{ ref('int_detection_accounts_windowed') }}

),

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}
    where is_repeated

),

account_prefixes as (

    select * from {{ ref('int_detection_account_ip_prefixes_windowed') }}
    where is_linking

),

account_system_prompts as (

    select
        system_prompts.account_id,
        system_prompts.system_prompt_hash,
        cast(sum(system_prompts.requests) as {{ dbt.type_bigint() }}) as requests

    from {{ ref('int_account_system_prompt_daily') }} as system_prompts
    where {{ in_detection_window('system_prompts.activity_date') }}
        and system_prompts.system_prompt_hash is not null
    group by system_prompts.account_id, system_prompts.system_prompt_hash

),

edges as (

    select
        account_id,
        organization_id,
        'organization' as identifier_kind,
        organization_id as identifier_value,
        cast(null as {{ dbt.type_bigint() }}) as requests
    from accounts

    union all

    select
        account_id,
        organization_id,
        'payment' as identifier_kind,
        payment_fingerprint,
        cast(null as {{ dbt.type_bigint() }})
    from accounts
    where payment_fingerprint is not null

    union all

    select
        account_id,
        organization_id,
        'email_domain' as identifier_kind,
        email_domain,
        cast(null as {{ dbt.type_bigint() }})
    from accounts
    where has_own_email_domain

    union all

    select
        account_id,
        organization_id,
        'template' as identifier_kind,
        prompt_template_hash,
        requests
    from account_templates

    union all

    select
        account_system_prompts.account_id,
        accounts.organization_id,
        'system_prompt' as identifier_kind,
        account_system_prompts.system_prompt_hash,
        account_system_prompts.requests
    from account_system_prompts
    inner join accounts
        on account_system_prompts.account_id = accounts.account_id
    where account_system_prompts.requests >= {{ detection_var('detection_link_template_min_requests') }}
        and account_system_prompts.requests
        >= {{ detection_var('detection_link_template_min_share') }} * accounts.requests

    union all

    select
        account_id,
        organization_id,
        'ip_prefix' as identifier_kind,
        ip_prefix,
        requests
    from account_prefixes

),

shared as (

    select
        identifier_kind,
        identifier_value,
        count(*) as identifier_accounts,
        count(distinct organization_id) as identifier_organizations

    from edges
    group by identifier_kind, identifier_value
    having count(*) > 1

),

final as (

    select
        edges.account_id,
        edges.organization_id,
        edges.identifier_kind,
        {{ dbt.concat(['edges.identifier_kind', "':'", 'edges.identifier_value']) }} as identifier,
        edges.requests,
        shared.identifier_accounts,
        shared.identifier_organizations

    from edges
    inner join shared
        on edges.identifier_kind = shared.identifier_kind
        and edges.identifier_value = shared.identifier_value

)

select * from final
