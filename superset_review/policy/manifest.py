"""The versioned policy manifest, from ``REVIEW_POLICY``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

DEFAULT_STAGE = "default"


class Mode(StrEnum):
    METADATA_ONLY = "metadata_only"  # names, types, descriptions, SQL: never a row value
    DATA_MODE = "data_mode"  # masked, capped samples of row values too


@dataclass(frozen=True)
class Budget:
    """A daily (UTC) cap per stage; None means no cap on that measure."""

    tokens: int | None = None
    usd: float | None = None


@dataclass(frozen=True)
class SampleCaps:
    rows: int = 20
    bytes: int = 16_384


@dataclass(frozen=True)
class PolicyManifest:
    version: str = "1"
    mode: Mode = Mode.METADATA_ONLY
    require_pii_masking: bool = True
    providers_allow: tuple[str, ...] = ()  # empty: every provider not denied
    providers_deny: tuple[str, ...] = ()
    local_only_override_allowed: bool = True  # and then only for can_admin, per call, logged
    budgets: Mapping[str, Budget] = field(default_factory=lambda: {DEFAULT_STAGE: Budget(tokens=2_000_000, usd=20.0)})
    sample_caps: SampleCaps = SampleCaps()
    # The one score from which a column counts as PII: the scanner flags it and every profile masks it (samples,
    # min/max, top values) from the same score, so no column is flagged yet shown raw.
    pii_threshold: float = 0.5

    def budget_for(self, stage: str) -> Budget:
        return self.budgets.get(stage) or self.budgets.get(DEFAULT_STAGE) or Budget()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "mode": self.mode.value,
            "require_pii_masking": self.require_pii_masking,
            "providers_allow": list(self.providers_allow),
            "providers_deny": list(self.providers_deny),
            "local_only_override_allowed": self.local_only_override_allowed,
            "budgets": {stage: {"tokens": b.tokens, "usd": b.usd} for stage, b in self.budgets.items()},
            "sample_caps": {"rows": self.sample_caps.rows, "bytes": self.sample_caps.bytes},
            "pii_threshold": self.pii_threshold,
        }


_KEYS = {
    "version", "mode", "require_pii_masking", "providers_allow", "providers_deny", "local_only_override_allowed",
    "budgets", "sample_caps", "pii_threshold",
}  # fmt: skip


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"'{key}' must be a list of provider or model names")
    return tuple(value)


def _non_negative(value: Any, what: str, integer: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{what} must be a number >= 0 or null")
    if integer and not float(value).is_integer():
        raise ValueError(f"{what} must be an integer >= 0 or null")
    return int(value) if integer else float(value)


def parse_policy(value: Any) -> PolicyManifest:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else {}
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ValueError("not an object")
    if unknown := set(value) - _KEYS:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
    default = PolicyManifest()
    version = value.get("version", default.version)
    if not isinstance(version, str) or not version.strip():
        raise ValueError("'version' must be a non-empty string (bump it whenever the policy changes)")
    try:
        mode = Mode(value.get("mode", default.mode))
    except ValueError as ex:
        raise ValueError(f"'mode' must be one of {', '.join(m.value for m in Mode)}") from ex
    for key in ("require_pii_masking", "local_only_override_allowed"):
        if not isinstance(value.get(key, True), bool):
            raise ValueError(f"'{key}' must be true or false")
    budgets_raw = value.get("budgets")
    budgets = dict(default.budgets)
    if budgets_raw is not None:
        if not isinstance(budgets_raw, Mapping):
            raise ValueError("'budgets' must map a stage to {tokens, usd}")
        budgets = {}
        for stage, budget in budgets_raw.items():
            if not isinstance(budget, Mapping) or set(budget) - {"tokens", "usd"}:
                raise ValueError(f"budget '{stage}' must be an object with 'tokens' and/or 'usd'")
            budgets[str(stage)] = Budget(
                tokens=_non_negative(budget.get("tokens"), f"budget '{stage}' tokens", integer=True),
                usd=_non_negative(budget.get("usd"), f"budget '{stage}' usd", integer=False),
            )
    caps_raw = value.get("sample_caps", {})
    if not isinstance(caps_raw, Mapping) or set(caps_raw) - {"rows", "bytes"}:
        raise ValueError("'sample_caps' must be an object with 'rows' and/or 'bytes'")
    caps = SampleCaps(
        rows=_non_negative(caps_raw.get("rows", default.sample_caps.rows), "'sample_caps.rows'", integer=True),
        bytes=_non_negative(caps_raw.get("bytes", default.sample_caps.bytes), "'sample_caps.bytes'", integer=True),
    )
    threshold = value.get("pii_threshold", default.pii_threshold)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError("'pii_threshold' must be a number above 0 and at most 1 (the default is 0.5)")
    return PolicyManifest(
        version=version.strip(),
        mode=mode,
        require_pii_masking=value.get("require_pii_masking", True),
        providers_allow=_strings(value.get("providers_allow", []), "providers_allow"),
        providers_deny=_strings(value.get("providers_deny", []), "providers_deny"),
        local_only_override_allowed=value.get("local_only_override_allowed", True),
        budgets=budgets,
        sample_caps=caps,
        pii_threshold=float(threshold),
    )
