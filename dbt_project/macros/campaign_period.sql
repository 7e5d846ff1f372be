{#-
  The campaign period marts (fct_campaign_models, _capabilities, _access_channels, _prefixes,
  _networks, _linking_identifiers) aggregate a daily model over each campaign's accounts and
  period, as fct_campaign_members states them for the run date. These two macros are that
  one definition.
-#}

{#- The run date's campaign members: campaign_id, account_id, is_listed, period_start. -#}
{% macro campaign_members() -%}
    select * from {{ ref('fct_campaign_members') }}
    where activity_date = {{ run_date_literal() }}
{%- endmacro %}


{#- Join condition: a row of `daily` (account_id, activity_date) belongs to a member's campaign period. -#}
{% macro in_campaign_period(members, daily) -%}
    {{ members }}.account_id = {{ daily }}.account_id
        and {{ members }}.period_start <= {{ daily }}.activity_date
{%- endmacro %}
