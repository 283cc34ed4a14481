"""Archive and delete: ownership first (404 for others), then the optimistic version check (409)."""

from __future__ import annotations

from flask import g
from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionConflictError
from superset_review.sessions.models import ReviewSession


class OwnedSessionCommand(BaseCommand):
    """Ownership first (404 for others, unless admin), then the caller's version (409 when stale)."""

    def __init__(self, session_id: int, is_admin: bool, expected_version: int | None = None) -> None:
        self._session_id = session_id
        self._is_admin = is_admin
        self._expected_version = expected_version
        self._session: ReviewSession | None = None

    def validate(self) -> None:
        self._session = ReviewSessionDAO.get_visible(self._session_id, g.user.id, self._is_admin)
        if self._expected_version is not None and self._session.version != self._expected_version:
            raise ReviewSessionConflictError(self._expected_version, self._session.version)


class ArchiveReviewSessionCommand(OwnedSessionCommand):
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        before = {"archived": self._session.archived}
        self._session.archived = True
        ReviewSessionDAO.add_event(self._session, g.user, "session.archived", before=before, after={"archived": True})
        db.session.commit()
        return self._session


class DeleteReviewSessionCommand(OwnedSessionCommand):
    def run(self) -> None:
        self.validate()
        db.session.delete(self._session)
        db.session.commit()
