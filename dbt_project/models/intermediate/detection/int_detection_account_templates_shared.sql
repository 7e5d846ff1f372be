{{ config(materialized='table') }}
{#-
  The rows of int_detection_account_templates_windowed whose template is sent by at least two
  accounts in the window (int_detection_templates_reached). Only such a template can be a
  group's signature, so the group x template aggregations (cluster and campaign signals,
  signature templates, membership) read this table: at incident scale ~2M rows instead of ~9M.
-#}
with

account_templates as (

    select * from {{ ref('int_detection_account_templates_windowed') }}

),

templates as (

    select prompt_template_hash from {{ ref('int_detection_templates_reached') }}

),

final as (

    select account_templates.*
    from account_templates
    where account_templates.prompt_template_hash in (select templates.prompt_template_hash from templates)

)

select * from final
