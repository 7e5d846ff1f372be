{#-
  For the run date, the daily aggregates under models/intermediate/ (not detection's) add up to
  staging and are keyed: one node instead of the ~23 generic tests they carried (README,
  "Tests"). Per aggregate:
  - requests and total tokens per account equal the clean staging requests' (nothing lost,
    nothing double-counted; a null account_id shows up as an account staging does not have);
    int_capability_daily's totals equal staging's;
  - no two rows share a key (a grouping that splits one key in two is caught even when the sums
    still agree) and no key column that must be set is null; activity_hour is an hour.
  int_account_snapshots_daily (the accounts file) is checked for its key only.
  Returns one row per (model, check) that fails, with how many rows or accounts are off.
-#}
{%- set request_aggregates = [
    ('int_account_access_channel_daily', ['account_id', 'access_channel'], ['account_id', 'access_channel']),
    ('int_account_capability_daily', ['account_id', 'capability'], ['account_id']),
    ('int_account_hour_daily', ['account_id', 'activity_hour'], ['account_id']),
    ('int_account_ip_prefix_daily', ['account_id', 'ip_prefix'], ['account_id', 'ip_prefix']),
    ('int_account_model_daily', ['account_id', 'model'], ['account_id']),
    ('int_account_system_prompt_daily', ['account_id', 'system_prompt_hash'], ['account_id']),
    ('int_account_template_daily', ['account_id', 'prompt_template_hash'], ['account_id', 'prompt_template_hash']),
] -%}
{%- set keyed_only = [
    ('int_account_snapshots_daily', ['account_id'], ['account_id', 'organization_id']),
    ('int_capability_daily', ['capability'], ['capability']),
] -%}
with

staged as (

    select
        account_id,
        count(*) as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from {{ ref('stg_usage__requests') }}
    where activity_date = {{ run_date_literal() }}
    group by account_id

),

staged_total as (

    select
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from staged

),

{% for model, keys, not_null in request_aggregates + keyed_only %}
{{ model }}__rows as (

    select * from {{ ref(model) }}
    where activity_date = {{ run_date_literal() }}

),

{% endfor %}
{% for model, keys, not_null in request_aggregates %}
{{ model }}__by_account as (

    select
        account_id,
        {{ sum_bigint('requests') }} as requests,
        {{ sum_bigint('total_tokens') }} as total_tokens
    from {{ model }}__rows
    group by account_id

),

{% endfor %}
checks as (

    {% for model, keys, not_null in request_aggregates %}
    select '{{ model }}' as model, 'requests and total tokens per account equal staging' as failed_check,
           count(*) as rows_off
    from staged
    full outer join {{ model }}__by_account as aggregate
        on aggregate.account_id = staged.account_id
    where coalesce(staged.requests, -1) <> coalesce(aggregate.requests, -1)
       or coalesce(staged.total_tokens, -1) <> coalesce(aggregate.total_tokens, -1)

    union all

    {% endfor %}
    select 'int_capability_daily', 'requests and total tokens equal staging', count(*)
    from (
        select
            {{ sum_bigint('requests') }} as requests,
            {{ sum_bigint('total_tokens') }} as total_tokens
        from int_capability_daily__rows
    ) as capability
    cross join staged_total
    where coalesce(capability.requests, 0) <> coalesce(staged_total.requests, 0)
       or coalesce(capability.total_tokens, 0) <> coalesce(staged_total.total_tokens, 0)

    union all

    select 'int_account_hour_daily', 'activity_hour between 0 and 23',
           {{ count_where('activity_hour is null or activity_hour < 0 or activity_hour > 23') }}
    from int_account_hour_daily__rows

    {% for model, keys, not_null in request_aggregates + keyed_only %}
    union all

    select '{{ model }}', 'one row per {{ keys | join(", ") }}', count(*)
    from (
        select 1 as duplicate
        from {{ model }}__rows
        group by {{ keys | join(', ') }}
        having count(*) > 1
    ) as duplicates

    union all

    select '{{ model }}', 'no null {{ not_null | join(" or ") }}',
           {{ count_where(not_null | join(' is null or ') ~ ' is null') }}
    from {{ model }}__rows

    {% endfor %}
)

select * from checks
where rows_off > 0
