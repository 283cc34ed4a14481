"""Feature flags of the extension, read through Superset's own feature flag manager.

The initializer adds the extension's defaults to ``FEATURE_FLAGS`` before Superset reads them, so the flags
reach the frontend's bootstrap data and ``GET_FEATURE_FLAGS_FUNC`` overrides work as for Superset's own flags.
"""

from collections.abc import MutableMapping
from typing import Any

from superset_review.extension.constants import FEATURE_FLAG_DEFAULTS, FLAG_EXTENSION


def apply_flag_defaults(config: MutableMapping[str, Any]) -> None:
    flags = dict(config.get("FEATURE_FLAGS") or {})
    for flag, default in FEATURE_FLAG_DEFAULTS.items():
        flags.setdefault(flag, default)
    config["FEATURE_FLAGS"] = flags


def is_enabled(flag: str) -> bool:
    from superset.extensions import feature_flag_manager

    return bool(feature_flag_manager.is_feature_enabled(flag))


def extension_enabled() -> bool:
    return is_enabled(FLAG_EXTENSION)


def entry_points_enabled() -> bool:
    """Whether Superset's pages load the entry-point script: the extension is on and the user may read reviews."""
    from superset.extensions import security_manager

    from superset_review.extension.constants import READ, VIEW_MENU

    try:
        return extension_enabled() and bool(security_manager.can_access(f"can_{READ}", VIEW_MENU))
    except Exception:  # noqa: BLE001 - a page of Superset must render even if this check cannot run
        return False
