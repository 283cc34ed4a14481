"""The base of every command on one review session, and archive and delete.

Ownership first (404 for others), then the optimistic version check (409). Each command's ``run()`` is one unit of
work (``unit_of_work``): its writes, its event and any Superset command it calls commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm.exc import StaleDataError
from superset.commands.base import BaseCommand
from superset.extensions import db, security_manager
from superset.utils.core import override_user
from superset.utils.decorators import transaction

from superset_review.extension.i18n import Text
from superset_review.extension.transaction import reraise_as_is
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionConflictError, ReviewSessionError
from superset_review.sessions.models import ReviewSession

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="OwnedSessionCommand")


def unit_of_work(run: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], R]:
    """``run()`` in Superset's ``@transaction``: one commit at the end, a rollback on any error, and a Superset
    command called inside joins it instead of committing on its own. A write that lost a race on the session's
    version (``StaleDataError`` from its ``version_id_col``) is the 409 of a stale version, with the current one."""
    atomic = transaction(on_error=reraise_as_is)(run)

    @wraps(run)
    def wrapped(self: C, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result: R = atomic(self, *args, **kwargs)
        except StaleDataError as error:
            raise self.conflict() from error
        return result

    return cast(Callable[Concatenate[C, P], R], wrapped)


def end_read() -> None:
    """End the transaction that read the review (nothing was written): before a slow call (a profiling query, an
    LLM call) no snapshot or row of the review is held; what the call returns is saved by a unit of work that reads
    the review again."""
    db.session.rollback()


@contextmanager
def owners_rights(session: ReviewSession) -> Iterator[None]:
    """Inside, Superset sees the review's owner as the current user: rows read for a review are the rows its owner
    may see (their dataset access, their row-level security), whoever acts on it (an admin, a worker)."""
    if session.owner_id == g.user.id:
        yield
        return
    owner = security_manager.get_user_by_id(session.owner_id)
    if owner is None:
        raise ReviewSessionError(
            Text("The owner of review %(session)s no longer exists: its data cannot be read for it.",
                 session=session.id),
            code="OWNER_MISSING",
        )  # fmt: skip
    with override_user(owner):
        yield


class OwnedSessionCommand(BaseCommand):
    """Ownership first (404 for others, unless admin), then the caller's version (409 when stale)."""

    # Whether a holder of can_approve who is not the owner may act, when they may read the session's dataset.
    approver_may_act = False

    def __init__(self, session_id: int, is_admin: bool, expected_version: int | None = None) -> None:
        self._session_id = session_id
        self._is_admin = is_admin
        self._expected_version = expected_version
        self._session: ReviewSession | None = None
        self._loaded_version: int | None = None

    def validate(self) -> None:
        self._session = ReviewSessionDAO.get_visible(
            self._session_id, g.user.id, self._is_admin, approver=self.approver_may_act
        )
        self._loaded_version = self._session.version
        if self._expected_version is not None and self._session.version != self._expected_version:
            raise ReviewSessionConflictError(self._expected_version, self._session.version)

    def conflict(self) -> ReviewSessionConflictError:
        """The 409 of a write that another one overtook (the transaction is rolled back): the version this command
        worked on and the session's current one."""
        current = db.session.execute(
            sa.select(ReviewSession.version).where(ReviewSession.id == self._session_id)
        ).scalar()
        expected = self._expected_version if self._expected_version is not None else self._loaded_version
        return ReviewSessionConflictError(expected or 0, current or 0)


class ArchiveReviewSessionCommand(OwnedSessionCommand):
    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        before = {"archived": self._session.archived}
        self._session.archived = True
        ReviewSessionDAO.add_event(self._session, g.user, "session.archived", before=before, after={"archived": True})
        return self._session


class DeleteReviewSessionCommand(OwnedSessionCommand):
    @unit_of_work
    def run(self) -> None:
        self.validate()
        db.session.delete(self._session)
