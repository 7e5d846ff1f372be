{#-
  Campaign x model x day: what the accounts of each campaign reported on the run date sent to
  each model over the campaign period (fct_campaign_members.period_start .. run date).
  Incremental by date (replace_dates).
-#}
with

members as (

    {{ campaign_members() }}

),

models_daily as (

    select * from {{ ref('int_account_model_daily') }}
    where activity_date <= {{ run_date_literal() }}

),

final as (

    select
        {{ run_date_literal() }} as activity_date,
        members.campaign_id,
        models_daily.model,
        {{ sum_bigint('models_daily.requests') }} as requests,
        {{ sum_bigint('models_daily.output_tokens') }} as output_tokens
    from members
    inner join models_daily
        on {{ in_campaign_period('members', 'models_daily') }}
    group by members.campaign_id, models_daily.model

)

select * from final
