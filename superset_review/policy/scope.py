"""Where an LLM call's row values come from, and whether ``REVIEW_LLM_DATA_SCOPE`` lets them go.

``DataSource`` names the source a feature read its rows from (an AI-safe view, or a raw dataset). The gateway turns
it into a ``ScopeCheck`` before the policy decides (``resolve``: the one impure step, it asks the database whether
the view is usable now, as the current user); ``policy.engine.decide`` stays pure and reads only the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from superset_review.extension.i18n import Text

SourceKind = Literal["safe_view", "dataset"]


class DataScope(StrEnum):
    AI_SAFE_VIEWS = "ai_safe_views"  # rows reach a model only through a usable AI-safe view
    DATASETS = "datasets"  # rows of any dataset the user may read (masking still applies)


@dataclass(frozen=True)
class DataSource:
    """The rows a prompt carries came from here. ``dataset_id`` is, for a view, the base dataset it projects."""

    kind: SourceKind
    id: int
    dataset_id: int | None = None

    @classmethod
    def dataset(cls, dataset_id: int) -> DataSource:
        return cls("dataset", dataset_id, dataset_id)

    @classmethod
    def safe_view(cls, view_id: int, dataset_id: int | None = None) -> DataSource:
        return cls("safe_view", view_id, dataset_id)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "dataset_id": self.dataset_id}


@dataclass(frozen=True)
class ScopeCheck:
    """What the policy needs to know about a call's source: the scope in force, the source, and (for a view)
    whether it is usable now, with the reason it is not (a Text said to the user)."""

    scope: DataScope
    source: DataSource | None = None
    usable_view: bool = False
    refusal: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope.value,
            "source": self.source.to_dict() if self.source else None,
            "usable_view": self.usable_view,
        }


def resolve(scope: str, source: DataSource | None, contains_data: bool) -> ScopeCheck:
    """The check for one call. Only a call with row values under ``ai_safe_views`` needs the database: a view source
    is asked ``require_usable_view`` (exists, readable by the current user, not archived, no drift; a drift marks it
    stale in the caller's transaction); a raw dataset is looked at for a view that could have served instead."""
    checked = DataScope(scope)
    if not contains_data or checked is DataScope.DATASETS:
        return ScopeCheck(checked, source)
    if source is None:
        return ScopeCheck(
            checked,
            None,
            refusal=Text(
                "REVIEW_LLM_DATA_SCOPE is ai_safe_views: row values may reach a model only through an AI-safe view, "
                "and this call names no source; send metadata only, or read the rows through an AI-safe view"
            ),
        )
    if source.kind == "dataset":
        return ScopeCheck(checked, source, refusal=_raw_dataset_refusal(source.id))
    from superset_review.safe_views.access import SafeViewUnusable, require_usable_view

    try:
        view = require_usable_view(source.id)
    except SafeViewUnusable as error:
        return ScopeCheck(
            checked,
            source,
            refusal=Text(
                "REVIEW_LLM_DATA_SCOPE is ai_safe_views and the source cannot be used: %(why)s",
                why=error.message,
            ),
        )
    return ScopeCheck(checked, DataSource.safe_view(view.id, view.base_dataset_id), usable_view=True)


def _raw_dataset_refusal(dataset_id: int) -> str:
    from superset_review.safe_views.access import find_views_of

    views = find_views_of(dataset_id)
    stale = [view.id for view in views if view.state == "stale"]
    if stale:
        return Text(
            "REVIEW_LLM_DATA_SCOPE is ai_safe_views: rows of dataset %(dataset)s may not reach a model, and its "
            "AI-safe view %(view)s is stale (its base dataset changed): review the view, or ask an admin to set "
            "REVIEW_LLM_DATA_SCOPE to datasets",
            dataset=dataset_id,
            view=stale[0],
        )
    return Text(
        "REVIEW_LLM_DATA_SCOPE is ai_safe_views: rows of dataset %(dataset)s may not reach a model; create an "
        "AI-safe view of dataset %(dataset)s, or ask an admin to set REVIEW_LLM_DATA_SCOPE to datasets",
        dataset=dataset_id,
    )
