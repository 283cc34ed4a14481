"""Archive an AI-safe view (its author or an admin): LLM features refuse it from then on; its Superset dataset is
left to Superset (its owners delete it there if they want)."""

from __future__ import annotations

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.safe_views.commands.base import changeable_view, current_user_id, record
from superset_review.safe_views.models import SafeView, ViewState


class ArchiveSafeViewCommand(BaseCommand):
    def __init__(self, view_id: int) -> None:
        self._view_id = view_id
        self._view: SafeView | None = None

    def validate(self) -> None:
        self._view = changeable_view(self._view_id, None)

    @unit_of_work
    def run(self) -> SafeView:
        self.validate()
        view = self._view
        assert view is not None
        record(view, {"state": (view.state, ViewState.ARCHIVED.value)})
        view.state = ViewState.ARCHIVED.value
        view.changed_by = current_user_id()
        db.session.flush()
        return view
