"""`superset-review migrate`: start (or resume) a run's migration against the Superset of a data directory.

The migration runs in this process, as the given user, through the same commands as the API and the worker (the
pre-flight, the ledger, the engine's checkpointed chunks): a worker of the stack may take chunks of the same run at
the same time (a chunk's lease settles who writes it). A migration a worker is running already is followed until it
ends. ``--follow`` draws a progress bar on stderr (chunks done of the total, rows per second); ``--promote`` promotes
a migration whose validations all passed (``can_migrate``). The summary is printed last.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import click

EXIT_NOT_READY = 1
FOLLOW_POLL_SECONDS = 0.5
FOLLOW_TIMEOUT_SECONDS = 24 * 3600
BAR_WIDTH = 30
GOOD_STATES = ("planned", "ready", "promoted")


def summary(migration: Any) -> dict[str, Any]:
    """What the command ends with (its JSON form)."""
    return {
        "run_id": migration.run_id,
        "state": migration.state,
        "strategy": migration.strategy,
        "rows_in": int(migration.rows_in or 0),
        "rows_out": int(migration.rows_out or 0),
        "quarantined": int(migration.quarantined or 0),
        "chunks": int(migration.chunks_total or 0),
        "chunks_done": int(migration.chunks_done or 0),
        "validations": list(migration.validations or []),
        "staging_table": migration.staging_table,
        "final_table": migration.final_table,
        "dataset_id": migration.dataset_id,
        "error_code": migration.error_code,
        "message": migration.message,
    }


def summary_text(document: dict[str, Any]) -> str:
    lines = [
        f"migration of run {document['run_id']}: {document['state']} ({document['strategy'] or '-'})",
        f"  chunks {document['chunks_done']}/{document['chunks']}, rows in {document['rows_in']}, rows out "
        f"{document['rows_out']}, quarantined {document['quarantined']}",
    ]
    for validation in document["validations"]:
        lines.append(f"  {validation.get('check')}: {validation.get('state')}")
    if document["final_table"]:
        lines.append(f"  final table {document['final_table']}, dataset {document['dataset_id'] or '-'}")
    if document["error_code"]:
        lines.append(f"  {document['error_code']}: {document['message']}")
    return "\n".join(lines) + "\n"


class ProgressBar:
    """One line on a terminal (redrawn), one line per change elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._started = time.monotonic()
        self._last: tuple[int, int, int] | None = None

    def draw(self, done: int, total: int, rows: int) -> None:
        if self._last == (done, total, rows):
            return
        self._last = (done, total, rows)
        filled = BAR_WIDTH * done // total if total else 0
        elapsed = max(time.monotonic() - self._started, 1e-6)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"[{bar}] {done}/{total} chunks, {rows} rows, {rows / elapsed:,.0f} rows/s"
        if self._out.isatty():
            self._out.write(f"\r{line}")
        else:
            self._out.write(f"{line}\n")
        self._out.flush()

    def close(self) -> None:
        if self._last is not None and self._out.isatty():
            self._out.write("\n")
            self._out.flush()


def _follow_worker(run_id: str, bar: ProgressBar | None) -> None:
    """Wait for a migration a worker runs to leave the active states (reading the record as the worker writes it)."""
    from superset.extensions import db

    from superset_review.migration.dao import MigrationDAO
    from superset_review.migration.models import ACTIVE_STATES

    deadline = time.monotonic() + FOLLOW_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot each time
        migration = MigrationDAO.by_run_id(run_id)
        if migration is None or migration.state not in ACTIVE_STATES:
            return
        if bar is not None:
            bar.draw(int(migration.chunks_done or 0), int(migration.chunks_total or 0), int(migration.rows_in or 0))
        time.sleep(FOLLOW_POLL_SECONDS)


def migrate_run(run_id: str, *, follow: bool, promote: bool, err: TextIO = sys.stderr) -> Any:
    """Start or resume the migration of ``run_id`` and run it here (or follow the worker running it); promote it when
    asked and ready. Returns the migration as it ends. Runs inside the app and request context, as the acting user."""
    from superset.extensions import db

    from superset_review.extension.errors import ErrorCode, ReviewError
    from superset_review.migration.commands.execute import ExecuteMigrationCommand, worker_name
    from superset_review.migration.commands.lifecycle import PromoteMigrationCommand
    from superset_review.migration.commands.start import StartMigration, StartMigrationCommand
    from superset_review.migration.dao import MigrationDAO
    from superset_review.migration.execution import Progress
    from superset_review.migration.models import MigrationState

    bar = ProgressBar(err) if follow else None
    try:
        try:
            _, migration = StartMigrationCommand(run_id, StartMigration()).run()
            started = True
        except ReviewError as error:
            promoted = error.code == ErrorCode.MIGRATION_STATE and error.details.get("state") == "promoted"
            if error.code != ErrorCode.MIGRATION_RUNNING and not promoted:
                raise
            started = False  # a worker runs it (followed below), or it is promoted already (said as it is)
        if started and migration.state == MigrationState.QUEUED.value:

            def report(progress: Progress) -> None:
                if bar is not None:
                    bar.draw(progress.chunks_done, progress.chunks_total, progress.rows_in)

            ExecuteMigrationCommand(run_id, None, f"cli:{worker_name()}", report=report).run()
        elif not started:
            _follow_worker(run_id, bar)
    finally:
        if bar is not None:
            bar.close()
    db.session.rollback()
    ended = MigrationDAO.by_run_id(run_id)
    assert ended is not None
    if promote and ended.state == MigrationState.READY.value:
        return PromoteMigrationCommand(run_id, True).run()
    return ended


@click.command()
@click.argument("run_id")
@click.option("--follow", is_flag=True, help="Show a progress bar (on stderr) while the migration runs.")
@click.option("--promote", is_flag=True, help="Promote the migration once every validation passed (can_migrate).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The data directory of `superset-review up` (default: REVIEW_DATA_DIR or ./.superset-review).",
)
@click.option("--user", "username", default=None, help="Run as this Superset user (default: REVIEW_ADMIN_USER).")
def migrate(
    run_id: str, follow: bool, promote: bool, output_format: str, data_dir: Path | None, username: str | None
) -> None:
    """Start (or resume) the migration of onboarding run RUN_ID and run it to its end; prints the summary (exit 1
    when it failed, was cancelled, or --promote found it not ready)."""
    from superset_review.cli.main import _fail
    from superset_review.cli.review import acting_in_stack

    with acting_in_stack(data_dir, username):
        from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError
        from superset_review.extension.errors import ReviewError
        from superset_review.extension.i18n import message_of

        try:
            document = summary(migrate_run(run_id, follow=follow, promote=promote))
        except ReviewError as error:
            _fail(f"{error.message} ({error.code})")
        except (DatasetNotFoundError, DatasetAccessError) as error:
            _fail(f"{message_of(error)}")
    text = json.dumps(document, indent=2, default=str) + "\n" if output_format == "json" else summary_text(document)
    sys.stdout.write(text)
    wanted = ("promoted",) if promote else GOOD_STATES
    sys.exit(0 if document["state"] in wanted else EXIT_NOT_READY)
