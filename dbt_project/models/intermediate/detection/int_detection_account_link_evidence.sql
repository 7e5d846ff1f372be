{{ config(materialized='table') }}
{#-
  Account x identifier pairs that weigh the links between accounts without being edges of the
  account graph (int_detection_account_identifiers): every use in the window of
    template       a template sent by 2+ accounts (int_detection_account_templates_shared),
                   however rarely this account sent it: a paraphrasing campaign's accounts
                   share many rare variants, none of them often
    system_prompt  a system prompt
    ip_prefix      a hosting or proxy prefix (detection_link_asn_types), however rarely used
  int_detection_accounts_clustered weighs each by its rarity (1 / ln accounts reached) and
  joins parts of a group whose accounts are tied by many such links; one popular template or
  a cloud NAT prefix weighs next to nothing.
  Identifier names use the same kind prefixes as the graph, so an identifier that is also an
  edge counts once.
-#}
with

account_templates as (

    select
        account_id,
        prompt_template_hash
    from {{ ref('int_detection_account_templates_shared') }}

),

account_prefixes as (

    select
        account_id,
        ip_prefix
    from {{ ref('int_detection_account_ip_prefixes_windowed') }}
    where asn_type in {{ sql_string_list(detection_var('detection_link_asn_types')) }}

),

accounts as (

    select account_id from {{ ref('int_detection_accounts_windowed') }}

),

account_system_prompts as (

    select distinct
        system_prompts.account_id,
        system_prompts.system_prompt_hash
    from {{ ref('int_account_system_prompt_daily') }} as system_prompts
    inner join accounts
        on system_prompts.account_id = accounts.account_id
    where {{ in_detection_window('system_prompts.activity_date') }}
        and system_prompts.system_prompt_hash is not null

),

final as (

    select
        account_id,
        {{ dbt.concat(["'template:'", 'prompt_template_hash']) }} as identifier
    from account_templates

    union all

    select
        account_id,
        {{ dbt.concat(["'system_prompt:'", 'system_prompt_hash']) }}
    from account_system_prompts

    union all

    select
        account_id,
        {{ dbt.concat(["'ip_prefix:'", 'ip_prefix']) }}
    from account_prefixes

)

select * from final
