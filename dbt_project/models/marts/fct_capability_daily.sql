{#-
  Capability x day, platform-wide, with the change of its share of requests against the day
  before. That change depends on the previous day, so an incremental run rewrites the run date
  and the day after it (if loaded): backfilling days in any order gives the same table.
  `share_change` is null when the previous day is not loaded; a capability absent on a loaded
  previous day counts as share 0 there.
-#}
with

capabilities_daily as (

    select * from {{ ref('int_capability_daily') }}
    {% if is_incremental() %}
    where activity_date between {{ run_date_offset_literal(-1) }} and {{ run_date_offset_literal(1) }}
    {% endif %}

),

known_capabilities as (

    select * from {{ ref('capabilities') }}

),

day_totals as (

    select
        activity_date,
        {{ sum_bigint('requests') }} as day_requests

    from capabilities_daily
    group by activity_date

),

shares as (

    select
        capabilities_daily.*,
        cast(capabilities_daily.requests as {{ type_double() }})
        / day_totals.day_requests as request_share

    from capabilities_daily
    inner join day_totals
        on capabilities_daily.activity_date = day_totals.activity_date

),

final as (

    select
        shares.activity_date,
        shares.capability,
        known_capabilities.capability is not null as is_known_capability,

        shares.requests,
        shares.accounts,
        shares.organizations,
        shares.cot_elicitation_requests,
        shares.grader_prompt_requests,
        shares.input_tokens,
        shares.output_tokens,
        shares.thinking_tokens,
        shares.total_tokens,

        shares.request_share,
        case
            when previous_day.activity_date is null then null
            else coalesce(previous_share.request_share, 0)
        end as previous_request_share,
        case
            when previous_day.activity_date is null then null
            else shares.request_share - coalesce(previous_share.request_share, 0)
        end as request_share_change

    from shares
    left join known_capabilities
        on shares.capability = known_capabilities.capability
    left join day_totals as previous_day
        on previous_day.activity_date = cast({{ dbt.dateadd('day', -1, 'shares.activity_date') }} as date)
    left join shares as previous_share
        on previous_day.activity_date = previous_share.activity_date
        and shares.capability = previous_share.capability

)

select * from final
{% if is_incremental() %}
where activity_date in ({{ run_date_literal() }}, {{ run_date_offset_literal(1) }})
{% endif %}
