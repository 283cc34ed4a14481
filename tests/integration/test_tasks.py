"""Background tasks in their own table, with a real Celery worker: they never move the review's version, a second
request for the same work gets the running task, the worker holds no transaction of the review across its slow
call, and a task ends done or failed with a reason (an unexpected error, a worker that stopped)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tests.integration.test_semantics_api import start_on_sales, upload
from tests.integration.test_unit_of_work import refused_insert
from tests.users import ADMIN, login

SESSIONS = "/api/v1/dataset_review/sessions/"


def task_of(client: Any, session_id: int, task_id: str) -> dict[str, Any]:
    response = client.get(f"{SESSIONS}{session_id}/tasks/{task_id}")
    assert response.status_code == 200, response.json
    return dict(response.json)


def wait_until(
    client: Any, session_id: int, task_id: str, states: tuple[str, ...], timeout: float = 60, counted: bool = False
) -> dict[str, Any]:
    """The task once it is in one of ``states`` (and, when ``counted``, has said its total)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = task_of(client, session_id, task_id)
        if task["state"] in states and (task["total"] is not None or not counted):
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} never reached {states}: {task}")


def review_to_draft(client: Any, examples: dict[str, int], column: str) -> dict[str, Any]:
    """A review of the sales dataset whose dictionary names ``column`` only (each test drafts a different prompt,
    so the gateway's cache answers none of them)."""
    login(client, ADMIN)
    body = upload(client, start_on_sales(client, examples), "d.csv", f"column,verbose_name\n{column},{column} (dict)\n")
    assert body.status_code == 200, body.json
    return dict(body.json)


def idle_in_transaction_on_reviews(app: Any) -> int:
    """Connections idle inside a transaction that read or wrote the review sessions' table: PostgreSQL keeps the
    table lock of every statement (AccessShareLock for a read) until the transaction ends."""
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(DISTINCT a.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE c.relname = 'dataset_review_sessions' AND a.state LIKE 'idle in transaction%'"
        )).scalar())  # fmt: skip


def test_a_running_task_moves_no_version_holds_no_review_and_is_not_queued_twice(
    app: Any, client: Any, examples: dict[str, int], worker: Any, worker_llm: Any
) -> None:
    from tests.llm_stub import delay, reply_json

    worker_llm.set_default("draft-model", delay(4, then=reply_json({"columns": [
        {"column": "status", "verbose_name": "Order status", "description": "Where the order stands"}]})))  # fmt: skip
    session = review_to_draft(client, examples, "deal_size")
    queued = client.post(f"{SESSIONS}{session['id']}/semantics/ai_draft")
    assert queued.status_code == 202, queued.json
    task_id = queued.json["task_id"]
    running = wait_until(client, session["id"], task_id, ("running",), counted=True)
    assert running["kind"] == "ai_draft" and running["total"] == 1 and running["done"] == 0
    again = client.post(f"{SESSIONS}{session['id']}/semantics/ai_draft")
    assert again.status_code == 202 and again.json["task_id"] == task_id, "the running task, not a second one"
    time.sleep(1.2)  # the worker's heartbeat (every 0.5 s in the tests) goes on during the call
    assert task_of(client, session["id"], task_id)["heartbeat_on"] > running["heartbeat_on"]
    assert idle_in_transaction_on_reviews(app) == 0, "no transaction of the review is open across the LLM call"
    current = client.get(f"{SESSIONS}{session['id']}").json
    assert current["version"] == session["version"], "a task's state is not the review's"
    assert [t["state"] for t in current["tasks"]] == ["running"]
    decided = client.post(f"{SESSIONS}{session['id']}/semantics/decisions", json={
        "version": session["version"],
        "decisions": [{"column": "deal_size", "field": "verbose_name", "action": "accept"}]})  # fmt: skip
    assert decided.status_code == 200, "the user edits while the task runs"
    done = wait_until(client, session["id"], task_id, ("done", "failed"))
    assert done["state"] == "done", done
    assert done["done"] == done["total"] == 1
    final = client.get(f"{SESSIONS}{session['id']}").json
    states = {(s["column"], s["field"]): s for s in final["semantics"]}
    assert states[("deal_size", "verbose_name")]["status"] == "accepted", "the edit made meanwhile is kept"
    assert states[("status", "verbose_name")]["chosen"]["value"] == "Order status", "and the drafts landed"
    assert [e["action"] for e in final["events"]][-2:] == ["semantics.decided", "semantics.ai_drafted"]
    queued_again = client.post(f"{SESSIONS}{session['id']}/semantics/ai_draft")
    assert queued_again.json["task_id"] != task_id, "once done, the same work may be asked for again"
    wait_until(client, session["id"], queued_again.json["task_id"], ("done", "failed"))


def test_an_unexpected_error_in_the_worker_ends_the_task_failed(
    app: Any, client: Any, examples: dict[str, int], worker: Any, worker_llm: Any
) -> None:
    """The worker's save fails in PostgreSQL (a trigger refuses its event): nobody expected that error."""
    from tests.llm_stub import reply_json

    worker_llm.set_default("draft-model", reply_json({"columns": [
        {"column": "city", "verbose_name": "Town", "description": "The town"}]}))  # fmt: skip
    session = review_to_draft(client, examples, "territory")
    with refused_insert(app, "dataset_review_events", "NEW.action = 'semantics.ai_drafted'"):
        queued = client.post(f"{SESSIONS}{session['id']}/semantics/ai_draft")
        failed = wait_until(client, session["id"], queued.json["task_id"], ("done", "failed"))
    assert failed["state"] == "failed" and failed["error_code"] == "UNEXPECTED_ERROR"
    assert "unexpected error" in failed["message"] and failed["finished_on"]
    after = client.get(f"{SESSIONS}{session['id']}").json
    assert after["version"] == session["version"] and after["semantics"] == session["semantics"], "nothing half-saved"


def test_a_task_whose_worker_stopped_is_failed_with_a_reason(app: Any, client: Any, examples: dict[str, int]) -> None:
    """The sweep on the row a killed worker leaves (a running task whose heartbeat stopped long ago), read through
    the review's GET; a real worker killed mid-task is the test below."""
    from superset.extensions import db

    from superset_review.tasks.models import ReviewTask, now, session_subject

    login(client, ADMIN)
    session = start_on_sales(client, examples)
    stale = now() - timedelta(seconds=float(app.config["REVIEW_TASK_STALE_SECONDS"]) + 5)
    with app.app_context():
        task = ReviewTask(kind="profile", subject=session_subject(session["id"]), state="running", done=1, total=2,
                          started_on=stale, heartbeat_on=stale)  # fmt: skip
        db.session.add(task)
        db.session.commit()
        task_id = task.uuid
    body = client.get(f"{SESSIONS}{session['id']}").json
    [listed] = body["tasks"]
    assert listed["task_id"] == task_id and listed["state"] == "failed" and listed["error_code"] == "WORKER_LOST"
    assert "stopped answering" in listed["message"]
    assert body["version"] == session["version"]
    for not_a_task in ("not-a-task", "%00" * 40, "a" * 5000, task_id.upper()):
        assert client.get(f"{SESSIONS}{session['id']}/tasks/{not_a_task}").status_code == 404, not_a_task
    login(client, "review_manager")
    assert client.get(f"{SESSIONS}{session['id']}/tasks/{task_id}").status_code == 404, "another user's task"


def test_two_racing_requests_queue_one_task(app: Any, examples: dict[str, int], worker: Any, worker_llm: Any) -> None:
    from tests.llm_stub import delay, reply_json

    worker_llm.set_default("draft-model", delay(2, then=reply_json({"columns": []})))
    clients = [app.test_client() for _ in range(3)]
    session = review_to_draft(clients[0], examples, "quantity_ordered")
    for each in clients:
        login(each, ADMIN)
    answers: list[Any] = [None] * len(clients)

    def ask(index: int) -> None:
        answers[index] = clients[index].post(f"{SESSIONS}{session['id']}/semantics/ai_draft")

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.json["task_id"] for answer in answers}) == 1, [answer.json for answer in answers]
    wait_until(clients[0], session["id"], answers[0].json["task_id"], ("done", "failed"))


def test_a_task_no_worker_started_in_time_is_failed_and_may_be_asked_for_again(
    app: Any, client: Any, examples: dict[str, int]
) -> None:
    """What a lost broker message leaves: a queued task nobody starts; it must not hold the work's place for ever."""
    from superset.extensions import db

    from superset_review.tasks.models import ReviewTask, now, session_subject

    login(client, ADMIN)
    session = start_on_sales(client, examples)
    long_ago = now() - timedelta(seconds=float(app.config["REVIEW_TASK_QUEUED_SECONDS"]) + 5)
    with app.app_context():
        lost = ReviewTask(kind="profile", subject=session_subject(session["id"]), state="queued", created_on=long_ago)
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.uuid
    task = task_of(client, session["id"], lost_id)
    assert (
        task["state"] == "failed" and task["error_code"] == "NEVER_STARTED" and "No worker started" in task["message"]
    )


def test_a_task_whose_worker_is_killed_ends_failed(
    app: Any, client: Any, examples: dict[str, int], services: Any, service_env: dict[str, str], worker_llm: Any
) -> None:
    """A second real worker, on a queue of its own, takes a task and is killed (SIGKILL) during its LLM call: its
    heartbeat stops, and the next reader fails the task with a reason."""
    import json

    from superset.extensions import security_manager
    from superset.utils.core import override_user

    from superset_review.tasks.base import ACTING_USER
    from superset_review.tasks.models import session_subject
    from superset_review.tasks.progress import _record
    from superset_review.tasks.semantics import draft_meanings
    from tests.llm_stub import delay, reply_json
    from tests.services import running_worker

    worker_llm.set_default("draft-model", delay(20, then=reply_json({"columns": []})))
    session = review_to_draft(client, examples, "product_line")
    models = [{"name": "draft-model", "model": "openai/draft-model", "api_base": worker_llm.openai_base,
               "api_key_env": "WORKER_STUB_LLM_KEY"}]  # fmt: skip
    env = {**service_env, "REVIEW_LLM_MODELS": json.dumps(models), "WORKER_STUB_LLM_KEY": "sk-worker-stub",
           "REVIEW_TASK_HEARTBEAT_SECONDS": "0.5"}  # fmt: skip
    log = services.root / "logs" / "doomed-worker.log"
    with running_worker(env, log, options=("--queues=review_doomed", "--hostname=doomed@%h")) as doomed:
        with app.test_request_context():
            admin = security_manager.find_user(username=ADMIN)
            with override_user(admin):
                record, created = _record("ai_draft", session_subject(session["id"]))
                assert created
                draft_meanings.apply_async(args=(session["id"], True), kwargs={ACTING_USER: admin.id},
                                           task_id=record.uuid, queue="review_doomed")  # fmt: skip
                task_id = record.uuid
        running = wait_until(client, session["id"], task_id, ("running",), counted=True)
        time.sleep(1.2)
        assert task_of(client, session["id"], task_id)["heartbeat_on"] > running["heartbeat_on"], "it beats"
        doomed.kill()
        doomed.wait(10)
    saved = app.config["REVIEW_TASK_STALE_SECONDS"]
    app.config["REVIEW_TASK_STALE_SECONDS"] = 2.0  # the in-process reader's threshold, for a short test
    try:
        last_beat = task_of(client, session["id"], task_id)["heartbeat_on"]
        time.sleep(3)
        failed = task_of(client, session["id"], task_id)
    finally:
        app.config["REVIEW_TASK_STALE_SECONDS"] = saved
    assert failed["state"] == "failed" and failed["error_code"] == "WORKER_LOST", failed
    assert failed["heartbeat_on"] == last_beat, "no beat after the kill"
    assert client.get(f"{SESSIONS}{session['id']}").json["version"] == session["version"]
