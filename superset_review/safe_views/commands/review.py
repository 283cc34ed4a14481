"""A person reviews an AI-safe view (typically a stale one): confirms its definition as it is, or with changes,
against the base dataset's current columns. A new version, the view fresh again, reviewed_by/on set. Only the
whitelist enters the view: a column the base gained stays out until someone lists it."""

from __future__ import annotations

from typing import Any

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.adapters.view_datasets import update_view_dataset
from superset_review.domains.commands.base import unit_of_work
from superset_review.safe_views.build import BuiltView
from superset_review.safe_views.commands.base import (
    add_version,
    apply_build,
    built,
    changeable_view,
    current_user_id,
    record,
    same_base,
)
from superset_review.safe_views.definition import ViewDefinition
from superset_review.safe_views.models import SafeView, ViewState
from superset_review.tasks.models import now


class ReviewSafeViewCommand(BaseCommand):
    def __init__(
        self, view_id: int, version: int, definition: ViewDefinition | None = None, note: str | None = None
    ) -> None:
        self._view_id = view_id
        self._version = version
        self._definition = definition
        self._note = note
        self._view: SafeView | None = None
        self._build: BuiltView | None = None

    def validate(self) -> None:
        view = changeable_view(self._view_id, self._version)
        definition = self._definition or ViewDefinition.from_dict(dict(view.definition))
        same_base(view, definition)
        self._view, self._build = view, built(definition)

    @unit_of_work
    def run(self) -> SafeView:
        self.validate()
        view, build = self._view, self._build
        assert view is not None and build is not None
        before: dict[str, Any] = {"state": view.state, "stale_reason": view.stale_reason}
        changes = apply_build(view, build)
        view.state, view.stale_reason = ViewState.FRESH.value, None
        view.reviewed_by, view.reviewed_on = current_user_id(), now()
        add_version(view, build, self._note or "reviewed")
        assert view.dataset_id is not None
        update_view_dataset(
            int(view.dataset_id), name=view.name, base=build.dataset, sql=view.sql, description=build.description,
            view_id=view.id, version=view.version,
        )  # fmt: skip
        changes["state"] = (before["state"], view.state)
        changes["stale_reason"] = (before["stale_reason"], None)
        changes["reviewed_by"] = (None, view.reviewed_by)
        record(view, changes)
        db.session.flush()
        return view
