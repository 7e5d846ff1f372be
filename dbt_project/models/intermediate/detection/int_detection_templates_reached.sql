{{ config(materialized='table') }}
{#-
  Prompt template grain over the detection window, for the templates sent by at least two
  accounts: how many accounts and organizations send it, and how many of them use it
  repeatedly (the linking criterion). One template arriving from hundreds of accounts of many
  organizations is the first sign of a distillation campaign; it is also what a popular public
  template looks like, so reach alone never decides.
  A template of one account links nobody and is nobody's signature (both need two accounts);
  most templates are such one-offs (~7M of ~7.1M at incident scale), so they are left out here
  and, through int_detection_account_templates_shared, from every group x template join.
-#}
with

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}

),

shared_templates as (

    select prompt_template_hash
    from account_templates
    group by prompt_template_hash
    having count(*) >= 2

),

shared_account_templates as (

    select *
    from account_templates
    where prompt_template_hash in (select shared_templates.prompt_template_hash from shared_templates)

),

final as (

    select
        prompt_template_hash,
        count(*) as accounts,
        count(distinct organization_id) as organizations,
        cast(sum(case when is_repeated then 1 else 0 end) as {{ dbt.type_bigint() }}) as repeat_accounts,
        count(distinct case when is_repeated then organization_id end) as repeat_organizations,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(sum(cot_elicitation_requests) as {{ dbt.type_bigint() }}) as cot_elicitation_requests,
        cast(sum(grader_prompt_requests) as {{ dbt.type_bigint() }}) as grader_prompt_requests,
        cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens

    from shared_account_templates
    group by prompt_template_hash

)

select * from final
