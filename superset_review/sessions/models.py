"""The review session aggregate: the session, its findings and its append-only event log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import relationship, validates

from superset_review.extension.i18n import texts_of
from superset_review.extension.models import ReviewModel


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _fitted(model: object, key: str, value: str | None) -> str | None:
    """A string cut to its column's length (with an ellipsis): titles, next actions and targets are built from names
    and messages of any length, and PostgreSQL refuses a longer value with an error, not a shorter one."""
    length = getattr(type(model).__table__.c[key].type, "length", None)  # type: ignore[attr-defined]
    if value is None or length is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"


class SessionState(StrEnum):
    EMPTY = "empty"
    IMPORTING = "importing"
    REVIEW_READY = "review_ready"
    SEMANTIC_SOURCE_REVIEW_NEEDED = "semantic_source_review_needed"
    CLARIFICATION_ACTIVE = "clarification_active"
    MAPPING_REVIEW_NEEDED = "mapping_review_needed"
    COMPILED_PREVIEW_READY = "compiled_preview_ready"
    RUN_READY = "run_ready"
    RUN_IN_PROGRESS = "run_in_progress"
    COMPLETED = "completed"
    RECOVERY_REQUIRED = "recovery_required"


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"
    INFO = "info"


class ReviewSession(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_sessions"

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    # No foreign keys into Superset's tables: the extension's history applies on its own, and a review outlives
    # the dashboard or user it came from (a deleted dashboard becomes a finding, not a cascade).
    owner_id = sa.Column(sa.Integer, nullable=False, index=True)
    source_kind = sa.Column(sa.String(40), nullable=False)
    source = sa.Column(sa.Text, nullable=False)
    dataset_id = sa.Column(sa.Integer, nullable=True)
    dashboard_id = sa.Column(sa.Integer, nullable=True)
    title = sa.Column(sa.String(500), nullable=False)
    state = sa.Column(sa.String(40), nullable=False, default=SessionState.EMPTY.value)
    readiness = sa.Column(sa.Float, nullable=False, default=0.0)
    next_action = sa.Column(sa.String(500), nullable=True)
    # The Text of next_action (superset_review.extension.i18n): translated for each reader.
    i18n = sa.Column(sa.JSON, nullable=True)
    context = sa.Column(sa.JSON, nullable=False, default=dict)
    profile = sa.Column(sa.JSON, nullable=False, default=dict)
    # Sources as given (kind, name, version, entries) and per-field states: see superset_review.semantics.
    semantic_sources = sa.Column(sa.JSON, nullable=True)
    semantics = sa.Column(sa.JSON, nullable=True)
    # The clarification dialog (superset_review.clarification) and the execution mappings with the compiled
    # preview (superset_review.execution), as JSON documents of their packages.
    clarification = sa.Column(sa.JSON, nullable=True)
    execution = sa.Column(sa.JSON, nullable=True)
    archived = sa.Column(sa.Boolean, nullable=False, default=False)
    version = sa.Column(sa.Integer, nullable=False, default=1)
    created_on = sa.Column(sa.DateTime, nullable=False, default=_now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)

    findings = relationship(
        "ReviewFinding", back_populates="session", cascade="all, delete-orphan", order_by="ReviewFinding.id"
    )
    events = relationship(
        "ReviewEvent", back_populates="session", cascade="all, delete-orphan", order_by="ReviewEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API

    @property
    def tasks(self) -> list[Any]:
        """The background tasks on this review, newest first (their own table: they never move its version)."""
        from superset_review.tasks.dao import ReviewTaskDAO
        from superset_review.tasks.models import session_subject

        return ReviewTaskDAO.of_subject(session_subject(self.id)) if self.id is not None else []

    @validates("title", "next_action", "source_kind", "state")
    def _fits(self, key: str, value: str | None) -> str | None:
        return _fitted(self, key, value)

    def set_next_action(self, action: str) -> None:
        self.next_action = action
        self.i18n = texts_of(next_action=action) or None


class ReviewFinding(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_findings"

    id = sa.Column(sa.Integer, primary_key=True)
    session_id = sa.Column(
        sa.Integer, sa.ForeignKey("dataset_review_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code = sa.Column(sa.String(60), nullable=False)
    severity = sa.Column(sa.String(20), nullable=False)
    target_kind = sa.Column(sa.String(20), nullable=False)  # dataset | column | filter | variable | sql
    target = sa.Column(sa.String(500), nullable=True)
    message = sa.Column(sa.Text, nullable=False)
    suggested_fix = sa.Column(sa.Text, nullable=True)
    # The Texts of message and suggested_fix (superset_review.extension.i18n); message stays their English.
    i18n = sa.Column(sa.JSON, nullable=True)
    status = sa.Column(sa.String(20), nullable=False, default="open")

    session = relationship("ReviewSession", back_populates="findings")

    @validates("target", "code")
    def _fits(self, key: str, value: str | None) -> str | None:
        return _fitted(self, key, value)


class ReviewEvent(ReviewModel):  # type: ignore[misc,valid-type]
    """Append-only: rows are inserted, never updated or deleted (but with their session)."""

    __tablename__ = "dataset_review_events"

    id = sa.Column(sa.Integer, primary_key=True)
    session_id = sa.Column(
        sa.Integer, sa.ForeignKey("dataset_review_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = sa.Column(sa.Integer, nullable=True)
    username = sa.Column(sa.String(255), nullable=True)
    action = sa.Column(sa.String(60), nullable=False)
    before = sa.Column(sa.JSON, nullable=True)
    after = sa.Column(sa.JSON, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=_now)

    session = relationship("ReviewSession", back_populates="events")


class ReviewRun(ReviewModel):  # type: ignore[misc,valid-type]
    """The immutable context of one launch: who, when, dataset, inputs, fingerprint, compiled SQL, SQL Lab link,
    outcome. Inserted once; an update or a delete is refused here and by database triggers (TRUNCATE too)."""

    __tablename__ = "dataset_review_runs"

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    session_id = sa.Column(sa.Integer, nullable=False, index=True)
    user_id = sa.Column(sa.Integer, nullable=True)
    username = sa.Column(sa.String(255), nullable=True)
    dataset_id = sa.Column(sa.Integer, nullable=True)
    database_id = sa.Column(sa.Integer, nullable=True)
    inputs = sa.Column(sa.JSON, nullable=False)
    fingerprint = sa.Column(sa.String(64), nullable=True)
    compiled_sql = sa.Column(sa.Text, nullable=True)
    sqllab_url = sa.Column(sa.Text, nullable=True)
    outcome = sa.Column(sa.String(20), nullable=False)
    error = sa.Column(sa.Text, nullable=True)
    i18n = sa.Column(sa.JSON, nullable=True)  # the Text of error
    created_on = sa.Column(sa.DateTime, nullable=False, default=_now)


class RunImmutableError(Exception):
    """A run context was about to be changed."""


@sa.event.listens_for(ReviewRun, "before_update")
def _refuse_run_update(mapper: object, connection: object, target: ReviewRun) -> None:
    raise RunImmutableError(f"run {target.id} is an audit record and cannot be changed")


@sa.event.listens_for(ReviewRun, "before_delete")
def _refuse_run_delete(mapper: object, connection: object, target: ReviewRun) -> None:
    raise RunImmutableError(f"run {target.id} is an audit record and cannot be deleted")
