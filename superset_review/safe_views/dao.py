"""Reading AI-safe views: by id, by base dataset, the ones the current user may read, a view's versions."""

from __future__ import annotations

from superset.extensions import db

from superset_review.adapters.datasets import may_read
from superset_review.safe_views.models import SafeView, SafeViewVersion

MAX_LIST = 1000


class SafeViewDAO:
    @staticmethod
    def find_by_id(view_id: int) -> SafeView | None:
        found: SafeView | None = db.session.query(SafeView).filter(SafeView.id == view_id).one_or_none()
        return found

    @staticmethod
    def by_base_dataset(base_dataset_id: int) -> list[SafeView]:
        rows: list[SafeView] = (
            db.session.query(SafeView).filter(SafeView.base_dataset_id == base_dataset_id).order_by(SafeView.id).all()
        )
        return rows

    @staticmethod
    def readable(base_dataset_id: int | None = None, limit: int = MAX_LIST) -> list[SafeView]:
        """The views whose Superset dataset the current user may query (Superset's own check), newest first."""
        query = db.session.query(SafeView)
        if base_dataset_id is not None:
            query = query.filter(SafeView.base_dataset_id == base_dataset_id)
        rows: list[SafeView] = query.order_by(SafeView.id.desc()).all()
        return [view for view in rows if may_read(view.dataset_id)][:limit]

    @staticmethod
    def versions(view_id: int) -> list[SafeViewVersion]:
        rows: list[SafeViewVersion] = (
            db.session.query(SafeViewVersion)
            .filter(SafeViewVersion.view_id == view_id)
            .order_by(SafeViewVersion.version.desc())
            .all()
        )
        return rows
