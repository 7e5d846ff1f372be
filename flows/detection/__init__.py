"""Campaign detection outside dbt: output files, replay of a period, evaluation against labels.

The detection itself (signals, linking, scoring, identity) lives in the dbt project under
`models/*/detection/`; see docs/detection.md.
"""
