"""`superset-review review`: an automatic review, headless, against the Superset of a data directory."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from superset_review.embedded.errors import StackError


@contextmanager
def _services(data_dir: Path) -> Iterator[dict[str, str]]:
    """The environment of the stack `up` runs on ``data_dir``; its PostgreSQL and Redis are started for the
    duration of the command when `up` is not running, and stopped afterwards."""
    from superset_review.embedded.postgres import EXAMPLES_DB, METADATA_DB, start_postgres
    from superset_review.embedded.redis import start_redis
    from superset_review.embedded.stack import free_port, read_runtime, secret_key, superset_config_path

    if not (data_dir / "postgres" / "PG_VERSION").exists():
        raise StackError(f"no superset-review data in {data_dir}: run `superset-review up --data-dir {data_dir}` first")
    env = {"SUPERSET_SECRET_KEY": secret_key(data_dir)}
    if (running := read_runtime(data_dir)) is not None:
        yield {**env, **running}
        return
    postgres = start_postgres(data_dir / "postgres")
    redis = None
    try:
        redis = start_redis(data_dir / "redis", free_port(), data_dir / "logs" / "redis-review.log")
        yield {
            **env,
            "SUPERSET_CONFIG_PATH": str(superset_config_path()),
            "SUPERSET_HOME": str(data_dir / "superset_home"),
            "SUPERSET__SQLALCHEMY_DATABASE_URI": postgres.uri(METADATA_DB),
            "SUPERSET__SQLALCHEMY_EXAMPLES_URI": postgres.uri(EXAMPLES_DB),
            "SUPERSET_REDIS_URL": redis.url,
        }
    finally:
        if redis is not None:
            redis.stop()
        postgres.stop()


@contextmanager
def acting_in_stack(data_dir: Path | None, username: str | None) -> Iterator[None]:
    """Superset of the stack `up` serves from ``data_dir`` (default REVIEW_DATA_DIR), in process, acting as
    ``username`` (default REVIEW_ADMIN_USER) in an app and a request context: what the headless commands run in."""
    from superset_review.cli.main import _create_app, _fail, _settings

    settings = _settings()
    data_dir = (data_dir or Path(str(settings["REVIEW_DATA_DIR"]))).resolve()
    username = username or str(settings["REVIEW_ADMIN_USER"])
    with _services(data_dir) as env:
        os.environ.update(env)
        os.environ.setdefault("REVIEW_DATA_DIR", str(data_dir))
        with contextlib.redirect_stdout(sys.stderr):  # Superset announces its config on stdout: keep it for the output
            app = _create_app()
        from superset.extensions import security_manager
        from superset.utils.core import override_user

        with app.app_context(), app.test_request_context():
            user = security_manager.find_user(username=username)
            if user is None:
                _fail(f"no Superset user {username!r}: pass --user with an existing user name")
            with override_user(user):
                yield


@click.command()
@click.argument("source")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The data directory of `superset-review up` (default: REVIEW_DATA_DIR or ./.superset-review).",
)
@click.option("--user", "username", default=None, help="Review as this Superset user (default: REVIEW_ADMIN_USER).")
@click.option("--dataset-id", type=int, default=None, help="Which of a dashboard's datasets to review.")
@click.option("--format", "output_format", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the export here (default: stdout).")
def review(
    source: str, data_dir: Path | None, username: str | None, dataset_id: int | None, output_format: str,
    out: Path | None,
) -> None:  # fmt: skip
    """Review LINK_OR_DATASET_ID automatically and write the export, for scripts and CI."""
    from superset_review.cli.main import _fail

    with acting_in_stack(data_dir, username):
        from superset_review.sessions.commands.start import StartReviewSessionCommand
        from superset_review.sessions.exceptions import ReviewSessionError
        from superset_review.sessions.export import export_json, export_markdown

        try:
            session = StartReviewSessionCommand(source, dataset_id).run()
        except ReviewSessionError as error:
            _fail(f"{error.message} ({error.code})")
        text = (
            export_markdown(session) if output_format != "json" else json.dumps(export_json(session), indent=2) + "\n"
        )
        blocking = sum(1 for finding in session.findings if finding.severity == "blocking")
        session_id = session.id
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        click.echo(f"review {session_id} written to {out} ({blocking} blocking finding(s))", err=True)
    sys.exit(1 if blocking else 0)
