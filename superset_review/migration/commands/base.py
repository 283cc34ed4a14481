"""What the migration commands share: the run and its migration the user may see (a run's visibility is
onboarding's: its owner, or ``can_admin``), ``can_migrate``, the ledger event of each decision, the record's
version, its message kept translatable, and the task subject."""

from __future__ import annotations

from typing import Any

from superset.extensions import security_manager

from superset_review.extension.constants import MIGRATE, VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text, texts_of
from superset_review.migration.dao import MigrationDAO
from superset_review.migration.models import MIGRATION_STAGE, RunMigration
from superset_review.onboarding.commands.base import record_event
from superset_review.onboarding.models import OnboardingRun, RunEvent

TASK_KIND = "migration"


def migration_subject(run_id: str) -> str:
    return f"migration:{run_id}"


def may_migrate() -> bool:
    return bool(security_manager.can_access(f"can_{MIGRATE}", VIEW_MENU))


def require_migrate(action: str) -> None:
    """403 for a user without can_migrate (the API's permission says it first; the CLI and tasks meet it here)."""
    if not may_migrate():
        raise ReviewError(
            Text("%(action)s needs the permission can_migrate on DatasetReview (ask an admin)", action=action),
            ErrorCode.FORBIDDEN,
        )


def no_migration(run_id: str) -> ReviewError:
    return ReviewError(
        Text("run %(run)s has no migration: start one (POST .../migration)", run=run_id), ErrorCode.MIGRATION_NOT_FOUND
    )


def existing_migration(run: OnboardingRun, *, lock: bool = False) -> RunMigration:
    migration = MigrationDAO.of_run(run, lock=lock)
    if migration is None:
        raise no_migration(run.run_id)
    return migration


def bump(migration: RunMigration) -> None:
    migration.version = int(migration.version or 0) + 1


def set_message(migration: RunMigration, code: str | None, message: str | None) -> None:
    """The record's error code and message; a Text is kept so that each reader gets it in their language."""
    migration.error_code = code
    migration.message = str(message)[:4000] if message is not None else None
    migration.i18n = texts_of(message=message) or None


def wrong_state(migration: RunMigration, action: str, wanted: str) -> ReviewError:
    return ReviewError(
        Text(
            "the migration of run %(run)s is %(state)s: %(action)s needs it %(wanted)s",
            run=migration.run_id,
            state=migration.state,
            action=action,
            wanted=wanted,
        ),
        ErrorCode.MIGRATION_STATE,
        details={"state": migration.state},
    )


def migration_event(
    run: OnboardingRun,
    action: str,
    *,
    subject: str | None = None,
    inputs_hash: str | None = None,
    outputs_hash: str | None = None,
    detail: dict[str, Any] | None = None,
) -> RunEvent:
    """An append-only event of the migration in the run's ledger (stage ``migration``), in the caller's
    transaction."""
    return record_event(
        run,
        MIGRATION_STAGE,
        action[:20],
        subject=subject,
        inputs_hash=inputs_hash,
        outputs_hash=outputs_hash,
        detail=detail,
    )
