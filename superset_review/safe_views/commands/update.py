"""A new version of an AI-safe view's definition (its author or an admin), refused with 409 SAFE_VIEW_CHANGED when
the version the client saw is not the current one. A stale view is changed only by a review."""

from __future__ import annotations

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.adapters.view_datasets import update_view_dataset
from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.access import check_drift
from superset_review.safe_views.build import BuiltView
from superset_review.safe_views.commands.base import (
    add_version,
    apply_build,
    built,
    changeable_view,
    record,
    same_base,
)
from superset_review.safe_views.definition import ViewDefinition
from superset_review.safe_views.models import SafeView, ViewState


class UpdateSafeViewCommand(BaseCommand):
    def __init__(self, view_id: int, definition: ViewDefinition, version: int, note: str | None = None) -> None:
        self._view_id = view_id
        self._definition = definition
        self._version = version
        self._note = note
        self._view: SafeView | None = None
        self._build: BuiltView | None = None

    def validate(self) -> None:
        view = changeable_view(self._view_id, self._version)
        check_drift(view)
        if view.state == ViewState.STALE.value:
            raise ReviewError(
                Text("AI-safe view %(view)s is stale (its base dataset changed): review it with your changes "
                     "(POST /api/v1/dataset_review/safe_views/%(view)s/review)", view=view.id),
                ErrorCode.SAFE_VIEW_STALE,
                details={"stale_reason": view.stale_reason},
            )  # fmt: skip
        same_base(view, self._definition)
        self._view, self._build = view, built(self._definition)

    @unit_of_work
    def run(self) -> SafeView:
        self.validate()
        view, build = self._view, self._build
        assert view is not None and build is not None
        changes = apply_build(view, build)
        add_version(view, build, self._note)
        assert view.dataset_id is not None
        update_view_dataset(
            int(view.dataset_id), name=view.name, base=build.dataset, sql=view.sql, description=build.description,
            view_id=view.id, version=view.version,
        )  # fmt: skip
        record(view, changes)
        db.session.flush()
        return view
