{{ config(materialized='table') }}
{#-
  Account x behaviour feature over the detection window: the share of the account's requests
  on each capability (`capability:<name>`) and on each model (`model:<name>`). Two accounts
  run by one operator's pipeline ask for the same things of the same models; a customer glued
  to a campaign by a shared cloud prefix does not. int_detection_accounts_clustered compares
  accounts by the cosine of these shares (detection_link_behaviour_min).
-#}
with

accounts as (

    select account_id from {{ ref('int_detection_accounts_windowed') }}

),

capabilities as (

    select
        account_id,
        capability as feature_value,
        sum(requests) as requests
    from {{ ref('int_account_capability_daily') }}
    where {{ in_detection_window('activity_date') }}
    group by account_id, capability

),

models as (

    select
        account_id,
        model as feature_value,
        sum(requests) as requests
    from {{ ref('int_account_model_daily') }}
    where {{ in_detection_window('activity_date') }}
    group by account_id, model

),

features as (

    select
        account_id,
        {{ dbt.concat(["'capability:'", 'feature_value']) }} as feature,
        requests
    from capabilities

    union all

    select
        account_id,
        {{ dbt.concat(["'model:'", 'feature_value']) }},
        requests
    from models

),

final as (

    select
        features.account_id,
        features.feature,
        cast(features.requests as {{ type_double() }})
        / sum(features.requests) over (
            partition by features.account_id, {{ dbt.split_part('features.feature', "':'", 1) }}
        ) as request_share

    from features
    inner join accounts
        on features.account_id = accounts.account_id

)

select * from final
