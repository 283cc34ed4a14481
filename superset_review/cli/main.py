"""`superset-review`: up, init, check (and, for `up` only, the hidden prepare step)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click
from flask import Flask

from superset_review.embedded.errors import StackError
from superset_review.extension.redact import redact
from superset_review.extension.settings import SETTINGS_BY_KEY, ReviewConfigError, resolve_settings, shown_value


def _settings() -> dict[str, object]:
    """The REVIEW_* values from the environment (superset_config.py values are checked when Superset starts)."""
    return resolve_settings({}, os.environ)


def _fail(message: str) -> None:
    """Stop with one line; whatever it quotes (a driver's error, a URL) is printed without credentials or secrets."""
    secrets = [os.environ.get(key, "") for key, setting in SETTINGS_BY_KEY.items() if setting.secret]
    message = redact(message, secrets)
    click.echo(message if message.startswith("superset-review:") else f"superset-review: {message}", err=True)
    sys.exit(2)


@click.group()
def cli() -> None:
    """superset-review: dataset review sessions inside Apache Superset 6.1."""


@cli.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where PostgreSQL, Redis and logs live (default: REVIEW_DATA_DIR or ./.superset-review).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8088,
    show_default=True,
    help="Port of Superset's web server on 127.0.0.1.",
)
@click.option("--no-examples", is_flag=True, help="Do not load the curated examples on the first start.")
@click.option(
    "--admin-user", default=None, help="Admin created on the first start (default: REVIEW_ADMIN_USER or admin)."
)
@click.option("--admin-password", default=None, help="Its password (default: REVIEW_ADMIN_PASSWORD or admin).")
@click.option("--mcp", "with_mcp", is_flag=True, help="Also start Superset's MCP service with the extension's tools.")
@click.option(
    "--mcp-port", type=click.IntRange(1, 65535), default=5008, show_default=True, help="Port of the MCP service."
)
@click.option(
    "--one-worker",
    is_flag=True,
    help="One Celery worker for every lane (REVIEW_WORKER_CONCURRENCY threads) instead of one per lane: less memory.",
)
def up(
    data_dir: Path | None,
    port: int,
    no_examples: bool,
    admin_user: str | None,
    admin_password: str | None,
    with_mcp: bool,
    mcp_port: int,
    one_worker: bool,
) -> None:
    """Start embedded PostgreSQL (pgvector), Redis, a Celery worker per lane (restarted when one dies) and Superset
    with the extension (and, with --mcp, Superset's MCP service)."""
    from superset_review.embedded.stack import StackOptions, run_stack
    from superset_review.migration.lanes import parse_lane_concurrency

    settings = _settings()
    options = StackOptions(
        data_dir=(data_dir or Path(str(settings["REVIEW_DATA_DIR"]))).resolve(),
        port=port,
        with_examples=not no_examples,
        admin_user=admin_user or str(settings["REVIEW_ADMIN_USER"]),
        admin_password=admin_password or str(settings["REVIEW_ADMIN_PASSWORD"]),
        worker_concurrency=int(str(settings["REVIEW_WORKER_CONCURRENCY"])),
        lane_concurrency=parse_lane_concurrency(settings["REVIEW_LANE_CONCURRENCY"]),
        one_worker=one_worker,
        mcp_port=mcp_port if with_mcp else None,
    )
    sys.exit(run_stack(options, out=lambda line: click.echo(line)))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--lane",
    type=click.Choice(["interactive_fast", "flex_bg", "batch_jobs"]),
    required=True,
    help="The lane whose queues the worker consumes.",
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "threads"]),
    default="prefork",
    show_default=True,
    help="Celery's pool: prefork (processes) on a server, threads on a laptop.",
)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(lane: str, pool: str, celery_args: tuple[str, ...]) -> None:
    """Run the Celery worker of one lane: its queues, REVIEW_LANE_CONCURRENCY's slots for it, and any further Celery
    worker options (e.g. -O fair). Replaces this process with Celery's, so the PID is the worker's."""
    from superset_review.migration.lanes import Lane, lane_worker_command, parse_lane_concurrency

    concurrency = parse_lane_concurrency(_settings()["REVIEW_LANE_CONCURRENCY"])[lane]
    command = [*lane_worker_command(Lane(lane), concurrency, pool), *celery_args]
    os.execv(command[0], command)  # noqa: S606 - our own interpreter with arguments built above, no shell


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the MCP service listens on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5008, show_default=True, help="Its port.")
def mcp(host: str, port: int) -> None:
    """Serve Superset's MCP service (streamable HTTP at /mcp) with the extension's governed tools beside Superset's.

    Authentication is Superset's: MCP_AUTH_ENABLED with MCP_JWT_* in superset_config.py (see the README)."""
    if not os.environ.get("SUPERSET_CONFIG_PATH") and not _importable("superset_config"):
        _fail("no Superset configuration: set SUPERSET_CONFIG_PATH to a superset_config.py that wires the extension in")
    from superset_review.embedded.stack import check_port_free

    try:
        check_port_free(port)
    except StackError as ex:
        _fail(str(ex))
    from superset_review.adapters.mcp import serve

    serve(host, port)


def _create_app() -> Flask:
    if not os.environ.get("SUPERSET_CONFIG_PATH") and not _importable("superset_config"):
        _fail("no Superset configuration: set SUPERSET_CONFIG_PATH to a superset_config.py that wires the extension in")
    from superset.app import create_app

    # Superset logs a failed start with a full traceback; for an unreachable service one line says more.
    app_logger = logging.getLogger("superset.app")
    app_logger.disabled = True
    try:
        app: Flask = create_app()
        return app
    except Exception as ex:
        if line := unreachable_service(ex):
            _fail(line)
        raise
    finally:
        app_logger.disabled = False


def unreachable_service(ex: BaseException) -> str | None:
    """One line for a start that failed because PostgreSQL or Redis cannot be reached, else None."""
    import redis
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.exc import OperationalError

    seen: BaseException | None = ex
    while seen is not None:
        if isinstance(seen, OperationalError):
            from superset import config

            where = make_url(config.SQLALCHEMY_DATABASE_URI).render_as_string(hide_password=True)
            reason = (str(seen.orig).strip().splitlines() or [type(seen.orig).__name__])[0]
            return f"cannot reach the metadata database {where}: {reason}. Check SQLALCHEMY_DATABASE_URI"
        if isinstance(seen, redis.ConnectionError):
            return f"cannot reach Redis: {seen}. Check SUPERSET_REDIS_URL / CELERY_CONFIG"
        seen = seen.__cause__ or seen.__context__
    return None


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def _check_metadata_db(app: Flask) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine.url import make_url
    from superset.extensions import db

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as ex:  # noqa: BLE001 - any failure to connect is reported in one line
        where = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        reason = (str(getattr(ex, "orig", ex)).strip().splitlines() or [type(ex).__name__])[0]
        _fail(f"cannot reach the metadata database {where}: {reason}. Check SQLALCHEMY_DATABASE_URI")


@cli.command()
def init() -> None:
    """Apply Superset's migrations and init where needed, then the extension's migrations. Idempotent."""
    app = _create_app()
    from superset_review.extension.install import initialize

    with app.app_context():
        _check_metadata_db(app)
        report = initialize()
    for line in report.lines():
        click.echo(line)
    click.echo("Changed." if report.changed else "Nothing to do: everything was up to date.")


@cli.command(hidden=True)
@click.option("--admin-user", required=True)
@click.option("--examples", is_flag=True)
def prepare(admin_user: str, examples: bool) -> None:
    """Bootstrap step of `up`, run in its own process so the web server starts from a migrated database."""
    app = _create_app()
    from superset_review.embedded.bootstrap import bootstrap

    password = str(_settings()["REVIEW_ADMIN_PASSWORD"])
    with app.app_context():
        _check_metadata_db(app)
        report = bootstrap(admin_user, password, with_examples=examples)
    for line in report.init.lines():
        click.echo(line)
    click.echo(f"admin user {admin_user}: {'created' if report.admin_created else 'kept'}")
    click.echo(f"examples: {', '.join(report.examples) or 'none'}")


@cli.command()
def check() -> None:
    """Check every REVIEW_* value in the environment; prints each key with its value (secrets as ***, URLs without
    their credentials)."""
    settings = _settings()
    for key in SETTINGS_BY_KEY:
        click.echo(f"{key} = {shown_value(key, settings[key])}")


from superset_review.cli.pii import pii  # noqa: E402

cli.add_command(pii)

from superset_review.cli.review import review  # noqa: E402

cli.add_command(review)

from superset_review.cli.domains import domains  # noqa: E402

cli.add_command(domains)

from superset_review.cli.onboard import onboard  # noqa: E402

cli.add_command(onboard)

from superset_review.cli.migrate import migrate  # noqa: E402

cli.add_command(migrate)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    try:
        cli(standalone_mode=True)
    except ReviewConfigError as ex:
        _fail(ex.message)
    except StackError as ex:
        _fail(str(ex))


if __name__ == "__main__":
    main()
