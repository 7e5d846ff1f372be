{{ config(materialized='table') }}
{#- Capability x window: the platform's capability mix (every account), the baseline for lift. -#}
with

capabilities as (

    select * from {{ ref('int_capability_daily') }}
    where {{ in_detection_window('activity_date') }}

),

summed as (

    select
        capability,
        sum(requests) as requests
    from capabilities
    group by capability

),

final as (

    select
        capability,
        requests,
        cast(sum(requests) over () as {{ dbt.type_bigint() }}) as platform_requests,
        cast(requests as {{ type_double() }}) / sum(requests) over () as platform_share

    from summed

)

select * from final
