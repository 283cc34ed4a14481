"""The extension's alembic history: its own version table, on an empty database and twice in a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text

from superset_review.extension.migrations import VERSION_TABLE, review_head, review_revision, upgrade_review
from tests.conftest import run_cli
from tests.services import Services


def test_migrations_on_an_empty_database_and_twice(services: Services) -> None:
    services.postgres.ensure_database("migrations_empty")
    engine = create_engine(services.postgres.uri("migrations_empty"))
    with engine.connect() as conn:
        conn.execute(text("DROP EXTENSION IF EXISTS vector"))
        conn.execute(text("COMMIT"))
    try:
        assert review_revision(engine) is None
        assert upgrade_review(engine) is True
        assert review_revision(engine) == review_head()
        tables = set(inspect(engine).get_table_names())
        assert VERSION_TABLE in tables
        assert "alembic_version" not in tables, "Superset's version table is never touched"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).scalar() == 1
            before = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        assert upgrade_review(engine) is False
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all() == before
    finally:
        engine.dispose()


def test_both_histories_side_by_side(app: Any) -> None:
    from superset.extensions import db

    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            superset_version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            review_version = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    assert {"alembic_version", VERSION_TABLE, "dashboards", "tables"} <= tables
    assert review_version == review_head()
    assert superset_version and superset_version != review_version


def test_init_reports_what_it_did_then_nothing(initialized: Any, service_env: dict[str, str]) -> None:
    assert "Superset migrations" in initialized.stdout and "applied" in initialized.stdout
    second = run_cli(["init"], service_env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Nothing to do: everything was up to date." in second.stdout
    assert "applied" not in second.stdout


def test_init_with_unreachable_database_says_what_to_fix(service_env: dict[str, str], tmp_path: Any) -> None:
    env = {
        **service_env,
        "SUPERSET__SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg2://postgres@/nowhere?host={tmp_path}",
    }
    result = run_cli(["init"], env, timeout=120)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("superset-review: cannot reach the metadata database")
    assert "SQLALCHEMY_DATABASE_URI" in last


def test_models_match_the_migrations(app: Any) -> None:
    """What the code maps is what the migrations built: alembic's autogenerate finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from superset.extensions import db

    import superset_review.domains.models
    import superset_review.journal.models
    import superset_review.llm.models
    import superset_review.migration.models
    import superset_review.onboarding.models
    import superset_review.safe_views.models
    import superset_review.sessions.models
    import superset_review.tasks.models
    import superset_review.tools.models  # noqa: F401
    from superset_review.extension.models import ReviewModel

    ours = set(ReviewModel.metadata.tables)
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, _: kind != "table" or name in ours}
        )
        diff = compare_metadata(context, ReviewModel.metadata)
    assert diff == []


def test_task_states_left_on_reviews_before_the_task_table_are_dropped(services: Services) -> None:
    """A review that a worker left "running" in its context (the old place of task states) reads without it after
    0009, with its version unchanged."""
    import json

    services.postgres.ensure_database("migrations_tasks")
    engine = create_engine(services.postgres.uri("migrations_tasks"))
    try:
        upgrade_review(engine, "0008_tasks")
        context = {"status": "complete", "tasks": {"t1": {"kind": "profile", "state": "running"}}}
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO dataset_review_sessions (uuid, owner_id, source_kind, source, title, state, readiness, "
                "context, profile, archived, version, created_on, changed_on) VALUES ('u1', 1, 'dataset', '1', 't', "
                "'review_ready', 0, CAST(:context AS json), '{}', false, 7, now(), now())"
            ), {"context": json.dumps(context)})  # fmt: skip
        upgrade_review(engine)
        with engine.connect() as conn:
            stored, version = conn.execute(text("SELECT context, version FROM dataset_review_sessions")).one()
        assert stored == {"status": "complete"} and version == 7
    finally:
        engine.dispose()
