{#- Rows set aside by validation: drop date x landing file x source file x rule x column. -#}
with

quarantined_requests as (

    select * from {{ ref('stg_usage__quarantined_requests') }}

),

quarantined_accounts as (

    select * from {{ ref('stg_usage__quarantined_accounts') }}

),

unioned as (

    select
        activity_date,
        'requests' as landing_file,
        source_file,
        rule,
        column_name
    from quarantined_requests

    union all

    select
        activity_date,
        'accounts' as landing_file,
        source_file,
        rule,
        column_name
    from quarantined_accounts

),

final as (

    select
        activity_date,
        landing_file,
        source_file,
        rule,
        column_name,
        count(*) as quarantined_rows

    from unioned
    group by activity_date, landing_file, source_file, rule, column_name

)

select * from final
