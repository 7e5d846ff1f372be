{#-
  For the run date, fct_account_daily holds exactly the clean staging requests: the same
  requests, ok requests and tokens, and one row per account with requests. Nothing is lost or
  double-counted between staging, intermediates and marts. Staging is not filtered by date, so
  a clean request off the run date (which the marts drop) fails the test too. Returns a row
  (fails) per figure that differs, with both values.
-#}
with

staged as (

    select
        count(*) as requests,
        {{ count_where("status = 'ok'") }} as ok_requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        count(distinct account_id) as accounts

    from {{ ref('stg_usage__requests') }}

),

marts as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('ok_requests') }} as ok_requests,
        {{ sum_bigint('input_tokens') }} as input_tokens,
        {{ sum_bigint('output_tokens') }} as output_tokens,
        {{ sum_bigint('thinking_tokens') }} as thinking_tokens,
        {{ sum_bigint('total_tokens') }} as total_tokens,
        count(*) as accounts

    from {{ ref('fct_account_daily') }}
    where activity_date = {{ run_date_literal() }}

),

compared as (

    {%- set figures = ['requests', 'ok_requests', 'input_tokens', 'output_tokens', 'thinking_tokens',
                       'total_tokens', 'accounts'] %}
    {%- for figure in figures %}
    select
        '{{ figure }}' as figure,
        coalesce(staged.{{ figure }}, 0) as staged_value,
        coalesce(marts.{{ figure }}, 0) as mart_value
    from staged
    cross join marts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from compared
where staged_value <> mart_value
