"""Borderline columns go to the LLM through the real gateway (litellm over HTTP to the local stub), one prompt per
table with masked samples; the answer is mapped onto the labels each column was offered. A label that was not
offered, broken JSON, a huge answer: the classifier's verdicts stand, and the evidence says why."""

from __future__ import annotations

import json
from typing import Any

import psycopg2
import pytest

from tests.datasets import register_dataset
from tests.integration.test_dataset_domains import DOMAINS, by_column, classified
from tests.services import Services
from tests.users import ADMIN, login

ROWS = [
    ("ann.lee@example.com", "Mr", "Paris"),
    ("bo.chen@example.org", "Ms", "Berlin"),
    ("cy.park@example.net", "Dr", "Oslo"),
    ("di.ross@example.com", "Mr", "Rome"),
    ("ed.fox@example.org", "Mrs", "Madrid"),
]
MODEL = "draft-model"


@pytest.fixture(scope="module")
def borderline(app: Any, services: Services) -> int:
    """A table whose "ref" (e-mail addresses) and "label" (titles) the classifier reads as borderline."""
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS review_borderline (ref text, label text, city text)")
        cursor.execute("TRUNCATE review_borderline")
        cursor.executemany("INSERT INTO review_borderline VALUES (%s, %s, %s)", ROWS)
    connection.close()
    with app.app_context():
        return register_dataset(services, "review_borderline")


def prompts(stub: Any, since: int) -> list[str]:
    return [
        " ".join(request.texts()) for request in stub.requests[since:] if "choose one of" in " ".join(request.texts())
    ]


def test_without_an_answer_the_classifiers_verdicts_stand(
    client: Any, borderline: int, worker: Any, worker_llm: Any
) -> None:
    from tests.llm_stub import reply

    login(client, ADMIN)
    since = len(worker_llm.requests)
    worker_llm.script(MODEL, reply("{not json"), reply('{"columns": [{"column": "ref", "domain": '))  # and its repair
    assignments = by_column(classified(client, borderline))
    assert prompts(worker_llm, since), "the table went to the LLM"
    assert assignments["ref"]["band"] == "borderline" and assignments["ref"]["evidence"]["llm"]["error"]
    assert assignments["city"]["domain"] == "address.city" and "llm" not in assignments["city"]["evidence"]


def test_a_huge_answer_is_refused_whole(client: Any, borderline: int, worker: Any, worker_llm: Any) -> None:
    from tests.llm_stub import reply_json

    login(client, ADMIN)
    huge = {"columns": [{"column": "ref", "domain": "contact.email" + "x" * 200}] * 2000}
    worker_llm.script(MODEL, reply_json(huge), reply_json(huge))
    assignments = by_column(classified(client, borderline))
    assert assignments["ref"]["domain"] == "identifier.key", "the classifier's reading, not the answer's"
    assert assignments["ref"]["evidence"]["llm"]["error"]


def test_the_llm_settles_borderline_columns_onto_offered_labels_only(
    client: Any, borderline: int, worker: Any, worker_llm: Any
) -> None:
    from tests.llm_stub import reply_json

    login(client, ADMIN)
    since = len(worker_llm.requests)
    answer = {
        "columns": [
            {"column": "ref", "domain": "contact.email", "why": "they are e-mail addresses"},
            {"column": "label", "domain": "made.up.domain"},
            {"column": "city", "domain": "person.first_name"},
            {"column": "not_a_column", "domain": "contact.email"},
        ]
    }
    worker_llm.script(MODEL, reply_json(answer))
    assignments = by_column(classified(client, borderline))
    [prompt] = prompts(worker_llm, since)
    assert "ref" in prompt and "label" in prompt and "city" in prompt, "the whole table, one prompt"
    assert "@example" not in prompt and "ann.lee" not in prompt, "samples are masked before they leave"
    ref = assignments["ref"]
    assert (ref["domain"], ref["band"], ref["pii"]) == ("contact.email", "borderline", "EMAIL")
    assert ref["evidence"]["llm"]["domain"] == "contact.email"
    label = assignments["label"]
    assert label["domain"] != "made.up.domain" and label["evidence"]["llm"]["ignored"] == "made.up.domain"
    assert assignments["city"]["domain"] == "address.city", "a high verdict is not the LLM's to change"
    # What the scan says comes from the domains: the e-mail column is personal data, whatever its header.
    scan = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{borderline}", json={})
    assert scan.status_code == 200, scan.json
    verdicts = {column["column"]: column["pii_type"] for column in scan.json["columns"]}
    assert verdicts == {"ref": "EMAIL", "label": None, "city": None}
    assert json.dumps(client.get(f"{DOMAINS}/{borderline}").json).count("@example") == 0
