"""The semantic layer of a session through the API: sources in confidence order, decisions, locks surviving
re-import, write-back through Superset's own update command."""

from __future__ import annotations

import io
import json
from typing import Any

import psycopg2
import pytest

from tests.datasets import register_dataset
from tests.leaks import register_sensitive
from tests.services import Services
from tests.users import ADMIN, MANAGER, login

SESSIONS = "/api/v1/dataset_review/sessions/"


def start_on_sales(client: Any, examples: dict[str, int]) -> dict[str, Any]:
    response = client.post(SESSIONS, json={"source": str(examples["sales"])})
    assert response.status_code == 201, response.json
    return dict(response.json)


def upload(client: Any, session: dict[str, Any], name: str, content: str) -> Any:
    data = {"version": str(session["version"]), "file": (io.BytesIO(content.encode()), name)}
    return client.post(f"{SESSIONS}{session['id']}/semantics/dictionary", data=data, content_type="multipart/form-data")


def field(session: dict[str, Any], column: str, name: str) -> dict[str, Any]:
    return next(s for s in session["semantics"] if s["column"] == column and s["field"] == name)


DICTIONARY_V1 = "column,verbose_name,description\ncountry,Country,Customer country\ncity,City,Customer city\n"
DICTIONARY_V2 = (
    "column,verbose_name,description\ncountry,Nation,Country of the customer\ncity,Town,City of the customer\n"
)


def test_dictionary_then_decisions_then_write_back(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    session = start_on_sales(client, examples)
    imported = upload(client, session, "sales_dictionary.csv", DICTIONARY_V1)
    assert imported.status_code == 200, imported.json
    body = imported.json
    country = field(body, "country", "verbose_name")
    assert country["status"] == "proposed" and country["chosen"]["value"] == "Country"
    assert country["chosen"]["source"] == "dictionary_file" and country["chosen"]["match_kind"] == "exact"
    assert body["semantic_sources"][0]["entries"] == 2
    assert body["state"] == "semantic_source_review_needed"

    decisions = [
        {"column": "country", "field": "verbose_name", "action": "accept"},
        {"column": "country", "field": "description", "action": "accept"},
        {"column": "city", "field": "description", "action": "override", "value": "Where the order ships"},
    ]
    decided = client.post(
        f"{SESSIONS}{session['id']}/semantics/decisions", json={"version": body["version"], "decisions": decisions}
    )
    assert decided.status_code == 200, decided.json
    city = field(decided.json, "city", "description")
    assert city["locked"] and city["chosen"]["source"] == "manual" and city["locked_by"] == ADMIN

    applied = client.post(f"{SESSIONS}{session['id']}/semantics/apply", json={"version": decided.json["version"]})
    assert applied.status_code == 200, applied.json
    columns = {
        c["column_name"]: c for c in client.get(f"/api/v1/dataset/{examples['sales']}").json["result"]["columns"]
    }
    assert columns["country"]["verbose_name"] == "Country" and columns["country"]["description"] == "Customer country"
    assert columns["city"]["description"] == "Where the order ships"
    assert len(columns) == len(session["profile"]["columns"]), "no column was dropped"
    event = applied.json["events"][-1]
    assert event["action"] == "semantics.applied"
    assert event["before"]["country"] == {"verbose_name": None, "description": None}
    assert event["after"]["city"]["description"] == "Where the order ships"


def test_reimport_keeps_locks_and_propagates_to_unlocked(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    locked = client.post(
        f"{SESSIONS}{session['id']}/semantics/decisions",
        json={"version": session["version"], "decisions": [
            {"column": "country", "field": "verbose_name", "action": "override", "value": "Country (by hand)"}]},
    ).json  # fmt: skip
    again = upload(client, locked, "dict.csv", DICTIONARY_V2).json
    assert field(again, "country", "verbose_name")["chosen"]["value"] == "Country (by hand)", "a manual value stays"
    assert field(again, "city", "verbose_name")["chosen"]["value"] == "Town", "the new version reaches unlocked fields"
    assert any(c["value"] == "Nation" for c in field(again, "country", "verbose_name")["candidates"])


def test_exact_dictionary_beats_reference_dataset(app: Any, client: Any, examples: dict[str, int]) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        reference = db.session.get(SqlaTable, examples["templated"])
        for column in reference.columns:
            if column.column_name in ("country", "status"):
                column.verbose_name = f"{column.column_name.title()} (reference)"
        db.session.commit()
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    with_reference = client.post(
        f"{SESSIONS}{session['id']}/semantics/dataset_source",
        json={"version": session["version"], "dataset_id": examples["templated"], "kind": "reference_dataset"},
    )
    assert with_reference.status_code == 200, with_reference.json
    body = with_reference.json
    assert field(body, "country", "verbose_name")["chosen"]["value"] == "Country", "the dictionary file outranks"
    status = field(body, "status", "verbose_name")
    assert status["chosen"]["value"] == "Status (reference)" and status["chosen"]["source"] == "reference_dataset"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("dict.pdf", "%PDF-1.4", "UNSUPPORTED_FORMAT"),
        ("dict.csv", "foo,bar\n1,2\n", "NO_COLUMN_HEADER"),
        ("dict.csv", "column,colour\ncountry,red\n", "NO_MEANING_COLUMNS"),
        # Over the entry cap (there was none): refused through the same error path, naming the cap.
        ("dict.csv", "column,description\n" + "".join(f"c{i},d\n" for i in range(10_001)), "TOO_LARGE"),
        ("dict.json", json.dumps({f"c{i}": "d" for i in range(10_001)}), "TOO_LARGE"),
    ],
)
def test_bad_dictionary_changes_nothing(
    client: Any, examples: dict[str, int], name: str, content: str, code: str
) -> None:
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    response = upload(client, session, name, content)
    assert response.status_code == 400 and response.json["error_code"] == code
    after = client.get(f"{SESSIONS}{session['id']}").json
    assert after["version"] == session["version"] and after["semantics"] == session["semantics"]


def test_stale_version_and_bad_batch(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    stale = upload(client, {**session, "version": session["version"] - 1}, "dict.csv", DICTIONARY_V2)
    assert stale.status_code == 409
    batch = [
        {"column": "country", "field": "verbose_name", "action": "accept"},
        {"column": "no_such_column", "field": "verbose_name", "action": "accept"},
    ]
    bad = client.post(
        f"{SESSIONS}{session['id']}/semantics/decisions", json={"version": session["version"], "decisions": batch}
    )
    assert bad.status_code == 400 and "nothing was changed" in bad.json["message"]
    assert field(client.get(f"{SESSIONS}{session['id']}").json, "country", "verbose_name")["status"] == "proposed"


def test_write_back_needs_dataset_ownership(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    decided = client.post(
        f"{SESSIONS}{session['id']}/semantics/decisions",
        json={
            "version": session["version"],
            "decisions": [{"column": "city", "field": "verbose_name", "action": "accept"}],
        },
    ).json
    refused = client.post(f"{SESSIONS}{session['id']}/semantics/apply", json={"version": decided["version"]})
    assert refused.status_code == 403 and refused.json["error_code"] == "WRITE_BACK_REFUSED"
    assert client.get(f"{SESSIONS}{session['id']}").json["version"] == decided["version"], "the session is kept"


def wait_for_task(client: Any, session_id: int, task_id: str, timeout: float = 60) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{SESSIONS}{session_id}").json
        task = next((task for task in body["tasks"] if task["task_id"] == task_id), {})
        if task.get("state") in ("done", "failed"):
            return dict(body)
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not finish")


def test_ai_drafts_in_the_worker_never_replace_better_sources(
    client: Any, examples: dict[str, int], worker: Any, worker_llm: Any
) -> None:
    from tests.llm_stub import reply_json

    worker_llm.set_default(
        "draft-model",
        reply_json({"columns": [
            {"column": "country", "verbose_name": "AI country", "description": "AI: the country"},
            {"column": "product_line", "verbose_name": "Product line", "description": "The product family sold"},
        ]}),
    )  # fmt: skip
    login(client, ADMIN)
    session = upload(client, start_on_sales(client, examples), "dict.csv", DICTIONARY_V1).json
    queued = client.post(f"{SESSIONS}{session['id']}/semantics/ai_draft")
    assert queued.status_code == 202
    done = wait_for_task(client, session["id"], queued.json["task_id"])
    assert [task["state"] for task in done["tasks"] if task["task_id"] == queued.json["task_id"]] == ["done"]
    product = field(done, "product_line", "description")
    assert product["chosen"]["value"] == "The product family sold" and product["chosen"]["source"] == "ai_draft"
    assert product["status"] == "proposed", "an AI draft is proposed, never accepted on its own"
    country = field(done, "country", "verbose_name")
    assert country["chosen"]["value"] == "Country", "the dictionary file outranks the AI draft"
    assert any(c["source"] == "ai_draft" for c in country["candidates"])
    assert done["events"][-1]["action"] == "semantics.ai_drafted" and done["events"][-1]["after"]["ledger_id"]
    prompt = " ".join(worker_llm.requests_for("draft-model")[-1].texts())
    assert "product_line" in prompt and "Kobenhavn" not in prompt, "metadata only: no row value in the prompt"


def test_a_dictionary_read_from_a_dataset_is_scanned_and_masked(
    app: Any, client: Any, services: Services, examples: dict[str, int]
) -> None:
    """A dictionary table is rows of a dataset like any other sample: before, its e-mails were kept as
    descriptions (and could be written back to Superset)."""
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    owners = ["ann.lee@example.com", "bo.chen@example.org", "cy.park@example.net", "di.ross@example.com"]
    register_sensitive("review_glossary", {"description": owners})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS review_glossary (column_name text, description text)")
        cursor.execute("TRUNCATE review_glossary")
        cursor.executemany("INSERT INTO review_glossary VALUES (%s, %s)",
                           [(c, f"ask {o}") for c, o in zip(("country", "city", "status", "deal_size"), owners, strict=True)])  # fmt: skip
    connection.close()
    with app.app_context():
        glossary = register_dataset(services, "review_glossary")
    login(client, ADMIN)
    session = start_on_sales(client, examples)
    imported = client.post(f"{SESSIONS}{session['id']}/semantics/dataset_source", json={
        "version": session["version"], "dataset_id": glossary, "kind": "dictionary_table",
        "name_column": "column_name", "description_column": "description"})  # fmt: skip
    assert imported.status_code == 200, imported.json
    text = json.dumps(imported.json)
    assert not any(owner in text for owner in owners)
    assert field(imported.json, "country", "description")["chosen"]["value"] in ("[REDACTED]", "<REDACTED>")
