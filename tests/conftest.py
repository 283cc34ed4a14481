"""Boot real services once per session: embedded PostgreSQL and Redis, `superset-review init`, a Superset app
with the extension, and (for tests that ask) a Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.leaks import SENSITIVE, SENT, find_leaks
from tests.services import REPO, Services, running_services, running_worker

ARTIFACTS = REPO / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "raw_values_allowed(reason): the test sends raw values to a model on purpose; the leak check leaves its "
        "requests out",
    )


@pytest.fixture(autouse=True)
def _leak_record_names_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each prompt a stub receives is recorded with the test that was running (and whether it allows raw values)."""
    marker = request.node.get_closest_marker("raw_values_allowed")
    SENT.running(request.node.nodeid, str(marker.args[0]) if marker and marker.args else None)
    yield
    SENT.running("(between tests)", None)


@pytest.fixture(scope="session", autouse=True)
def no_redacted_value_reached_a_model() -> Iterator[None]:
    """At the end of the session: no raw value of a personal-data column of the tables the tests created reached any
    LLM stub, in any test (see ``tests/leaks.py``)."""
    yield
    leaks = find_leaks(SENT, SENSITIVE)
    assert not leaks, f"{len(leaks)} raw value(s) of redacted columns reached an LLM stub:\n" + "\n".join(
        str(leak) for leak in leaks[:50]
    )


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    with running_services(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def service_env(services: Services) -> dict[str, str]:
    return services.env()


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def initialized(service_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`superset-review init` on the empty metadata database, exactly as an admin runs it."""
    result = run_cli(["init"], service_env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="session")
def app(service_env: dict[str, str], initialized: subprocess.CompletedProcess[str]) -> Any:
    os.environ.update(service_env)
    from superset.app import create_app

    flask_app = create_app()
    with flask_app.app_context():
        from tests.users import create_test_users

        create_test_users()
    return flask_app


@pytest.fixture(scope="session")
def worker_llm() -> Iterator[Any]:
    """An LLM provider (stub, real HTTP) that only the worker is configured with: the in-process app keeps the
    default "LLM not configured", which other tests rely on."""
    from tests.llm_stub import running_stub

    with running_stub() as stub:
        yield stub


@pytest.fixture(scope="session")
def worker(services: Services, service_env: dict[str, str], app: Any, worker_llm: Any) -> Iterator[Any]:
    import json

    models = [{"name": "draft-model", "model": "openai/draft-model", "api_base": worker_llm.openai_base,
               "api_key_env": "WORKER_STUB_LLM_KEY"}]  # fmt: skip
    env = {**service_env, "REVIEW_LLM_MODELS": json.dumps(models), "WORKER_STUB_LLM_KEY": "sk-worker-stub",
           "REVIEW_POLICY": json.dumps({"mode": "data_mode", "sample_caps": {"rows": 5}}),
           "REVIEW_TASK_HEARTBEAT_SECONDS": "0.5",
           # The worker's tests (domaining's LLM step with samples) predate the data scope and keep what they test;
           # the scope itself (ai_safe_views, the default) is tested in-process by test_data_scope.
           "REVIEW_LLM_DATA_SCOPE": "datasets"}  # fmt: skip
    # Every lane's queue (and Celery's default, for Superset's own tasks): the suite's one worker serves them all.
    from superset_review.migration.lanes import ALL_QUEUES

    queues = f"--queues={','.join(ALL_QUEUES)}"
    with running_worker(env, services.root / "logs" / "worker.log", options=(queues,)) as process:
        yield process


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def examples(app: Any) -> dict[str, int]:
    """The curated examples, loaded as `superset-review up` loads them: the Sales dashboard and the templated dataset."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.models.dashboard import Dashboard

    from superset_review.embedded.examples import JINJA_DATASET_NAME, load_curated_examples

    with app.app_context():
        load_curated_examples()
        db.session.commit()
        dashboard = db.session.query(Dashboard).filter_by(dashboard_title="Sales Dashboard").one()
        sales = db.session.query(SqlaTable).filter_by(table_name="cleaned_sales_data").one()
        templated = db.session.query(SqlaTable).filter_by(table_name=JINJA_DATASET_NAME).one()
        return {"dashboard": dashboard.id, "sales": sales.id, "templated": templated.id}
