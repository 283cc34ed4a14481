"""What the view commands share: the base dataset as the user may read it, who may change a view, a new version."""

from __future__ import annotations

from typing import Any

from flask import g
from superset.extensions import db, security_manager

from superset_review.adapters.datasets import get_dataset, may_read
from superset_review.extension.constants import ADMIN, VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.journal.dao import JournalDAO
from superset_review.journal.models import EntityType
from superset_review.safe_views.build import BuiltView, build_view
from superset_review.safe_views.dao import SafeViewDAO
from superset_review.safe_views.definition import ViewDefinition
from superset_review.safe_views.models import SafeView, SafeViewVersion, ViewState
from superset_review.safe_views.proposals import propose


def current_user_id() -> int | None:
    user = getattr(g, "user", None)
    return getattr(user, "id", None)


def is_review_admin() -> bool:
    return bool(security_manager.can_access(f"can_{ADMIN}", VIEW_MENU))


def description_reasons(definition: ViewDefinition, dataset: Any) -> dict[str, str]:
    """Why each base column is left out or redacted: the proposal's reason where it said so, else the author's."""
    proposal = {column["name"]: column for column in propose(dataset)["columns"]}
    reasons: dict[str, str] = {}
    for name, column in proposal.items():
        if name not in definition.columns:
            reasons[name] = column["reason"] if not column["included"] else Text("left out by the view's author")
        elif name in definition.redactions:
            reasons[name] = column["reason"] if column["redaction"] else Text("redacted by the view's author")
    return reasons


def built(definition: ViewDefinition) -> BuiltView:
    """The definition compiled against its base dataset, which the user must be able to read (403/404 first)."""
    dataset = get_dataset(definition.base_dataset_id)
    return build_view(definition, dataset, description_reasons(definition, dataset))


def readable_view(view_id: int) -> SafeView:
    """The view, when the current user may read its base dataset (404 otherwise: ids are not probed)."""
    view = SafeViewDAO.find_by_id(view_id)
    if view is None or not (may_read(view.base_dataset_id) or may_read(view.dataset_id)):
        raise ReviewError(
            Text("AI-safe view %(view)s does not exist or you may not read it", view=view_id),
            ErrorCode.SAFE_VIEW_NOT_FOUND,
        )
    return view


def changeable_view(view_id: int, version: int | None) -> SafeView:
    """The view, when the current user may change it (its author or an admin), not archived, at ``version``."""
    view = readable_view(view_id)
    if view.created_by != current_user_id() and not is_review_admin():
        raise ReviewError(
            Text("only the author of AI-safe view %(view)s or an admin may change it", view=view_id),
            ErrorCode.SAFE_VIEW_FORBIDDEN,
        )
    if view.state == ViewState.ARCHIVED.value:
        raise ReviewError(
            Text("AI-safe view %(view)s is archived: create a new view instead", view=view_id),
            ErrorCode.SAFE_VIEW_ARCHIVED,
        )
    if version is not None and version != view.version:
        raise ReviewError(
            Text(
                "AI-safe view %(view)s changed since you read it (you sent version %(sent)s, it is at %(now)s): "
                "reload it and apply your change again",
                view=view_id,
                sent=version,
                now=view.version,
            ),
            ErrorCode.SAFE_VIEW_CHANGED,
            details={"field": "version", "version": view.version},
        )
    return view


def same_base(view: SafeView, definition: ViewDefinition) -> None:
    if definition.base_dataset_id != view.base_dataset_id:
        raise ReviewError(
            Text("a view keeps its base dataset (%(base)s): create a new view for another dataset",
                 base=view.base_dataset_id),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": "base_dataset_id"},
        )  # fmt: skip


def add_version(view: SafeView, build: BuiltView, note: str | None) -> SafeViewVersion:
    version = SafeViewVersion(
        view_id=view.id,
        version=view.version,
        content_hash=view.content_hash,
        definition=view.definition,
        sql=view.sql,
        base_columns=view.base_columns,
        author_id=current_user_id(),
        note=(note or None) and str(note)[:500],
    )
    db.session.add(version)
    db.session.flush()
    return version


def apply_build(view: SafeView, build: BuiltView) -> dict[str, tuple[Any, Any]]:
    """Set the view's current version from ``build``; returns the journal's changes (field -> (old, new))."""
    definition = build.definition
    changes: dict[str, tuple[Any, Any]] = {
        "name": (view.name, definition.name),
        "definition": (view.definition, definition.to_dict()),
        "sql": (view.sql, build.compiled.sql),
        "version": (view.version, (view.version or 0) + 1),
    }
    view.name = definition.name
    view.definition = definition.to_dict()
    view.content_hash = definition.content_hash
    view.sql = build.compiled.sql
    view.base_columns = build.base_columns
    view.version = (view.version or 0) + 1
    view.changed_by = current_user_id()
    return changes


def record(view: SafeView, changes: dict[str, tuple[Any, Any]]) -> None:
    """The changes in the journal (its source: where this runs, api, worker or cli)."""
    JournalDAO.record(EntityType.SAFE_VIEW, view.id, changes)
