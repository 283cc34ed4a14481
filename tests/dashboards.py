"""The curated Sales dashboard's native filters, set the way Superset's dashboard sets them."""

from __future__ import annotations

from typing import Any

COUNTRY_FILTER = "NATIVE_FILTER-HX2lV--YaAZRQfJ_yfYB2"


def country_mask(countries: list[str]) -> dict[str, Any]:
    """The data mask of the Country filter with ``countries`` selected."""
    return {
        COUNTRY_FILTER: {
            "id": COUNTRY_FILTER,
            "extraFormData": {"filters": [{"col": "country", "op": "IN", "val": countries}]},
            "filterState": {"value": countries, "label": ", ".join(countries)},
            "ownState": {},
        }
    }
