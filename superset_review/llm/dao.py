"""Reading and writing the ledger.

A row is written on its own connection and committed at once: the ledger must keep the row of a call even
when the caller's transaction is rolled back afterwards (a refused call is exactly such a case). That
connection is kept per thread, in autocommit: checking one out of the pool per call costs a liveness ping and
a transaction, which would be most of the gateway's own overhead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.llm.models import LlmLedgerEntry, _now

T = TypeVar("T")
_TABLE = LlmLedgerEntry.__table__
# One statement with bound parameters, compiled once: building `insert().values(**row)` per call costs more
# than the round trip itself.
_INSERT = _TABLE.insert()
_local = threading.local()


def _on_ledger_connection(action: Callable[[sa.engine.Connection], T]) -> T:
    """Run ``action`` on this thread's autocommit connection; reconnect once if it was dropped."""
    for attempt in (1, 2):
        connection: sa.engine.Connection | None = getattr(_local, "connection", None)
        if connection is None or connection.closed or getattr(_local, "engine", None) is not db.engine:
            connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if connection.dialect.name == "postgresql":
                # The row reaches the WAL at once and disk within wal_writer_delay (200 ms): waiting for the
                # fsync on every call would double the gateway's overhead; a crash can lose only that window.
                connection.execute(sa.text("SET synchronous_commit = off"))
            _local.connection, _local.engine = connection, db.engine
        try:
            return action(connection)
        except sa.exc.DBAPIError as ex:
            _local.connection = None
            if attempt == 2 or not ex.connection_invalidated:
                raise
    raise AssertionError("unreachable")


class LlmLedgerDAO(BaseDAO[LlmLedgerEntry]):
    @staticmethod
    def record(values: dict[str, Any]) -> int:
        row = {"created_on": _now(), **values}  # columns left out get their model defaults
        return _on_ledger_connection(lambda connection: int(connection.execute(_INSERT, row).inserted_primary_key[0]))

    @staticmethod
    def usage_today(stage: str) -> tuple[int, float]:
        """Tokens and USD spent by ``stage`` since midnight UTC (cache hits and refusals cost nothing)."""
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        table = LlmLedgerEntry.__table__
        query = sa.select(
            sa.func.coalesce(sa.func.sum(table.c.tokens_in + table.c.tokens_out), 0),
            sa.func.coalesce(sa.func.sum(table.c.cost_usd), 0),
        ).where(table.c.stage == stage, table.c.created_on >= midnight)
        row = _on_ledger_connection(lambda connection: tuple(connection.execute(query).one()))
        return int(row[0]), float(row[1])

    @staticmethod
    def recent_outcomes(model: str, within: timedelta = timedelta(minutes=15), limit: int = 5) -> list[str | None]:
        """Error codes (None for success) of the model's latest real calls, newest first."""
        table = LlmLedgerEntry.__table__
        query = (
            sa.select(table.c.error_code)
            .where(table.c.model == model, table.c.created_on >= _now() - within, table.c.cache_hit.is_(False))
            .where(table.c.outcome.in_(("ok", "error")))
            .order_by(table.c.id.desc())
            .limit(limit)
        )
        with db.engine.connect() as connection:
            return [row[0] for row in connection.execute(query)]

    @staticmethod
    def latest(limit: int = 100, **filters: Any) -> list[LlmLedgerEntry]:
        query = db.session.query(LlmLedgerEntry)
        for column, value in filters.items():
            if value is not None:
                query = query.filter(getattr(LlmLedgerEntry, column) == value)
        return list(query.order_by(LlmLedgerEntry.id.desc()).limit(limit))
