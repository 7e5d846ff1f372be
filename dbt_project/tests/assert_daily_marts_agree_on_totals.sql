{#-
  For the run date, the organization and capability marts add up to the account mart
  (requests and tokens). Returns a row (fails) per mart that disagrees.
-#}
with

accounts as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from {{ ref('fct_account_daily') }}
    where activity_date = {{ run_date_literal() }}

),

organizations as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from {{ ref('fct_organization_daily') }}
    where activity_date = {{ run_date_literal() }}

),

capabilities as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from {{ ref('fct_capability_daily') }}
    where activity_date = {{ run_date_literal() }}

),

compared as (

    select 'fct_organization_daily' as mart, organizations.requests, organizations.total_tokens
    from organizations
    union all
    select 'fct_capability_daily' as mart, capabilities.requests, capabilities.total_tokens
    from capabilities

)

select compared.*
from compared
cross join accounts
where coalesce(compared.requests, 0) <> coalesce(accounts.requests, 0)
   or coalesce(compared.total_tokens, 0) <> coalesce(accounts.total_tokens, 0)
