"""Writing to the journal (in the caller's transaction: a change and its entry commit together) and reading it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, has_app_context
from superset.extensions import db

from superset_review.journal.models import EntityType, JournalEntry

MAX_VALUE_CHARS = 4000  # an old or new value longer than this is kept cut, with a marker
MAX_HISTORY = 1000


def _bounded(value: Any) -> Any:
    """The value as the journal keeps it: JSON-shaped, a long text cut (a dataset's SQL, a catalog document)."""
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + "…"
    if isinstance(value, (dict, list)):
        import json

        text = json.dumps(value, sort_keys=True, default=str)
        if len(text) > MAX_VALUE_CHARS:
            return {"truncated": True, "json": text[:MAX_VALUE_CHARS]}
        return json.loads(text)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _current_actor() -> int | None:
    user = getattr(g, "user", None) if has_app_context() else None
    return getattr(user, "id", None)


class JournalDAO:
    @staticmethod
    def record(
        entity_type: EntityType,
        entity_id: str | int,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        source: str | None = None,
        actor_id: int | None = None,
    ) -> list[JournalEntry]:
        """One entry per field whose value changed (``changes`` maps field -> (old, new)); fields left as they were
        are not written. Flushed, not committed: the caller's unit of work commits it with the change. ``source``
        defaults to where this runs (``journal.source.current_source``: api, worker or cli)."""
        from superset_review.journal.source import current_source

        actor = actor_id if actor_id is not None else _current_actor()
        source = source if source is not None else current_source()
        entries = [
            JournalEntry(
                entity_type=entity_type.value,
                entity_id=str(entity_id)[:255],
                field=field[:255],
                old_value=_bounded(old),
                new_value=_bounded(new),
                actor_id=actor,
                source=source[:60],
            )
            for field, (old, new) in changes.items()
            if old != new
        ]
        db.session.add_all(entries)
        if entries:
            db.session.flush()
        return entries

    @staticmethod
    def history(entity_type: EntityType, entity_id: str, limit: int = 100) -> list[JournalEntry]:
        """The entity's entries, newest first."""
        rows: list[JournalEntry] = (
            db.session.query(JournalEntry)
            .filter(JournalEntry.entity_type == entity_type.value, JournalEntry.entity_id == entity_id)
            .order_by(JournalEntry.id.desc())
            .limit(min(limit, MAX_HISTORY))
            .all()
        )
        return rows

    @staticmethod
    def latest(limit: int = 100, entity_type: EntityType | None = None) -> list[JournalEntry]:
        """The newest entries of every entity (or of one type), newest first."""
        query = db.session.query(JournalEntry)
        if entity_type is not None:
            query = query.filter(JournalEntry.entity_type == entity_type.value)
        rows: list[JournalEntry] = query.order_by(JournalEntry.id.desc()).limit(min(limit, MAX_HISTORY)).all()
        return rows
