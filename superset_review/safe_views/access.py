"""Whether an AI-safe view may feed an LLM feature now: it exists, the user may read it, it is not archived, and its
base dataset still has the columns (and types) the view was compiled against. Every LLM path and every tool asks
this one function; a view that drifted is marked stale here, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from superset.extensions import db

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.models import SafeView, ViewState


class SafeViewUnusable(ReviewError):
    """The view may not feed an LLM feature: missing or not yours (404), archived or stale (409)."""

    code = ErrorCode.SAFE_VIEW_STALE


@dataclass(frozen=True)
class Drift:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retyped: list[dict[str, Any]] = field(default_factory=list)  # {"column", "was", "now"}

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.retyped)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "retyped": self.retyped}


def base_columns(dataset: Any) -> list[dict[str, str]]:
    """The base dataset's columns as a view records them: physical columns (no calculated ones), name and type."""
    return [
        {"name": str(column.column_name), "type": str(column.type or "")}
        for column in dataset.columns
        if not column.expression
    ]


def drift_of(recorded: list[dict[str, str]], current: list[dict[str, str]]) -> Drift:
    was = {column["name"]: column["type"] for column in recorded}
    now = {column["name"]: column["type"] for column in current}
    return Drift(
        added=sorted(set(now) - set(was)),
        removed=sorted(set(was) - set(now)),
        retyped=[
            {"column": name, "was": was[name], "now": now[name]}
            for name in sorted(set(was) & set(now))
            if was[name].upper() != now[name].upper()
        ],
    )


def check_drift(view: SafeView) -> Drift:
    """Compare the base dataset with what the view was compiled against; a drift marks the view stale (flushed: the
    caller's unit of work commits it). A base dataset that is gone counts as every column removed."""
    from superset.daos.dataset import DatasetDAO

    dataset = DatasetDAO.find_by_id(view.base_dataset_id, skip_base_filter=True)
    current = base_columns(dataset) if dataset is not None else []
    drift = drift_of(list(view.base_columns or []), current)
    if drift and view.state == ViewState.FRESH.value:
        view.state = ViewState.STALE.value
        view.stale_reason = drift.to_dict()
        db.session.flush()
    return drift


def find_view(view_id: int | None = None, *, dataset_id: int | None = None) -> SafeView | None:
    """A view by its id, or by the Superset dataset it created."""
    query = db.session.query(SafeView)
    if view_id is not None:
        found: SafeView | None = query.filter(SafeView.id == view_id).first()
        return found
    if dataset_id is not None:
        found = query.filter(SafeView.dataset_id == dataset_id).first()
        return found
    return None


def find_views_of(base_dataset_id: int) -> list[SafeView]:
    """The views projecting a dataset that are not archived, newest first."""
    views: list[SafeView] = (
        db.session.query(SafeView)
        .filter(SafeView.base_dataset_id == base_dataset_id, SafeView.state != ViewState.ARCHIVED.value)
        .order_by(SafeView.id.desc())
        .all()
    )
    return views


def usable_view_of(base_dataset_id: int) -> SafeView | None:
    """The newest view of a dataset that an LLM feature may read now (``require_usable_view`` of each, newest first:
    a drifted one is marked stale on the way), or None."""
    for view in find_views_of(base_dataset_id):
        try:
            return require_usable_view(view.id)
        except SafeViewUnusable:
            continue
    return None


def require_usable_view(view_id: int | None = None, *, dataset_id: int | None = None) -> SafeView:
    """The view, when the current user may read it and an LLM feature may use it; else SafeViewUnusable saying why
    and what to do (404 for a view that does not exist or is not the user's to read: ids are not probed)."""
    from superset_review.adapters.datasets import may_read

    view = find_view(view_id, dataset_id=dataset_id)
    named = view_id if view_id is not None else dataset_id
    if view is None or view.dataset_id is None or not may_read(view.dataset_id):
        raise SafeViewUnusable(
            Text("AI-safe view %(view)s does not exist or you may not read it", view=named),
            ErrorCode.SAFE_VIEW_NOT_FOUND,
        )
    if view.state == ViewState.ARCHIVED.value:
        raise SafeViewUnusable(
            Text("AI-safe view %(view)s is archived: use another view", view=view.id), ErrorCode.SAFE_VIEW_ARCHIVED
        )
    drift = check_drift(view)
    if drift or view.state == ViewState.STALE.value:
        raise SafeViewUnusable(
            Text(
                "AI-safe view %(view)s is stale: its base dataset changed (%(drift)s); review the view before an "
                "LLM feature may read it",
                view=view.id,
                drift=_said(drift or Drift(**(view.stale_reason or {}))),
            ),
            details={"stale_reason": view.stale_reason},
        )
    return view


def _said(drift: Drift) -> str:
    parts = []
    if drift.added:
        parts.append("added: " + ", ".join(drift.added[:10]))
    if drift.removed:
        parts.append("removed: " + ", ".join(drift.removed[:10]))
    if drift.retyped:
        parts.append("retyped: " + ", ".join(r["column"] for r in drift.retyped[:10]))
    return "; ".join(parts) or "see stale_reason"
