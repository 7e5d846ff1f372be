with

source as (

    select * from {{ landing_source('reference', 'model_releases') }}

),

renamed as (

    select
        cast(trim(model) as {{ dbt.type_string() }}) as model,
        cast(trim(released_at) as {{ type_timestamp_utc() }}) as released_at,
        {{ utc_date('cast(trim(released_at) as ' ~ type_timestamp_utc() ~ ')') }} as released_date

    from source

)

select * from renamed
