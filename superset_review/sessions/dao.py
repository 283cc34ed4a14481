from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.adapters.datasets import may_read
from superset_review.domains.live import catalog_stamp
from superset_review.sessions.exceptions import ReviewSessionNotFoundError
from superset_review.sessions.models import ReviewEvent, ReviewSession
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import session_subject


class ReviewSessionDAO(BaseDAO[ReviewSession]):
    @staticmethod
    def get_visible(session_id: int, user_id: int, is_admin: bool, approver: bool = False) -> ReviewSession:
        """The session when ``user_id`` owns it (or is an admin), or, for an ``approver`` (a holder of can_approve),
        when they may read its dataset; otherwise not found, never forbidden."""
        session: ReviewSession | None = db.session.get(ReviewSession, session_id)
        if session is None or not (
            session.owner_id == user_id or is_admin or (approver and may_read(session.dataset_id))
        ):
            raise ReviewSessionNotFoundError(session_id)
        return session

    @staticmethod
    def check_visible(session_id: int, user_id: int, is_admin: bool, approver: bool = False) -> None:
        """``get_visible``'s check without loading the session (one small query): what every request on a session
        passes before its body is read, so that a session the user may not see answers 404 whatever the body."""
        sessions = ReviewSession.__table__
        row = db.session.execute(
            sa.select(sessions.c.owner_id, sessions.c.dataset_id).where(sessions.c.id == session_id)
        ).one_or_none()
        if row is None or not (row.owner_id == user_id or is_admin or (approver and may_read(row.dataset_id))):
            raise ReviewSessionNotFoundError(session_id)

    @staticmethod
    def document_key(session_id: int, user_id: int, is_admin: bool, approver: bool = False) -> str:
        """A key that changes whenever the session document does (its version moves with every write of the session
        row; events may be appended alone), after the same visibility check as ``get_visible``. A few small queries,
        no ORM load: what a reader polling an unchanged session pays."""
        sessions, events = ReviewSession.__table__, ReviewEvent.__table__
        row = db.session.execute(
            sa.select(sessions.c.owner_id, sessions.c.version, sessions.c.dataset_id).where(sessions.c.id == session_id)
        ).one_or_none()
        if row is None or not (row.owner_id == user_id or is_admin or (approver and may_read(row.dataset_id))):
            raise ReviewSessionNotFoundError(session_id)
        last_event = db.session.execute(
            sa.select(sa.func.max(events.c.id)).where(events.c.session_id == session_id)
        ).scalar()
        # The document lists the session's tasks: a task whose worker died is failed first, then any change of
        # them (state, progress) changes the key.
        subject = session_subject(session_id)
        ReviewTaskDAO.fail_orphans(subject)
        # Domains in the document (candidates, PII) are the live catalog's: a promotion changes the key.
        catalog_version, _ = catalog_stamp()
        return f"{session_id}:{row.version}:{last_event or 0}:{ReviewTaskDAO.stamp(subject)}:{catalog_version}"

    @staticmethod
    def dataset_of(session_id: int) -> int | None:
        dataset_id: int | None = db.session.execute(
            sa.select(ReviewSession.dataset_id).where(ReviewSession.id == session_id)
        ).scalar()
        return dataset_id

    @staticmethod
    def list_owned(user_id: int, include_archived: bool = False) -> list[ReviewSession]:
        query = db.session.query(ReviewSession).filter(ReviewSession.owner_id == user_id)
        if not include_archived:
            query = query.filter(ReviewSession.archived.is_(False))
        return list(query.order_by(ReviewSession.changed_on.desc()))

    @staticmethod
    def add_event(session: ReviewSession, user: Any, action: str, before: Any = None, after: Any = None) -> ReviewEvent:
        event = ReviewEvent(
            session=session,
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", None),
            action=action,
            before=before,
            after=after,
        )
        db.session.add(event)
        return event
