{#- Every quarantined request row, kept by drop date with the rule that set it aside. -#}
with

quarantined as (

    select * from {{ ref('stg_usage__quarantined_requests') }}

)

select * from quarantined
