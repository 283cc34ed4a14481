"""Lanes on the real Redis and real Celery workers: a task routed to a lane's queue runs on that lane's worker, the
queue depth the supervisor reads is the lists' length in Redis, and the lane it picks goes to the run's ledger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from superset_review.migration.lanes import Lane, read_queue_depths
from tests.onboarding import create_target, metadata_sql
from tests.services import Services, running_worker
from tests.users import ADMIN, MANAGER, login, user

# A Redis database of the suite's server that no other worker uses: the session's worker (on database 0) serves every
# lane and would take these messages before anyone could count them.
LANE_DB = 7


def lane_url(services: Services, service_env: dict[str, str]) -> str:
    return service_env["SUPERSET_REDIS_URL"].rsplit("/", 1)[0] + f"/{LANE_DB}"


@pytest.fixture()
def lane_redis(services: Services, service_env: dict[str, str]) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(lane_url(services, service_env))
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def worker_of(lane: Lane, services: Services, service_env: dict[str, str]) -> Any:
    env = {**service_env, "SUPERSET_REDIS_URL": lane_url(services, service_env)}
    log = services.root / "logs" / f"lane-{lane.value}.log"
    return running_worker(env, log, options=(f"--queues={lane.value}", f"--hostname=lane-{lane.value}@%h"))


def test_tasks_run_on_their_lanes_worker_and_wait_in_redis_until_one_serves_it(
    app: Any, services: Services, service_env: dict[str, str], lane_redis: redis.Redis
) -> None:
    from celery.backends.redis import RedisBackend
    from superset.extensions import celery_app

    url = lane_url(services, service_env)
    backend = RedisBackend(app=celery_app, url=url)
    try:
        served_by_lane(app, services, service_env, lane_redis, backend, url)
    finally:
        backend.result_consumer.stop()  # its pub/sub connection, before the suite's Redis stops


def served_by_lane(
    app: Any, services: Services, service_env: dict[str, str], lane_redis: redis.Redis, backend: Any, url: str
) -> None:
    from superset.extensions import celery_app

    from superset_review.tasks.base import ACTING_USER
    from superset_review.tasks.diagnostics import whoami

    with app.app_context():
        acting = {ACTING_USER: user(ADMIN).id}
    with (
        worker_of(Lane.INTERACTIVE_FAST, services, service_env) as interactive,
        celery_app.connection_for_write(url) as connection,
    ):
        # whoami's home lane is interactive_fast: its worker answers.
        sent = whoami.apply_async(kwargs=acting, connection=connection)
        assert sent.app.AsyncResult(sent.id, backend=backend).get(timeout=60)["worker"].endswith(f":{interactive.pid}")
        # Sent to batch_jobs, which no worker serves yet: the messages wait in Redis, at their priorities.
        waiting = [
            whoami.apply_async(kwargs=acting, connection=connection, queue=Lane.BATCH_JOBS.value, priority=priority)
            for priority in (0, 9)
        ]
        time.sleep(1)
        options = celery_app.conf.broker_transport_options or {}
        assert read_queue_depths(lane_redis, options) == {"interactive_fast": 0, "flex_bg": 0, "batch_jobs": 2}
        assert lane_redis.llen("batch_jobs") + lane_redis.llen("batch_jobs\x06\x169") == 2, "one list per priority"
        with worker_of(Lane.BATCH_JOBS, services, service_env) as batch:
            answers = [sent.app.AsyncResult(m.id, backend=backend).get(timeout=60)["worker"] for m in waiting]
            assert all(answer.endswith(f":{batch.pid}") for answer in answers), (answers, batch.pid)
            assert read_queue_depths(lane_redis, options)["batch_jobs"] == 0


def test_the_supervisors_choice_goes_to_the_ledger_and_the_task_to_that_lane(
    app: Any, client: Any, services: Services, worker: Any
) -> None:
    """``submit_to_lane`` on the real broker: the depths read (all lanes, from Redis), the lane in the ledger, the
    task run by the worker serving that lane (the suite's, which serves them all)."""
    from superset.extensions import db
    from superset.utils.core import override_user

    from superset_review.migration.lanes import Job, submit_to_lane
    from superset_review.onboarding.models import OnboardingRun
    from superset_review.tasks.diagnostics import whoami
    from tests.integration.test_onboarding_api import create_run

    login(client, MANAGER)
    created = create_run(client, create_target(app, services))
    assert created.status_code == 201, created.json
    run_id = created.json["result"]["run_id"]
    with app.test_request_context(), override_user(user(MANAGER)):
        run = db.session.query(OnboardingRun).filter(OnboardingRun.run_id == run_id).one()
        sent, choice = submit_to_lane(whoami, Job("migration", rows=2_000_000, pii=True), run=run)
        db.session.commit()
        assert sent.get(timeout=60)["username"] == MANAGER
    assert choice.lane is Lane.BATCH_JOBS and "batch-sized" in choice.reason
    assert set(choice.depths) == {"interactive_fast", "flex_bg", "batch_jobs"}, "read from the broker"
    events = metadata_sql(
        services,
        "SELECT e.stage, e.subject, e.detail FROM dataset_review_run_events e JOIN dataset_review_onboarding_runs r "
        "ON r.id = e.run_pk WHERE r.run_id = %s AND e.action = 'lane'",
        (run_id,),
    )
    assert len(events) == 1
    stage, subject, detail = events[0]
    assert (stage, subject) == ("migration", "batch_jobs")
    assert detail["reason"] == choice.reason and detail["job"] == {
        "kind": "migration", "rows": 2_000_000, "bytes": None, "pii": True, "data_mode": "data_mode"
    }  # fmt: skip
