"""The daily digest PDF (and its data-quality alert variant) from `DigestData`.

This module only arranges: figures come from `digest_data`, charts from `charts`, and the
rendering rules (autoescape, no fetching, determinism) from `render`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from flows.reader import CAMPAIGN_STATUS_ORDER
from flows.report import charts
from flows.report.digest_data import DigestData
from flows.report.render import SafeURLFetcher, render_pdf
from flows.tlp import tlp_context

DIGEST_TEMPLATE = "daily_digest.html.j2"
DIGEST_FILE = "daily-digest.pdf"
ALERT_FILE = "quality-alert.pdf"


@dataclass(frozen=True)
class Headline:
    label: str
    today: int | None
    previous: int | None


def digest_context(data: DigestData, tlp: str, *, alert: bool = False) -> dict[str, Any]:
    """Everything `daily_digest.html.j2` reads; formatting of numbers stays in the template filters."""

    def line(label: str, attr: str) -> Headline:
        return Headline(
            label,
            None if data.today is None else getattr(data.today, attr),
            None if data.previous is None else getattr(data.previous, attr),
        )

    headline = [
        line("Requests", "requests"),
        line("Total tokens", "total_tokens"),
        line("Active accounts", "accounts"),
        line("Active organizations", "organizations"),
    ]
    token_split = [
        line("input", "input_tokens"),
        line("output", "output_tokens"),
        line("thinking", "thinking_tokens"),
    ]
    status_counts = Counter(c.status for c in data.campaigns)
    campaign_counts = [(s, status_counts[s]) for s in CAMPAIGN_STATUS_ORDER if status_counts[s]]
    campaign_counts += sorted((s, n) for s, n in status_counts.items() if s not in CAMPAIGN_STATUS_ORDER)
    title = "Data-quality alert" if alert else "Daily usage digest"
    return {
        **tlp_context(tlp),
        "title": f"{title} — {data.run_date.isoformat()}",
        "kind": "distillwatch · trust & safety",
        "document_date": data.run_date.isoformat(),
        "alert": alert,
        "data": data,
        "headline": headline,
        "token_split": token_split,
        "campaign_counts": campaign_counts,
        "charts": _charts(data),
    }


def _charts(data: DigestData) -> dict[str, Markup]:
    day_label = "%d %b"
    requests_line = charts.line_chart(
        [(p.activity_date.strftime(day_label), p.requests) for p in data.series],
        chart_id="requests-per-day",
        title=f"Requests per day, {len(data.series)} days to {data.run_date.isoformat()}",
    )
    tokens_bars = charts.bar_chart(
        [
            charts.Bar(
                p.activity_date.strftime(day_label),
                p.total_tokens,
                highlight=p.activity_date == data.run_date,
            )
            for p in data.series
        ],
        chart_id="tokens-per-day",
        title=f"Total tokens per day, {len(data.series)} days to {data.run_date.isoformat()}",
        highlight_note=f"run date {data.run_date.isoformat()}",
    )
    capability_bars = charts.hbar_chart(
        [
            charts.Bar(
                c.capability if c.is_known else f"{c.capability} (unknown)",
                c.share,
                c.previous_share,
                highlight=not c.is_known,
            )
            for c in data.capabilities
        ],
        chart_id="capability-mix",
        title="Share of requests by capability, run date vs previous day",
        series=(data.run_date.isoformat(), f"{data.previous_date.isoformat()} (previous day)"),
    )
    return {"requests": requests_line, "tokens": tokens_bars, "capabilities": capability_bars}


def render_digest(
    data: DigestData, out_dir: Path, tlp: str, *, url_fetcher: SafeURLFetcher | None = None
) -> Path:
    """The daily digest as `out_dir/daily-digest.pdf`."""
    return render_pdf(
        DIGEST_TEMPLATE,
        digest_context(data, tlp),
        out_dir / DIGEST_FILE,
        source_date=data.run_date,
        url_fetcher=url_fetcher,
    )


def render_quality_alert(
    data: DigestData, out_dir: Path, tlp: str, *, url_fetcher: SafeURLFetcher | None = None
) -> Path:
    """The digest with a data-quality banner, as `out_dir/quality-alert.pdf`.

    For days whose quality gate failed: analysts see what failed next to the figures it
    affects, and the banner tells them not to act on those figures.
    """
    return render_pdf(
        DIGEST_TEMPLATE,
        digest_context(data, tlp, alert=True),
        out_dir / ALERT_FILE,
        source_date=data.run_date,
        url_fetcher=url_fetcher,
    )


__all__ = [
    "ALERT_FILE",
    "DIGEST_FILE",
    "digest_context",
    "render_digest",
    "render_quality_alert",
]
