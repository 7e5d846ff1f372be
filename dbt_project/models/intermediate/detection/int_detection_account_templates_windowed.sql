{{ config(materialized='table') }}
{#-
  Account x prompt template over the detection window, with the account's share of its own
  traffic and whether the account uses the template *repeatedly* (the only use that links it
  to other accounts): at least detection_link_template_min_requests requests and at least
  detection_link_template_min_share of its traffic.
-#}
with

account_templates as (

    select * from {{ ref('int_account_template_daily') }}
    where {{ in_detection_window('activity_date') }}

),

accounts as (

    select
        account_id,
        organization_id,
        requests as account_requests
    from {{ ref('int_detection_accounts_windowed') }}

),

summed as (

    select
        account_id,
        prompt_template_hash,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens

    from account_templates
    group by account_id, prompt_template_hash

),

final as (

    select
        summed.account_id,
        accounts.organization_id,
        summed.prompt_template_hash,
        summed.requests,
        summed.cot_elicitation_requests,
        summed.grader_prompt_requests,
        summed.total_tokens,
        {{ detection_ratio('summed.requests', 'accounts.account_requests') }} as share_of_account_requests,
        (
            summed.requests >= {{ detection_var('detection_link_template_min_requests') }}
            and summed.requests
            >= {{ detection_var('detection_link_template_min_share') }} * accounts.account_requests
        ) as is_repeated

    from summed
    inner join accounts
        on summed.account_id = accounts.account_id

)

select * from final
