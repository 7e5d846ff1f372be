"""The TLP marking: one list of labels, normalized and validated when Settings load."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.report.stix_bundle import tlp_marking
from flows.settings import Settings
from flows.tlp import TLP_LABELS, normalize_tlp, tlp_context


def test_settings_normalize_the_marking_and_refuse_an_unknown_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTILLWATCH_TLP", " amber+strict ")
    assert Settings().tlp == "TLP:AMBER+STRICT"
    monkeypatch.setenv("DISTILLWATCH_TLP", "TLP:PURPLE")
    with pytest.raises(ValidationError, match="unknown TLP marking"):
        Settings()


def test_every_label_has_a_stix_marking_a_css_class_and_normalizes_to_itself() -> None:
    for label in TLP_LABELS:
        assert normalize_tlp(label.lower().removeprefix("tlp:")) == label
        assert tlp_marking(label).name.startswith("TLP:")
        assert tlp_context(label)["tlp_class"].startswith("tlp-")
    assert tlp_context("clear")["tlp_note"].startswith("Recipients can spread this to the world")
