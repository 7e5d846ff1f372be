{#-
  Group signals, part 5 (macro detection_group_signals; reads g_members): how the accounts were
  made and are run. g_burst: most accounts created within one burst window; g_sync: how closely
  each account's hour-by-hour traffic follows the rest of the group.
-#}
{% macro detection_group_farming() %}
{#- creation burst: most accounts created within any detection_creation_burst_hours span -#}
g_creation as (

    select
        group_id,
        count(*) over (
            partition by group_id
            order by {{ detection_epoch_seconds('created_at') }}
            range between current row and {{ detection_var('detection_creation_burst_hours') * 3600 }} following
        ) as accounts_in_burst

    from g_members
    where created_at is not null

),

g_burst as (

    select group_id, max(accounts_in_burst) as accounts_in_burst
    from g_creation
    group by group_id

),

{#- synchronized timing: cosine similarity of each account's hour-by-hour traffic over the
    window with the rest of its group (leave-one-out), averaged over the accounts -#}
g_member_hours as (

    select
        g_members.group_id,
        g_members.account_id,
        hours.activity_date,
        hours.activity_hour,
        cast(hours.requests as {{ type_double() }}) as requests

    from g_members
    inner join {{ ref('int_account_hour_daily') }} as hours
        on g_members.account_id = hours.account_id
    where {{ in_detection_window('hours.activity_date') }}

),

g_group_hours as (

    select group_id, activity_date, activity_hour, sum(requests) as requests
    from g_member_hours
    group by group_id, activity_date, activity_hour

),

g_group_norms as (

    select group_id, sum(requests * requests) as total_norm2
    from g_group_hours
    group by group_id

),

g_account_products as (

    select
        g_member_hours.group_id,
        g_member_hours.account_id,
        sum(g_member_hours.requests * g_group_hours.requests) as dot_total,
        sum(g_member_hours.requests * g_member_hours.requests) as own_norm2

    from g_member_hours
    inner join g_group_hours
        on g_member_hours.group_id = g_group_hours.group_id
        and g_member_hours.activity_date = g_group_hours.activity_date
        and g_member_hours.activity_hour = g_group_hours.activity_hour
    group by g_member_hours.group_id, g_member_hours.account_id

),

g_account_similarity as (

    select
        g_account_products.group_id,
        g_account_products.account_id,
        -- a . (T - a) / (|a| |T - a|), with |T - a|^2 = |T|^2 - 2 a.T + |a|^2
        case
            when g_group_norms.total_norm2 - 2 * g_account_products.dot_total + g_account_products.own_norm2 > 1e-9
                then (g_account_products.dot_total - g_account_products.own_norm2)
                    / (sqrt(g_account_products.own_norm2)
                       * sqrt(g_group_norms.total_norm2 - 2 * g_account_products.dot_total + g_account_products.own_norm2))
        end as similarity

    from g_account_products
    inner join g_group_norms
        on g_account_products.group_id = g_group_norms.group_id

),

g_sync as (

    select
        group_id,
        case
            when count(similarity) >= {{ detection_var('detection_sync_min_accounts') }} then avg(similarity)
        end as sync_similarity

    from g_account_similarity
    group by group_id

)
{%- endmacro %}
