"""The one CSV writer for every CSV the pipeline writes (campaign lists, account lists, labels).

Cells are formatted one way everywhere (None empty, booleans `true`/`false`, floats to four
places without trailing zeros, dates ISO 8601) and made formula-safe: a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel,
LibreOffice or Google Sheets (CSV injection, OWASP), so it gets a leading apostrophe and is
shown as the text it is. Our CSVs are mailed to analysts and hold customer-typed text
(organization names), so this applies to every string cell; numbers are never touched.
Rows end in `\\n`, so the same rows always give the same bytes. Quoting is RFC 4180's, done
here rather than by the `csv` module: with a `\\n` line end that module leaves a lone `\\r`
unquoted, and readers take it as a line break (a cell could then start a row of its own).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One value as CSV cell text, formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document: the header, then one line per row."""
    lines = [_line([csv_cell(name) for name in header])]
    lines += [_line([csv_cell(v) for v in row]) for row in rows]
    return "".join(lines)


_NEEDS_QUOTES = frozenset(',"\r\n')


def _line(cells: list[str]) -> str:
    if cells == [""]:
        return '""\n'  # a lone empty cell, not a blank line
    return (
        ",".join(
            '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.intersection(cell) else cell
            for cell in cells
        )
        + "\n"
    )
