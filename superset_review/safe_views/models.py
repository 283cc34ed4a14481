"""An AI-safe view and its versions. Schema: migration ``0011_safe_views_tools_journal``.

The view row holds the current version (its definition, compiled SQL and the base dataset's columns when it was
compiled, which drift is measured against); ``dataset_review_safe_view_versions`` keeps every version, append-only.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now


class ViewState(StrEnum):
    FRESH = "fresh"  # the base dataset has the columns (and types) the view was compiled against
    STALE = "stale"  # the base dataset changed: LLM features refuse the view until someone reviews it
    ARCHIVED = "archived"  # withdrawn by its author or an admin; its Superset dataset is left to Superset


class SafeView(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_safe_views"

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    name = sa.Column(sa.String(250), nullable=False)
    base_dataset_id = sa.Column(sa.Integer, nullable=False, index=True)
    database_id = sa.Column(sa.Integer, nullable=False)
    dataset_id = sa.Column(sa.Integer, nullable=True, unique=True)  # the Superset virtual dataset
    version = sa.Column(sa.Integer, nullable=False)
    content_hash = sa.Column(sa.String(64), nullable=False)  # of the definition (ViewDefinition.content_hash)
    definition = sa.Column(sa.JSON, nullable=False)  # ViewDefinition.to_dict()
    sql = sa.Column(sa.Text, nullable=False)
    base_columns = sa.Column(sa.JSON, nullable=False)  # [{"name", "type"}] of the base dataset at compile time
    state = sa.Column(sa.String(20), nullable=False, default=ViewState.FRESH.value)
    stale_reason = sa.Column(sa.JSON, nullable=True)  # {"added": [...], "removed": [...], "retyped": [...]}
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_by = sa.Column(sa.Integer, nullable=True)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)
    reviewed_by = sa.Column(sa.Integer, nullable=True)
    reviewed_on = sa.Column(sa.DateTime, nullable=True)


class SafeViewVersion(ReviewModel):  # type: ignore[misc,valid-type]
    """One version of a view, never changed nor deleted (a trigger refuses it)."""

    __tablename__ = "dataset_review_safe_view_versions"

    id = sa.Column(sa.Integer, primary_key=True)
    view_id = sa.Column(sa.Integer, sa.ForeignKey("dataset_review_safe_views.id", ondelete="RESTRICT"), nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    content_hash = sa.Column(sa.String(64), nullable=False)
    definition = sa.Column(sa.JSON, nullable=False)
    sql = sa.Column(sa.Text, nullable=False)
    base_columns = sa.Column(sa.JSON, nullable=False)
    author_id = sa.Column(sa.Integer, nullable=True)
    note = sa.Column(sa.String(500), nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)

    __table_args__ = (sa.UniqueConstraint("view_id", "version", name="uq_dataset_review_safe_view_versions_version"),)
