"""The quarantine of a run's migration: rows that failed a transform or a validation, kept in the target database
beside the staging table with masked previews (the engine's). Reading it needs the run; retrying (after the
mapping was fixed: the rows go through the plan again on the next start) and releasing them (they are dropped from
the migration, said in the ledger) need ``can_migrate``. The CSV export is masked, as the list is."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration import execution
from superset_review.migration.commands.base import (
    bump,
    existing_migration,
    migration_event,
    require_migrate,
    wrong_state,
)
from superset_review.migration.models import ACTIVE_STATES, MigrationState, RunMigration
from superset_review.onboarding.commands.base import acting_user_id, visible_run
from superset_review.onboarding.models import OnboardingRun

RETRIED = "retried"
RELEASED = "released"
CSV_COLUMNS = ("id", "chunk_id", "key", "reason_codes", "masked_preview_before", "masked_preview_after", "diff",
               "created_at", "state")  # fmt: skip
# Cells a spreadsheet would run as a formula start with one of these: the export prefixes them with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ChangeQuarantineCommand(BaseCommand):
    """Retry or release quarantined rows (``ids``; None: every open row, for a retry only)."""

    def __init__(self, run_id: str, ids: list[int] | None, state: str) -> None:
        self._run_id = run_id
        self._ids = ids
        self._state = state
        self._run: OnboardingRun | None = None
        self._migration: RunMigration | None = None

    def validate(self) -> None:
        acting_user_id()
        require_migrate("retrying or releasing quarantined rows")
        run = visible_run(self._run_id, lock=True)
        migration = existing_migration(run, lock=True)
        if migration.state in ACTIVE_STATES or migration.state == MigrationState.PROMOTED.value:
            action = "release" if self._state == RELEASED else "retry"
            raise wrong_state(migration, action, "ready, failed, cancelled or rolled back")
        self._run, self._migration = run, migration

    @unit_of_work
    def run(self) -> tuple[RunMigration, list[int]]:
        self.validate()
        run, migration = self._run, self._migration
        assert run is not None and migration is not None
        changed = execution.quarantine_set_state(run, migration, self._ids, self._state)
        if self._ids is not None:
            missing = sorted(set(self._ids) - set(changed))
            if missing:
                raise ReviewError(
                    Text(
                        "quarantined row(s) %(ids)s of run %(run)s do not exist or are not open",
                        ids=", ".join(str(i) for i in missing[:20]),
                        run=run.run_id,
                    ),
                    ErrorCode.MIGRATION_NOT_FOUND,
                    details={"field": "ids", "missing": missing[:200]},
                )
        if self._state == RETRIED and changed and migration.state == MigrationState.READY.value:
            # Rows come back into the plan: what was validated is no longer the whole migration.
            migration.state = MigrationState.FAILED.value
        bump(migration)
        migration_event(run, "retry" if self._state == RETRIED else "release", subject="quarantine",
                        detail={"ids": changed[:500], "count": len(changed)})  # fmt: skip
        db.session.flush()
        return migration, changed


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def quarantine_csv(run_id: str) -> str:
    """Every quarantined row of the run's migration as CSV, masked as the list shows it."""
    run = visible_run(run_id)
    migration = existing_migration(run)
    rows = execution.quarantine_rows(run, migration)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()
