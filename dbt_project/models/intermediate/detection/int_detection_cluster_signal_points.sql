{{ config(materialized='table') }}
{#- Cluster x signal: value, threshold, platform reference and points (macro detection_signal_specs). -#}
with

cluster_signals as (

    select * from {{ ref('int_detection_cluster_signals') }}

),

points as (

    {{ detection_signal_points('cluster_signals', ['cluster_id']) }}

)

select * from points
