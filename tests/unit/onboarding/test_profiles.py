"""Threshold profiles: tp_default_v1 is a complete, valid profile; every key is required and checked, each refusal
named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from marshmallow import ValidationError

from superset_review.domains.classify import TP_DEFAULT_V1
from superset_review.onboarding.profiles import DEFAULT_PROFILE_ID, ThresholdProfileSchema, default_profile


def test_the_default_profile_is_valid_and_shares_domainings_thresholds() -> None:
    body = default_profile()
    assert ThresholdProfileSchema().load(body) == body
    assert DEFAULT_PROFILE_ID == "tp_default_v1"
    assert body["domaining"] == {"tau_high": TP_DEFAULT_V1.tau_high, "tau_low": TP_DEFAULT_V1.tau_low}
    assert set(body["token_budgets"]) == {"ingest", "domains", "mapping", "analysis"}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        changed = copy.deepcopy(body)
        section, key = path.split(".")
        changed[section][key] = value
        return changed

    return change


def _drop(section: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {key: value for key, value in body.items() if key != section}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_set("domaining.tau_low", 0.99), "domaining"),
        (_set("domaining.tau_high", 1.5), "domaining"),
        (_set("mapping.accept_rate_min", -0.1), "mapping"),
        (_set("mapping.near_match_window", "wide"), "mapping"),
        (_set("analysis.psi_max", 11), "analysis"),
        (_set("migration.batch_size", 2.5), "migration"),
        (_set("migration.batch_size", 0), "migration"),
        (_set("migration.validation_checks", ["row_count", "vibes"]), "migration"),
        (_set("token_budgets.mapping", -5), "token_budgets"),
        (_set("token_budgets.extra", 5), "token_budgets"),
        (_drop("analysis"), "analysis"),
        (lambda body: {**body, "surprise": {}}, "surprise"),
    ],
)
def test_a_bad_profile_is_refused_by_key(change: Callable[[dict[str, Any]], dict[str, Any]], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ThresholdProfileSchema().load(change(default_profile()))
    assert named in refused.value.messages
