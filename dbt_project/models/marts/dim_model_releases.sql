{{ config(materialized='table') }}
{#-
  One row per model release (the landing zone's reference/model_releases.csv): the release
  markers of the campaign reports' timelines. Rebuilt each run.
-#}
with

releases as (

    select * from {{ ref('stg_reference__model_releases') }}

),

final as (

    select
        model,
        released_at,
        released_date
    from releases
    where released_at is not null

)

select * from final
