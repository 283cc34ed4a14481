"""Create an AI-safe view: the view, its first version, its Superset dataset (Superset's CreateDatasetCommand, as
the author, who owns it) and its journal entries, in one unit of work."""

from __future__ import annotations

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.adapters.view_datasets import create_view_dataset
from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.build import BuiltView
from superset_review.safe_views.commands.base import add_version, apply_build, built, current_user_id, record
from superset_review.safe_views.definition import ViewDefinition
from superset_review.safe_views.models import SafeView, ViewState


class CreateSafeViewCommand(BaseCommand):
    def __init__(self, definition: ViewDefinition, note: str | None = None) -> None:
        self._definition = definition
        self._note = note
        self._build: BuiltView | None = None

    def validate(self) -> None:
        self._build = built(self._definition)

    @unit_of_work
    def run(self) -> SafeView:
        self.validate()
        build = self._build
        assert build is not None
        author = current_user_id()
        if author is None:
            raise ReviewError(Text("log in to create an AI-safe view"), ErrorCode.NOT_AUTHENTICATED)
        view = SafeView(
            base_dataset_id=self._definition.base_dataset_id, database_id=build.database_id, version=0,
            state=ViewState.FRESH.value, created_by=author, name=self._definition.name, content_hash="",
            definition={}, sql="", base_columns=[],
        )  # fmt: skip
        changes = apply_build(view, build)
        db.session.add(view)
        db.session.flush()
        add_version(view, build, self._note)
        dataset = create_view_dataset(
            name=view.name, base=build.dataset, sql=view.sql, description=build.description, owner_id=author,
            view_id=view.id, version=view.version,
        )  # fmt: skip
        view.dataset_id = dataset.id
        changes["dataset_id"] = (None, dataset.id)
        changes["state"] = (None, view.state)
        record(view, {field: (None, new) for field, (_, new) in changes.items()})
        db.session.flush()
        return view
