"""Number and text formatting shared by the report templates and the SVG charts, and the safe
file names of reports and mail attachments (`safe_filename`, kept free of WeasyPrint so the
mailer does not import the renderer).

Every number that reaches a report goes through one of these functions, so a PDF shows the same
figure the same way in a table, a chart label and a headline. Text from the data (organization
names, unknown enum values, SDK strings) is untrusted: `display_text` makes invisible control
characters visible and bounds the length *before* HTML escaping, which Jinja's autoescape (or
`markupsafe.escape` in the charts) then does.
"""

from __future__ import annotations

import re
import unicodedata

MISSING = "–"  # en dash: a value we do not have, distinct from zero

# Bidirectional controls are category Cf, but are listed here because they are the ones that
# visibly reorder a line ("Trojan Source"-style spoofing) and must never reach the layout engine.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def num(value: int | float | None) -> str:
    """Thousands-separated integer, e.g. ``1,234,567``."""
    if value is None:
        return MISSING
    return f"{round(value):,}"


def compact(value: int | float | None) -> str:
    """Short form for chart labels: ``950``, ``12.3k``, ``4.56M``, ``1.2B``."""
    if value is None:
        return MISSING
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= threshold:
            scaled = value / threshold
            digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
            return f"{scaled:.{digits}f}{suffix}"
    return f"{round(value):,}"


def pct(share: float | None, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``0.1234`` → ``12.3%``."""
    if share is None:
        return MISSING
    return f"{share * 100:.{digits}f}%"


def pp(delta: float | None, digits: int = 1) -> str:
    """A change of shares in percentage points, signed: ``0.012`` → ``+1.2 pp``."""
    if delta is None:
        return MISSING
    value = delta * 100
    if round(value, digits) == 0:
        return f"±{0:.{digits}f} pp"
    return f"{value:+.{digits}f} pp"


def change(current: int | float | None, previous: int | float | None) -> str:
    """Relative change vs the previous value: ``+12.3%``, ``new`` when previous was 0."""
    if current is None or previous is None:
        return MISSING
    if previous == 0:
        return "±0.0%" if current == 0 else "new"
    ratio = (current - previous) / previous
    if round(ratio * 100, 1) == 0:
        return "±0.0%"
    return f"{ratio * 100:+.1f}%"


def signed(value: int | float | None) -> str:
    """Signed absolute difference with separators: ``+1,234`` / ``-56`` / ``±0``."""
    if value is None:
        return MISSING
    rounded = round(value)
    return "±0" if rounded == 0 else f"{rounded:+,}"


def display_text(value: object, max_len: int = 60) -> str:
    """Untrusted text as a reader should see it: controls visible, length bounded.

    Control and format characters (C0/C1 controls, bidi overrides such as U+202E, zero-width
    characters) are replaced by a visible ``[U+XXXX]`` so a name cannot hide or reorder itself,
    and the result is cut to ``max_len`` characters with an ellipsis so one 10,000-character
    name cannot push a table off the page. Escaping for HTML is *not* done here.
    """
    if value is None:
        return MISSING
    text = str(value)
    # Cut first (generously) so the per-character pass stays cheap on huge inputs.
    text = text[: max_len * 2]
    shown: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in _BIDI_CONTROLS or category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            shown.append(f"[U+{ord(char):04X}]")
        else:
            shown.append(char)
    out = "".join(shown)
    if len(out) > max_len or len(str(value)) > len(text):
        out = out[: max_len - 1].rstrip() + "…"
    return out


_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, max_length: int = 100, default: str = "unnamed") -> str:
    """A file name built from data that cannot escape its folder or confuse a mail client.

    ASCII letters, digits, ``.``, ``_`` and ``-`` only (everything else becomes ``-``), no
    leading dot or dash (hidden files, option-like names), no ``..``, bounded length.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE_FILENAME_CHARS.sub("-", ascii_name)
    cleaned = re.sub(r"\.{2,}", ".", cleaned)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip(".-")
    cleaned = cleaned[:max_length].rstrip(".-")
    return cleaned or default
