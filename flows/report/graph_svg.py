"""The account-link figure of a campaign report: how the campaign's accounts connect through
identifiers they share, drawn as an aggregate bipartite graph in SVG.

Why aggregate: a campaign can hold thousands of accounts, and a node per account is unreadable
in print (and costs WeasyPrint time per element). The evidence already counts, per shared
identifier, how many of the campaign's accounts use it, so the figure has one hub (all the
campaign's accounts) and one node per identifier, grouped by kind, at most `per_group` per kind
with "top N of M" on the group header. Node size and edge width grow with the number of
accounts; whether an identifier is dedicated to the campaign or shared with unrelated accounts
is told by line style and fill (solid/filled vs dashed/hollow), never by colour alone.

Drawing primitives (text, escaping, fixed-precision coordinates) come from `charts`, so every
label is escaped and the output is byte-stable like the other figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from flows.report import fmt
from flows.report.charts import INK, LIGHT, SOLID, _n, _svg, _text


@dataclass(frozen=True)
class GraphNode:
    label: str  # already made safe for display (defanged where it is a network or domain)
    accounts: int  # campaign accounts linked through it
    detail: str  # e.g. "9 accts · 5 orgs · 10 on platform"
    dedicated: bool  # mostly the campaign's (solid) or shared with unrelated accounts (dashed)


@dataclass(frozen=True)
class GraphGroup:
    title: str  # kind of identifier, e.g. "Payment instruments"
    nodes: tuple[GraphNode, ...]


def account_link_graph(
    groups: Sequence[GraphGroup],
    *,
    accounts: int,
    organizations: int,
    chart_id: str,
    title: str,
    per_group: int = 3,
    width: float = 680,
) -> Markup:
    """Hub (the campaign's accounts) → identifier nodes, grouped by kind; see the module doc."""
    row_h, header_h, gap = 14.5, 14.0, 4.0
    top, legend_h = 6.0, 34.0
    hub_x, hub_w = 8.0, 128.0
    node_x = 300.0
    label_x = node_x + 16
    detail_x = 505.0
    shown = [(g, g.nodes[:per_group], max(len(g.nodes) - per_group, 0)) for g in groups if g.nodes]
    body: list[str] = []
    if not shown:
        height = 60.0
        body.append(
            _text(
                width / 2,
                30,
                "No identifier is shared by two or more of the campaign's accounts.",
                anchor="middle",
            )
        )
        return _svg(chart_id, width, height, title, body)
    # Vertical layout first: group headers and node rows.
    y = top
    placed: list[tuple[float, GraphNode]] = []
    for group, nodes, more in shown:
        # "+N more" rides on the group header: a row of its own per group made the figure too
        # tall to share a page with anything on a big campaign.
        header = group.title + (f"  (top {len(nodes)} of {fmt.num(len(group.nodes))})" if more else "")
        body.append(_text(label_x - 12, y + 11, header, size=9, weight="bold"))
        y += header_h
        for node in nodes:
            placed.append((y + row_h / 2, node))
            y += row_h
        y += gap
    graph_bottom = y
    height = graph_bottom + legend_h
    # Hub: one box for all the campaign's accounts, as tall as the node column.
    hub_top, hub_h = top, graph_bottom - top - gap
    body.append(
        f'<rect x="{_n(hub_x)}" y="{_n(hub_top)}" width="{_n(hub_w)}" height="{_n(hub_h)}" '
        f'rx="4" fill="#eeeeee" stroke="{INK}" stroke-width="1"/>'
    )
    mid = hub_top + hub_h / 2
    body.append(
        _text(
            hub_x + hub_w / 2,
            mid - 4,
            f"{fmt.num(accounts)} accounts",
            size=11,
            anchor="middle",
            weight="bold",
        )
    )
    body.append(
        _text(
            hub_x + hub_w / 2,
            mid + 9,
            f"in {fmt.num(organizations)} organization{'s' if organizations != 1 else ''}",
            size=9,
            anchor="middle",
        )
    )
    most = max((node.accounts for _, node in placed), default=1) or 1
    start_x = hub_x + hub_w
    for i, (cy, node) in enumerate(placed):
        # Edges leave the hub in the same order the nodes are stacked, so none cross.
        sy = hub_top + 8 + (hub_h - 16) * (i + 0.5) / len(placed)
        share = node.accounts / accounts if accounts > 0 else 0.0
        stroke_w = 0.8 + 4.5 * min(share, 1.0)
        dash = "" if node.dedicated else ' stroke-dasharray="8 3"'
        colour = SOLID if node.dedicated else LIGHT
        # At most 6.5: two stacked circles (rows 14.5 apart) never touch.
        radius = 2.5 + 4.0 * math.sqrt(node.accounts / most)
        end_x = node_x - radius
        c1, c2 = start_x + (end_x - start_x) * 0.45, start_x + (end_x - start_x) * 0.55
        body.append(
            f'<path d="M {_n(start_x)} {_n(sy)} C {_n(c1)} {_n(sy)} {_n(c2)} {_n(cy)} '
            f'{_n(end_x)} {_n(cy)}" fill="none" stroke="{colour}" stroke-width="{_n(stroke_w)}"'
            f'{dash} stroke-opacity="0.85"/>'
        )
        fill = SOLID if node.dedicated else "#ffffff"
        ring = "" if node.dedicated else ' stroke-dasharray="3 2"'
        body.append(
            f'<circle cx="{_n(node_x)}" cy="{_n(cy)}" r="{_n(radius)}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1"{ring}/>'
        )
        body.append(_text(label_x, cy + 3.5, fmt.display_text(node.label, 34), size=8.5))
        body.append(_text(detail_x, cy + 3.5, node.detail, size=8, fill=SOLID))
    # Legend: line style and fill carry the meaning, so it survives greyscale print.
    ly = graph_bottom + 8
    body.append(
        f'<line x1="{_n(hub_x)}" y1="{_n(ly)}" x2="{_n(hub_x + 22)}" y2="{_n(ly)}" '
        f'stroke="{SOLID}" stroke-width="2.5"/>'
        f'<circle cx="{_n(hub_x + 30)}" cy="{_n(ly)}" r="4" fill="{SOLID}" stroke="{INK}"/>'
    )
    body.append(
        _text(
            hub_x + 40,
            ly + 3,
            "dedicated: the campaign's accounts are at least half of all accounts using it",
            size=8,
        )
    )
    ly += 14
    body.append(
        f'<line x1="{_n(hub_x)}" y1="{_n(ly)}" x2="{_n(hub_x + 22)}" y2="{_n(ly)}" '
        f'stroke="{LIGHT}" stroke-width="2.5" stroke-dasharray="8 3"/>'
        f'<circle cx="{_n(hub_x + 30)}" cy="{_n(ly)}" r="4" fill="#ffffff" stroke="{INK}" '
        f'stroke-dasharray="3 2"/>'
    )
    body.append(
        _text(
            hub_x + 40, ly + 3, "shared with many unrelated accounts: weak evidence of common control", size=8
        )
    )
    body.append(
        _text(
            width - 4,
            ly + 3,
            "circle size and line width grow with campaign accounts",
            size=8,
            anchor="end",
            fill=SOLID,
        )
    )
    return _svg(chart_id, width, height, title, body)
