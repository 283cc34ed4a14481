"""Reading and writing the ledger.

A row is written on its own connection and committed at once: the ledger must keep the row of a call even
when the caller's transaction is rolled back afterwards (a refused call is exactly such a case).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.llm.models import LlmLedgerEntry, _now


class LlmLedgerDAO(BaseDAO[LlmLedgerEntry]):
    @staticmethod
    def record(values: dict[str, Any]) -> int:
        row = {"created_on": _now(), **values}
        with db.engine.begin() as connection:
            result = connection.execute(sa.insert(LlmLedgerEntry.__table__).values(**row))
            return int(result.inserted_primary_key[0])

    @staticmethod
    def usage_today(stage: str) -> tuple[int, float]:
        """Tokens and USD spent by ``stage`` since midnight UTC (cache hits and refusals cost nothing)."""
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        table = LlmLedgerEntry.__table__
        query = sa.select(
            sa.func.coalesce(sa.func.sum(table.c.tokens_in + table.c.tokens_out), 0),
            sa.func.coalesce(sa.func.sum(table.c.cost_usd), 0),
        ).where(table.c.stage == stage, table.c.created_on >= midnight)
        with db.engine.connect() as connection:
            tokens, usd = connection.execute(query).one()
        return int(tokens), float(usd)

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
