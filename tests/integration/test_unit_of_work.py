"""One unit of work per action, on the real PostgreSQL: a command's writes, its event and the Superset command it
calls commit together or not at all; two writes racing on one review give one success and one 409.

Failures between two writes are provoked for real, by a PostgreSQL trigger that refuses one insert."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.test_execution import post, sqllab_keys
from tests.integration.test_semantics_api import start_on_sales, upload
from tests.users import ADMIN, RUNNER, login

SESSIONS = "/api/v1/dataset_review/sessions/"


@contextmanager
def refused_insert(app: Any, table: str, condition: str) -> Iterator[None]:
    """While inside, PostgreSQL refuses to insert into ``table`` a row for which ``condition`` (on NEW) holds."""
    from superset.extensions import db

    ddl = f"""
    CREATE OR REPLACE FUNCTION test_refuse_insert() RETURNS trigger AS $$
    BEGIN
      IF {condition} THEN RAISE EXCEPTION 'refused by the test'; END IF;
      RETURN NEW;
    END; $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_refuse_insert BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse_insert();
    """
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text(ddl))
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TRIGGER test_refuse_insert ON {table}"))


def dataset_columns(app: Any, dataset_id: int) -> dict[str, tuple[str | None, str | None]]:
    from superset.connectors.sqla.models import TableColumn
    from superset.extensions import db

    with app.app_context():
        rows = db.session.query(TableColumn).filter(TableColumn.table_id == dataset_id).all()
        return {row.column_name: (row.verbose_name, row.description) for row in rows}


def accepted(client: Any, examples: dict[str, int], column: str, text: str) -> dict[str, Any]:
    """A review of the sales dataset whose ``column`` has an accepted verbose name ``text``."""
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "uow.csv", f"column,verbose_name\n{column},{text}\n")
    decided = client.post(f"{SESSIONS}{session.json['id']}/semantics/decisions", json={
        "version": session.json["version"],
        "decisions": [{"column": column, "field": "verbose_name", "action": "accept"}]})  # fmt: skip
    assert decided.status_code == 200, decided.json
    return dict(decided.json)


def test_write_back_updates_the_review_with_superset(app: Any, client: Any, examples: dict[str, int]) -> None:
    session = accepted(client, examples, "postal_code", "Postcode")
    applied = client.post(f"{SESSIONS}{session['id']}/semantics/apply", json={"version": session["version"]})
    assert applied.status_code == 200, applied.json
    assert dataset_columns(app, examples["sales"])["postal_code"][0] == "Postcode"
    stored = client.get(f"{SESSIONS}{session['id']}").json
    column = next(c for c in stored["profile"]["columns"] if c["column_name"] == "postal_code")
    assert column["verbose_name"] == "Postcode", "the review's profile was saved with the write-back"
    assert stored["version"] == session["version"] + 1
    assert stored["events"][-1]["action"] == "semantics.applied"


def test_write_back_is_undone_when_its_event_cannot_be_saved(app: Any, client: Any, examples: dict[str, int]) -> None:
    session = accepted(client, examples, "state", "Region")
    before = dataset_columns(app, examples["sales"])["state"]
    with refused_insert(app, "dataset_review_events", "NEW.action = 'semantics.applied'"):
        applied = client.post(f"{SESSIONS}{session['id']}/semantics/apply", json={"version": session["version"]})
    assert applied.status_code >= 500
    assert dataset_columns(app, examples["sales"])["state"] == before, "Superset's update rolled back with the event"
    assert client.get(f"{SESSIONS}{session['id']}").json["version"] == session["version"]


@pytest.fixture()
def previewed(client: Any, examples: dict[str, int]) -> dict[str, Any]:
    from tests.dashboards import country_mask

    login(client, ADMIN)
    made = client.post(f"/api/v1/dashboard/{examples['dashboard']}/permalink",
                       json={"dataMask": country_mask(["USA"]), "urlParams": [["deal_size", "Small"]]})  # fmt: skip
    session = client.post(SESSIONS, json={"source": made.json["url"], "dataset_id": examples["templated"]}).json
    session = post(client, session, "mappings/approve").json
    session = post(client, session, "preview").json
    assert session["execution"]["preview"]["status"] == "ready", session["execution"]["preview"]
    return dict(session)


def test_a_launch_whose_run_record_fails_leaves_no_tab(app: Any, client: Any, previewed: dict[str, Any]) -> None:
    tabs = sqllab_keys(app)
    with refused_insert(app, "dataset_review_runs", "NEW.outcome = 'launched'"):
        launched = post(client, previewed, "launch")
    assert launched.status_code != 201
    assert sqllab_keys(app) == tabs, "the SQL Lab permalink rolled back with its run record"
    assert client.get(f"{SESSIONS}{previewed['id']}/runs").json["count"] == 0
    assert post(client, previewed, "launch").status_code == 201, "nothing half-written blocks the next launch"
    assert sqllab_keys(app) == tabs + 1


def test_run_records_cannot_be_deleted_or_truncated(app: Any, client: Any, previewed: dict[str, Any]) -> None:
    from superset.extensions import db

    from superset_review.sessions.models import ReviewRun, RunImmutableError

    run_id = post(client, previewed, "launch").json["run"]["id"]
    with app.app_context():
        for statement in ("DELETE FROM dataset_review_runs WHERE id = :id", "TRUNCATE dataset_review_runs"):
            with pytest.raises(sa.exc.DatabaseError, match="immutable"):
                db.session.execute(sa.text(statement), {"id": run_id})
            db.session.rollback()
        db.session.delete(db.session.get(ReviewRun, run_id))
        with pytest.raises(RunImmutableError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(ReviewRun, run_id) is not None


def waiting_on_locks(app: Any) -> int:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE dataset_review_sessions%'"
        )).scalar())  # fmt: skip


def test_two_racing_writes_give_one_success_and_one_conflict(app: Any, examples: dict[str, int]) -> None:
    """Both requests read the same version before either writes (a row lock held by the test makes both UPDATEs
    wait), so the loser fails at its UPDATE, not at the version check: SQLAlchemy's StaleDataError."""
    from superset.extensions import db

    owner = app.test_client()
    login(owner, RUNNER)
    session = start_on_sales(owner, examples)
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        login(each, RUNNER)
    answers: list[Any] = [None, None]

    def archive(index: int) -> None:
        answers[index] = clients[index].post(f"{SESSIONS}{session['id']}/archive", json={"version": session["version"]})

    with app.app_context(), db.engine.connect() as lock:
        holding = lock.begin()
        lock.execute(sa.text("SELECT 1 FROM dataset_review_sessions WHERE id = :id FOR UPDATE"), {"id": session["id"]})
        threads = [threading.Thread(target=archive, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_on_locks(app) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_on_locks(app) == 2, "both writes reached their UPDATE"
        holding.rollback()
    for thread in threads:
        thread.join(30)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409], [answer.json for answer in answers]
    conflict = next(answer for answer in answers if answer.status_code == 409).json
    assert conflict["error_code"] == "SESSION_CHANGED"
    assert str(session["version"] + 1) in conflict["message"], "the reply names the current version"
    assert owner.get(f"{SESSIONS}{session['id']}").json["version"] == session["version"] + 1


def test_many_writers_racing_on_one_review_get_one_success_each_round_and_no_5xx(
    app: Any, examples: dict[str, int]
) -> None:
    """Six clients send the same decision batch on the same version at once, for five rounds: each round one wins
    and five get 409 with the current version (bounded: 30 requests)."""
    writers = [app.test_client() for _ in range(6)]
    for each in writers:
        login(each, RUNNER)
    session = upload(
        writers[0], start_on_sales(writers[0], examples), "race.csv", "column,verbose_name\ncity,Town\n"
    ).json
    version = session["version"]
    for round_number in range(5):
        decision = {"column": "city", "field": "verbose_name", "action": "override", "value": f"Town {round_number}"}
        body = {"version": version, "decisions": [decision]}
        answers: list[Any] = [None] * len(writers)
        start = threading.Barrier(len(writers))

        def decide(index: int, body: dict[str, Any] = body, answers: list[Any] = answers, start: Any = start) -> None:
            start.wait()
            answers[index] = writers[index].post(f"{SESSIONS}{session['id']}/semantics/decisions", json=body)

        threads = [threading.Thread(target=decide, args=(index,)) for index in range(len(writers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200] + [409] * 5, [answer.json for answer in answers if answer.status_code != 409]
        version = next(answer for answer in answers if answer.status_code == 200).json["version"]
        assert version == session["version"] + round_number + 1
    events = writers[0].get(f"{SESSIONS}{session['id']}").json["events"]
    assert sum(event["action"] == "semantics.decided" for event in events) == 5, "one event per winning write"
