"""The Traffic Light Protocol marking of the reports, in one place: the labels accepted, how a
configured value is normalized (and an unknown one refused: an unknown marking must never
silently become a wider one), the sharing rule printed on every report, the CSS class of the
label and which markings allow account details in a STIX bundle. `Settings.tlp` is validated
with `normalize_tlp`, so every renderer receives a known label; the STIX marking objects are in
`flows.report.stix_bundle`."""

from __future__ import annotations

# FIRST TLP 2.0 labels, plus TLP 1.0's WHITE (2.0 renamed it CLEAR; same disclosure rule).
TLP_LABELS: tuple[str, ...] = (
    "TLP:CLEAR",
    "TLP:WHITE",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
)
DEFAULT_TLP = "TLP:AMBER"

# Markings under which a STIX bundle may name the campaign's accounts.
ACCOUNT_DETAIL_TLPS = frozenset({"TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"})

# FIRST TLP 2.0 sharing rules, one line each, printed at the end of every report.
TLP_NOTES = {
    "TLP:RED": "For the eyes and ears of individual recipients only, no further disclosure.",
    "TLP:AMBER+STRICT": "Limited disclosure, recipients can only spread this within their organization.",
    "TLP:AMBER": "Limited disclosure, recipients can only spread this on a need-to-know basis "
    "within their organization and its clients.",
    "TLP:GREEN": "Limited disclosure, recipients can spread this within their community.",
    "TLP:CLEAR": "Recipients can spread this to the world, there is no limit on disclosure.",
}

_CSS_CLASSES = {
    "TLP:RED": "tlp-red",
    "TLP:AMBER": "tlp-amber",
    "TLP:AMBER+STRICT": "tlp-amber",
    "TLP:GREEN": "tlp-green",
    "TLP:CLEAR": "tlp-clear",
    "TLP:WHITE": "tlp-clear",
}


def normalize_tlp(tlp: str) -> str:
    """``amber`` / ``TLP:Amber`` / `` TLP:AMBER `` → ``TLP:AMBER``; ValueError if unknown."""
    label = tlp.strip().upper().replace(" ", "")
    if not label.startswith("TLP:"):
        label = "TLP:" + label
    if label not in TLP_LABELS:
        # Fail closed: an unknown marking must not silently become a wider one.
        raise ValueError(f"unknown TLP marking {tlp[:40]!r}; use one of {', '.join(TLP_LABELS)}")
    return label


def tlp_context(tlp: str) -> dict[str, str]:
    """What the report templates show: the label, a CSS class chosen from a fixed set (never the
    raw text) and the label's sharing rule."""
    marking = normalize_tlp(tlp)
    return {"tlp": marking, "tlp_class": _CSS_CLASSES[marking], "tlp_note": TLP_NOTES.get(marking, "")}
