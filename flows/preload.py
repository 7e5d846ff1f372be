"""What the warm server of `flows.workers` imports before it forks the gate and the render
workers: GX and pandas (the quality gate), the campaign report and digest modules with WeasyPrint,
DuckDB and stix2 (the render workers, the digest). Imported for these side effects only."""

from flows.quality import import_gx
from flows.report import campaign_report, digest

import_gx()

__all__ = ["campaign_report", "digest"]
