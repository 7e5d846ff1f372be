{#-
  For the run date, the organization and capability marts add up to the account mart (requests
  and the four token figures); the organizations' active accounts are the account mart's rows
  and every organization with requests has its row; the capability mart has one row per
  capability of the clean staging requests and its shares sum to 1. Returns a row (fails) per
  mart and figure that disagrees, with both values.
-#}
with

accounts as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        count(*) as accounts_active,
        count(distinct organization_id) as organizations
    from {{ ref('fct_account_daily') }}
    where activity_date = {{ run_date_literal() }}

),

organizations as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        {{ sum_bigint('accounts_active') }} as accounts_active,
        {{ count_where('requests > 0') }} as organizations
    from {{ ref('fct_organization_daily') }}
    where activity_date = {{ run_date_literal() }}

),

capabilities as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        count(*) as capabilities,
        sum(request_share) as request_share
    from {{ ref('fct_capability_daily') }}
    where activity_date = {{ run_date_literal() }}

),

staged as (

    select count(distinct capability) as capabilities
    from {{ ref('stg_usage__requests') }}

),

compared as (

    {%- for figure in ['requests', 'input_tokens', 'output_tokens', 'thinking_tokens', 'total_tokens'] %}
    select
        'fct_organization_daily' as mart,
        '{{ figure }}' as figure,
        cast(coalesce(accounts.{{ figure }}, 0) as {{ type_double() }}) as expected,
        cast(coalesce(organizations.{{ figure }}, 0) as {{ type_double() }}) as actual
    from accounts
    cross join organizations
    union all
    select
        'fct_capability_daily' as mart,
        '{{ figure }}' as figure,
        cast(coalesce(accounts.{{ figure }}, 0) as {{ type_double() }}) as expected,
        cast(coalesce(capabilities.{{ figure }}, 0) as {{ type_double() }}) as actual
    from accounts
    cross join capabilities
    union all
    {%- endfor %}
    select
        'fct_organization_daily' as mart,
        'accounts_active' as figure,
        cast(coalesce(accounts.accounts_active, 0) as {{ type_double() }}) as expected,
        cast(coalesce(organizations.accounts_active, 0) as {{ type_double() }}) as actual
    from accounts
    cross join organizations
    union all
    select
        'fct_organization_daily' as mart,
        'organizations with requests' as figure,
        cast(coalesce(accounts.organizations, 0) as {{ type_double() }}) as expected,
        cast(coalesce(organizations.organizations, 0) as {{ type_double() }}) as actual
    from accounts
    cross join organizations
    union all
    select
        'fct_capability_daily' as mart,
        'capabilities' as figure,
        cast(coalesce(staged.capabilities, 0) as {{ type_double() }}) as expected,
        cast(coalesce(capabilities.capabilities, 0) as {{ type_double() }}) as actual
    from staged
    cross join capabilities
    union all
    -- shares sum to 1 on a day with requests (no rows: nothing to sum)
    select
        'fct_capability_daily' as mart,
        'request_share' as figure,
        case when capabilities.capabilities > 0 then 1.0 else 0.0 end as expected,
        coalesce(capabilities.request_share, 0) as actual
    from capabilities

)

select * from compared
where abs(expected - actual) > 1e-6
