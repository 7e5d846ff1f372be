"""Hand-built SVG charts, inlined into report HTML.

Why by hand: no plotting library, no raster images, nothing for the renderer to fetch, and a
chart made only of rectangles, lines and text we wrote ourselves. Every number is formatted by
`flows.report.fmt`, every label goes through `markupsafe.escape`, and the result is returned as
`Markup` so Jinja inserts it unescaped. Charts must read in black-and-white print: the second
series is hatched (not just another colour), the highlighted day has its own marker shape,
and values are written next to bars and points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from flows.report import fmt

FONT = "DejaVu Sans, sans-serif"
INK = "#222222"
GRID = "#c8c8c8"
SOLID = "#4d4d4d"  # mid-dark grey: reads the same on colour and greyscale printers
LIGHT = "#9a9a9a"

Formatter = Callable[[float | None], str]


def _id(chart_id: str) -> str:
    """Element ids share one HTML document: keep them unique and inert."""
    cleaned = re.sub(r"[^a-z0-9-]", "-", chart_id.lower()).strip("-")
    return cleaned or "chart"


def _polylines(coords: list[tuple[float, float] | None]) -> list[str]:
    """One `<polyline>` per run of two or more points; a None (no value) breaks the line."""
    lines: list[str] = []
    segment: list[str] = []
    for c in [*coords, None]:
        if c is None:
            if len(segment) > 1:
                lines.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{INK}" stroke-width="1.4"/>'
                )
            segment = []
        else:
            segment.append(f"{_n(c[0])},{_n(c[1])}")
    return lines


def _n(value: float) -> str:
    """Coordinates with fixed precision, so the SVG (and the PDF) is byte-stable."""
    return f"{value:.1f}"


def _text(
    x: float,
    y: float,
    label: str,
    *,
    size: float = 9,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}">{escape(label)}</text>'
    )


def _hatch_defs(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="5" height="5" '
        f'patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{INK}" stroke-width="1.6"/>'
        f"</pattern></defs>"
    )


def _svg(chart_id: str, width: float, height: float, title: str, body: list[str]) -> Markup:
    # viewBox + explicit size: WeasyPrint lays it out at exactly this size in CSS px.
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_id(chart_id)}" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" font-family="{FONT}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> float:
    """A round axis maximum ≥ value (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    exponent = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if step * exponent >= value:
            return step * exponent
    return 10 * exponent


@dataclass(frozen=True)
class Bar:
    """One category in a (possibly two-series) bar chart."""

    label: str
    value: float | None
    compare: float | None = None  # second series, drawn hatched (e.g. the previous day)
    highlight: bool = False


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    width: float = 330,
    height: float = 170,
    value_fmt: Formatter = fmt.compact,
    highlight_note: str = "",
) -> Markup:
    """Vertical bars (e.g. daily totals), value on top of each bar, highlighted bar hatched.

    A bar with value None is drawn as an "n/a" gap so a missing day is not read as zero.
    """
    left, right, top, bottom = 8.0, 8.0, 18.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    hatch = f"{_id(chart_id)}-hatch"
    body = [_hatch_defs(hatch)]
    present = [b.value for b in bars if b.value is not None]
    vmax = _nice_max(max(present, default=0))
    base_y = top + plot_h
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(base_y)}" x2="{_n(width - right)}" y2="{_n(base_y)}" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    if not bars:
        body.append(_text(width / 2, top + plot_h / 2, "no data", anchor="middle"))
        return _svg(chart_id, width, height, title, body)
    slot = plot_w / len(bars)
    bar_w = max(slot * 0.7, 2.0)
    label_every = max(1, round(len(bars) / 8))  # at most ~8 axis labels: no overlap
    value_every = 1 if slot >= 26 else 2  # value labels are ~5 characters wide
    for i, bar in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        if bar.value is None:
            body.append(_text(cx, base_y - 3, "n/a", size=7.5, anchor="middle", fill=SOLID))
        else:
            h = plot_h * bar.value / vmax
            fill = f"url(#{hatch})" if bar.highlight else SOLID
            body.append(
                f'<rect x="{_n(x)}" y="{_n(base_y - h)}" width="{_n(bar_w)}" height="{_n(h)}" '
                f'fill="{fill}" stroke="{INK}" stroke-width="0.6"/>'
            )
            if bar.highlight or (len(bars) - 1 - i) % value_every == 0:
                body.append(
                    _text(
                        cx,
                        base_y - h - 3,
                        value_fmt(bar.value),
                        size=7.5,
                        anchor="middle",
                        weight="bold" if bar.highlight else "normal",
                    )
                )
        # Count label positions back from the last bar (the run date) so it always has one.
        if (len(bars) - 1 - i) % label_every == 0:
            body.append(_text(cx, base_y + 10, bar.label, size=7.5, anchor="middle"))
    if highlight_note:
        body.append(
            f'<rect x="{_n(left)}" y="{_n(height - 9)}" width="9" height="7" '
            f'fill="url(#{hatch})" stroke="{INK}" stroke-width="0.6"/>'
        )
        body.append(_text(left + 13, height - 3, highlight_note, size=7))
    return _svg(chart_id, width, height, title, body)


def hbar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    series: tuple[str, str] = ("today", "previous day"),
    width: float = 680,
    row_height: float = 21,
    label_width: float = 130,
    value_fmt: Formatter = fmt.pct,
) -> Markup:
    """Horizontal bars with labels on the left, optionally two series per row.

    Series one is solid, series two (``Bar.compare``) is a thinner hatched bar under it, so the
    pair is told apart by shape and texture, not colour. Values are written at the bar ends.
    """
    hatch = f"{_id(chart_id)}-hatch"
    has_compare = any(b.compare is not None for b in bars)
    legend_h = 16.0 if has_compare else 0.0
    top = 4.0 + legend_h
    value_w = 56.0
    plot_w = width - label_width - value_w - 8
    height = top + max(len(bars), 1) * row_height + 4
    body = [_hatch_defs(hatch)]
    if has_compare:
        body.append(
            f'<rect x="{_n(label_width)}" y="3" width="12" height="8" fill="{SOLID}" '
            f'stroke="{INK}" stroke-width="0.6"/>'
        )
        body.append(_text(label_width + 16, 10, series[0], size=7.5))
        legend2_x = label_width + 26 + 7 * len(series[0])
        body.append(
            f'<rect x="{_n(legend2_x)}" y="3" width="12" height="8" fill="url(#{hatch})" '
            f'stroke="{INK}" stroke-width="0.6"/>'
        )
        body.append(_text(legend2_x + 16, 10, series[1], size=7.5))
    if not bars:
        body.append(_text(label_width, top + 12, "no data"))
        return _svg(chart_id, width, height, title, body)
    values = [v for b in bars for v in (b.value, b.compare) if v is not None]
    vmax = max(values, default=0) or 1.0
    x0 = label_width + 4
    body.append(
        f'<line x1="{_n(x0)}" y1="{_n(top)}" x2="{_n(x0)}" y2="{_n(height - 4)}" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    for i, bar in enumerate(bars):
        y = top + i * row_height
        main_h = row_height * (0.5 if has_compare else 0.7)
        body.append(
            _text(
                label_width - 4,
                y + main_h + 1,
                fmt.display_text(bar.label, 24),
                size=8.5,
                anchor="end",
                weight="bold" if bar.highlight else "normal",
            )
        )
        if bar.value is not None:
            w = plot_w * bar.value / vmax
            body.append(
                f'<rect x="{_n(x0)}" y="{_n(y + 1)}" width="{_n(max(w, 0.5))}" '
                f'height="{_n(main_h)}" fill="{SOLID}" stroke="{INK}" stroke-width="0.5"/>'
            )
            body.append(_text(x0 + w + 3, y + main_h - 0.5, value_fmt(bar.value), size=8.5))
        if has_compare:
            cy = y + 1 + main_h + 0.5
            ch = row_height * 0.28
            if bar.compare is not None:
                cw = plot_w * bar.compare / vmax
                body.append(
                    f'<rect x="{_n(x0)}" y="{_n(cy)}" width="{_n(max(cw, 0.5))}" height="{_n(ch)}" '
                    f'fill="url(#{hatch})" stroke="{INK}" stroke-width="0.4"/>'
                )
                body.append(_text(x0 + cw + 3, cy + ch + 0.5, value_fmt(bar.compare), size=7.5, fill=SOLID))
            else:
                body.append(_text(x0 + 3, cy + ch + 0.5, "none", size=7.5, fill=SOLID))
    return _svg(chart_id, width, height, title, body)


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    chart_id: str,
    title: str,
    width: float = 330,
    height: float = 170,
    value_fmt: Formatter = fmt.compact,
    highlight_last: bool = True,
) -> Markup:
    """A daily series with a circle marker and value at every point.

    None values break the line (a day with no data is a gap, not a drop to zero). The last
    point (the run date) gets a square marker and a bold label when `highlight_last`.
    """
    left, right, top, bottom = 14.0, 14.0, 18.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h
    body = [
        f'<line x1="{_n(left)}" y1="{_n(base_y)}" x2="{_n(width - right)}" y2="{_n(base_y)}" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    ]
    if not points:
        body.append(_text(width / 2, top + plot_h / 2, "no data", anchor="middle"))
        return _svg(chart_id, width, height, title, body)
    present = [v for _, v in points if v is not None]
    vmax = _nice_max(max(present, default=0))
    # Half-way gridline with its value: enough to read magnitudes without clutter.
    mid_y = top + plot_h / 2
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(mid_y)}" x2="{_n(width - right)}" y2="{_n(mid_y)}" '
        f'stroke="{GRID}" stroke-width="0.6" stroke-dasharray="3 2"/>'
    )
    body.append(_text(left, mid_y - 2, value_fmt(vmax / 2), size=7, fill=SOLID))
    step = plot_w / max(len(points) - 1, 1)
    coords: list[tuple[float, float] | None] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            coords.append(None)
        else:
            x = left + (i * step if len(points) > 1 else plot_w / 2)
            coords.append((x, base_y - plot_h * value / vmax))
    body += _polylines(coords)
    label_every = max(1, round(len(points) / 8))
    # Value labels are ~5 characters; when points are closer than that, label every other one
    # (counting back from the run date, which is always labelled).
    value_every = 1 if step >= 26 else 2
    last = len(points) - 1
    for i, ((label, value), c) in enumerate(zip(points, coords, strict=True)):
        x = c[0] if c else left + i * step
        is_last = highlight_last and i == last
        if c is not None:
            if is_last:
                body.append(
                    f'<rect x="{_n(c[0] - 3.5)}" y="{_n(c[1] - 3.5)}" width="7" height="7" fill="{INK}"/>'
                )
            else:
                body.append(
                    f'<circle cx="{_n(c[0])}" cy="{_n(c[1])}" r="2.4" fill="#ffffff" '
                    f'stroke="{INK}" stroke-width="1.2"/>'
                )
            if (last - i) % value_every == 0:
                body.append(
                    _text(
                        c[0],
                        c[1] - 6,
                        value_fmt(value),
                        size=8.5 if is_last else 7.5,
                        anchor="middle",
                        weight="bold" if is_last else "normal",
                    )
                )
        else:
            body.append(_text(x, base_y - 3, "n/a", size=7.5, anchor="middle", fill=SOLID))
        if (last - i) % label_every == 0:
            body.append(_text(x, base_y + 10, label, size=7.5, anchor="middle"))
    return _svg(chart_id, width, height, title, body)


@dataclass(frozen=True)
class Marker:
    """An event on a timeline (e.g. a model release) at a fractional point index."""

    position: float  # 0 = first point, len-1 = last; a release at 18:00 on day 2 is 1.75
    label: str


def timeline_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    chart_id: str,
    title: str,
    markers: Sequence[Marker] = (),
    width: float = 680,
    height: float = 190,
    value_fmt: Formatter = fmt.compact,
    marker_note: str = "model release (UTC)",
) -> Markup:
    """A daily series over a long period, with event markers (dashed verticals).

    Unlike `line_chart` it does not write a value at every point (a campaign can span months):
    a y-axis with three labelled gridlines gives the magnitudes, and only the peak and the last
    point carry their value. Events are dashed verticals topped by a triangle and a label;
    labels of events close together alternate between two rows so they never overprint. All
    of it is shape and text, so it reads in greyscale.
    """
    left, right, bottom = 46.0, 16.0, 24.0
    top = 36.0 if markers else 14.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h
    body: list[str] = []
    if not points:
        body.append(_text(width / 2, top + plot_h / 2, "no data", anchor="middle"))
        return _svg(chart_id, width, height, title, body)
    present = [v for _, v in points if v is not None]
    vmax = _nice_max(max(present, default=0))
    for frac in (0.0, 0.5, 1.0):
        y = base_y - plot_h * frac
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - right)}" y2="{_n(y)}" '
            f'stroke="{INK if frac == 0 else GRID}" stroke-width="{0.8 if frac == 0 else 0.6}"'
            + ("" if frac == 0 else ' stroke-dasharray="3 2"')
            + "/>"
        )
        body.append(_text(left - 4, y + 3, value_fmt(vmax * frac), size=7, anchor="end", fill=SOLID))
    single = len(points) == 1
    step = plot_w / max(len(points) - 1, 1)

    def x_at(position: float) -> float:
        return left + plot_w / 2 if single else left + position * step

    coords: list[tuple[float, float] | None] = [
        None if v is None else (x_at(i), base_y - plot_h * v / vmax) for i, (_, v) in enumerate(points)
    ]
    body += _polylines(coords)
    # Point markers only while they stay apart; on a long series they would merge into a band.
    draw_points = step >= 7 or single
    last = len(points) - 1
    peak = max(
        (i for i, (_, v) in enumerate(points) if v is not None),
        key=lambda i: (points[i][1] or 0, -i),
        default=None,
    )
    for i, c in enumerate(coords):
        if c is None:
            body.append(_text(x_at(i), base_y - 3, "n/a", size=7, anchor="middle", fill=SOLID))
            continue
        if i == last:
            body.append(
                f'<rect x="{_n(c[0] - 3.5)}" y="{_n(c[1] - 3.5)}" width="7" height="7" fill="{INK}"/>'
            )
        elif draw_points:
            body.append(
                f'<circle cx="{_n(c[0])}" cy="{_n(c[1])}" r="2.2" fill="#ffffff" '
                f'stroke="{INK}" stroke-width="1.1"/>'
            )
    # Peak and run-date values go in a key under the axis, not beside their points, where on a
    # long, busy series they would collide with each other, the line and the event markers.
    key: list[str] = []
    peak_at = coords[peak] if peak is not None and peak != last else None
    if peak is not None and peak_at is not None:
        px, py = peak_at
        body.append(
            f'<path d="M {_n(px)} {_n(py - 4.5)} L {_n(px + 4.5)} {_n(py)} L {_n(px)} {_n(py + 4.5)} '
            f'L {_n(px - 4.5)} {_n(py)} Z" fill="{INK}"/>'
        )
        key.append(f"◆ peak {value_fmt(points[peak][1])} ({points[peak][0]})")
    if coords[last] is not None:
        name = "run date, peak" if peak == last else "run date"
        key.append(f"■ {name} {value_fmt(points[last][1])} ({points[last][0]})")
    if key:
        body.append(_text(left, height - 1.5, "   ·   ".join(key), size=7.5, weight="bold"))
    label_every = max(1, round(len(points) / 8))
    for i, (label, _) in enumerate(points):
        if (last - i) % label_every == 0:
            body.append(_text(x_at(i), base_y + 11, label, size=7.5, anchor="middle"))
    previous_x: float | None = None
    row = 0
    for marker in sorted(markers, key=lambda m: m.position):
        x = x_at(min(max(marker.position, 0.0), float(last)))
        # Alternate label rows when the previous label is too close to share one.
        row = 1 - row if previous_x is not None and x - previous_x < 110 else 0
        previous_x = x
        label_y = 9 + row * 10
        body.append(
            f'<line x1="{_n(x)}" y1="{_n(label_y + 3)}" x2="{_n(x)}" y2="{_n(base_y)}" '
            f'stroke="{INK}" stroke-width="0.8" stroke-dasharray="4 2"/>'
        )
        body.append(
            f'<path d="M {_n(x - 3.5)} {_n(top - 7)} L {_n(x + 3.5)} {_n(top - 7)} '
            f'L {_n(x)} {_n(top - 1)} Z" fill="{INK}"/>'
        )
        anchor = "end" if x > width - right - 90 else "start"
        offset = -3 if anchor == "end" else 3
        body.append(
            _text(x + offset, label_y, fmt.display_text(marker.label, 36), size=7, anchor=anchor, fill=INK)
        )
    if markers:
        body.append(
            f'<line x1="{_n(width - right - 150)}" y1="{_n(height - 4)}" x2="{_n(width - right - 136)}" '
            f'y2="{_n(height - 4)}" stroke="{INK}" stroke-width="0.8" stroke-dasharray="4 2"/>'
        )
        body.append(_text(width - right - 132, height - 1.5, marker_note, size=7))
    return _svg(chart_id, width, height, title, body)
