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
from tests.leaks import register_sensitive
from tests.services import Services
from tests.users import ADMIN, login

ROWS = [
    ("ann.lee@example.com", "Mr", "12 Park Lane", "Paris"),
    ("bo.chen@example.org", "Ms", "Mellemvej 32", "Berlin"),
    ("cy.park@example.net", "Dr", "5 Rue X", "Oslo"),
    ("di.ross@example.com", "Mr", "Via Roma 1", "Rome"),
    ("ed.fox@example.org", "Mrs", "Hauptstr. 7", "Madrid"),
]
MODEL = "draft-model"
# The two readings of "place" the classifier weighs (the header says city, the values street address).
PLACE_READINGS = {"address.city", "address.street_address"}


@pytest.fixture(scope="module")
def borderline(app: Any, services: Services) -> int:
    """A table whose "place" (street addresses under a header that is an alias of a city) the classifier reads as
    borderline between the two; the titles of "label", the e-mails of "ref" and the cities of "city" read as high."""
    register_sensitive("review_borderline", {"ref": [row[0] for row in ROWS], "place": [row[2] for row in ROWS]})
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS review_borderline (ref text, label text, place text, city text)")
        cursor.execute("TRUNCATE review_borderline")
        cursor.executemany("INSERT INTO review_borderline VALUES (%s, %s, %s, %s)", ROWS)
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
    worker_llm.script(MODEL, reply("{not json"), reply('{"columns": [{"column": "place", "domain": '))  # and repair
    assignments = by_column(classified(client, borderline))
    assert prompts(worker_llm, since), "the table went to the LLM"
    place = assignments["place"]
    assert place["band"] == "borderline" and place["domain"] in PLACE_READINGS
    assert place["evidence"]["llm"]["error"]
    assert assignments["city"]["domain"] == "address.city" and "llm" not in assignments["city"]["evidence"]


def test_a_huge_answer_is_refused_whole(client: Any, borderline: int, worker: Any, worker_llm: Any) -> None:
    from tests.llm_stub import reply_json

    login(client, ADMIN)
    huge = {"columns": [{"column": "place", "domain": "address.street_address" + "x" * 200}] * 2000}
    worker_llm.script(MODEL, reply_json(huge), reply_json(huge))
    assignments = by_column(classified(client, borderline))
    place = assignments["place"]
    assert place["domain"] in PLACE_READINGS, "the classifier's reading, not the answer's"
    assert place["band"] == "borderline" and place["evidence"]["llm"]["error"]


def test_the_llm_settles_borderline_columns_onto_offered_labels_only(
    client: Any, borderline: int, worker: Any, worker_llm: Any
) -> None:
    from tests.llm_stub import reply_json

    login(client, ADMIN)
    since = len(worker_llm.requests)
    answer = {
        "columns": [
            {"column": "place", "domain": "address.street_address", "why": "house numbers and streets"},
            {"column": "label", "domain": "made.up.domain"},
            {"column": "city", "domain": "person.first_name"},
            {"column": "not_a_column", "domain": "contact.email"},
        ]
    }
    worker_llm.script(MODEL, reply_json(answer))
    assignments = by_column(classified(client, borderline))
    [prompt] = prompts(worker_llm, since)
    assert all(column in prompt for column in ("ref", "label", "place", "city")), "the whole table, one prompt"
    assert "@example" not in prompt and "ann.lee" not in prompt, "samples are masked before they leave"
    place = assignments["place"]
    assert (place["domain"], place["band"], place["status"]) == ("address.street_address", "borderline", "proposed")
    assert place["pii"] == "STREET_ADDRESS", "the LLM's confirmation claims the PII class the header could not"
    llm = place["evidence"]["llm"]
    assert set(llm) == {"model", "domain", "agrees"} and llm["domain"] == "address.street_address"
    # The classifier's own first reading may be either of the two; "agrees" says whether the LLM picked it.
    assert llm["agrees"] is (place["evidence"]["candidates"][0]["domain"] == "address.street_address")
    label = assignments["label"]
    assert label["domain"] == "person.title" and "llm" not in label["evidence"], "high: not offered to the LLM"
    assert assignments["city"]["domain"] == "address.city", "a high verdict is not the LLM's to change"
    # What the scan says comes from the domains: the e-mail column is personal data, whatever its header.
    scan = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{borderline}", json={})
    assert scan.status_code == 200, scan.json
    verdicts = {column["column"]: column["pii_type"] for column in scan.json["columns"]}
    assert verdicts == {"ref": "EMAIL", "label": None, "place": "STREET_ADDRESS", "city": None}
    assert json.dumps(client.get(f"{DOMAINS}/{borderline}").json).count("@example") == 0
