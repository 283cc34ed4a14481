"""Schema evolution on the real app: two onboarding runs of a partner's file into one Superset dataset, through the
REST API and a real Celery worker, the second file renaming two columns (one of them also retyped from a float to an
integer) and turning a date into a timestamp. ``GET /runs/<run_id>/migration/schema_diff`` finds the first run,
detects the renames with their evidence, proposes the rules, re-validates the mapping the breaking change touches on
the second run's Sample Pack, and each policy decides; only the owner or an admin may ask, hostile arguments are a
400 naming the argument."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_languages import set_language
from tests.integration.test_onboarding_stages import new_run, start
from tests.onboarding import BASE, CSV, create_target
from tests.services import Services
from tests.users import ADMIN, MANAGER, RUNNER, login

RENAMED_CSV = (
    b"Customer ID,Full Name,Email Address,Signup Date,Weight (lbs)\n"
    b"1,Ann Lee,ann@example.com,2024-01-05 09:30:00,150\n"
    b"2,Bo Chen,bo@example.org,2024-02-11 10:00:00,172\n"
    b"3,Cy Park,cy@example.net,2024-03-20 11:15:00,131\n"
    b"4,Di Ross,di@example.com,2024-04-02 08:00:00,140\n"
)


@pytest.fixture(scope="module")
def target(app: Any, services: Services) -> int:
    """A target of this module's own: other modules' runs into the shared one would be the "previous run"."""
    return create_target(app, services, "review_onboard_evolution_target")


@pytest.fixture(scope="module")
def runs(app: Any, worker: Any, target: int) -> tuple[str, str]:
    """The first run mapped (its plan is what the second inherits), the second ingested and domained."""
    client = app.test_client()
    login(client, MANAGER)
    first = new_run(client, target, CSV)
    for stage in ("ingest", "domains", "mapping"):
        assert start(client, first, stage)["stages"][stage]["state"] in ("passed", "held")
    second = new_run(client, target, RENAMED_CSV)
    for stage in ("ingest", "domains"):
        assert start(client, second, stage)["stages"][stage]["state"] == "passed"
    return first, second


def schema_diff(client: Any, run_id: str, policy: str | None = None) -> Any:
    query = f"?policy={policy}" if policy else ""
    return client.get(f"{BASE}/runs/{run_id}/migration/schema_diff{query}")


def test_the_second_run_is_diffed_against_the_first(client: Any, runs: tuple[str, str]) -> None:
    first, second = runs
    login(client, MANAGER)
    response = schema_diff(client, second, "propagate")
    assert response.status_code == 200, response.json
    assert response.headers["ETag"].startswith('"') and not response.headers["ETag"].startswith("W/")
    result = response.json["result"]
    assert (result["run_id"], result["previous_run_id"], result["policy"]) == (second, first, "propagate")
    diff = result["diff"]
    renames = {rename["from"]: rename for rename in diff["renamed"]}
    assert set(renames) == {"e_mail", "weight_lb"}, diff
    email, weight = renames["e_mail"], renames["weight_lb"]
    assert (email["to"], email["from_original"], email["to_original"]) == ("email_address", "E-mail", "Email Address")
    assert email["evidence"]["values"]["score"] > 0, "the sample packs share e-mail addresses"
    assert email["evidence"]["name"]["score"] == 0.9, "both headers are aliases of contact.email"
    assert email["confidence"] >= diff["thresholds"]["rename_auto"]
    assert weight["to"] == "weight_lbs" and weight["type_change"] == "breaking"
    assert weight["evidence"]["type"] == {"score": 0.2, "from": "float", "to": "integer", "change": "breaking"}
    assert weight["confidence"] >= diff["thresholds"]["rename_min"]
    assert diff["type_changed"] == [{"column": "signup_date", "from": "date", "to": "timestamp", "change": "widening",
                                     "physical_from": "Date", "physical_to": "Datetime(time_unit='us', time_zone=None)"}]  # fmt: skip
    assert diff["added"] == [] and diff["removed"] == [] and diff["unchanged"] == 2

    rules = {(rule["action"], rule["column"]): rule for rule in result["rules"]}
    assert rules[("map_new_name", "email_address")]["mappings"] == ["email"]
    assert rules[("map_new_name", "weight_lbs")]["mappings"] == ["weight_kg"]
    assert rules[("revalidate", "weight_lbs")]["to_type"] == "integer"
    assert rules[("cast", "signup_date")]["op"] == {"op": "type_cast", "to": "date"}

    mappings = {mapping["target"]: mapping for mapping in result["mappings"]}
    assert mappings["email"]["dsl"]["source"] == "email_address" and mappings["email"]["status"] == "rewritten"
    assert mappings["signup_date"]["dsl"]["ops"][0] == {"op": "type_cast", "to": "date"}
    assert mappings["customer_id"]["status"] == "unchanged"
    weight_kg = mappings["weight_kg"]
    assert weight_kg["revalidated"] is True and weight_kg["status"] == "revalidated", weight_kg
    assert weight_kg["dsl"]["source"] == "weight_lbs" and weight_kg["success_rate"] == 1.0, weight_kg
    assert weight_kg["decision"] == "accept", "4 of 4 integer pounds convert to kilograms"
    assert result["decision"] == "proceed" and result["blocking"] == [], result["reason"]


@pytest.mark.parametrize(
    ("policy", "decision", "words"),
    [("propagate", "proceed", "every change is applied"),
     ("propagate_columns", "wait_for_approval", "2 renames and 1 type changes wait"),
     ("approve_manually", "wait_for_approval", "approve_manually waits for a person"),
     (None, "wait_for_approval", "approve_manually waits for a person"),
     ("stop", "stop", "the policy is stop")],
)  # fmt: skip
def test_each_policy_decides(client: Any, runs: tuple[str, str], policy: str | None, decision: str, words: str) -> None:
    login(client, MANAGER)
    result = schema_diff(client, runs[1], policy).json["result"]
    assert (result["policy"], result["decision"]) == (policy or "approve_manually", decision), result["reason"]
    assert words in result["reason"]


def test_the_reason_reads_in_russian(client: Any, runs: tuple[str, str]) -> None:
    login(client, MANAGER)
    set_language(client, "ru")
    try:
        response = schema_diff(client, runs[1], "stop")
    finally:
        set_language(client, "en")
    assert response.status_code == 200
    reason = response.json["result"]["reason"]
    assert reason.startswith("схема изменилась (добавлено: 0, удалено: 0, сменили тип: 1, переименовано: 2)"), reason


def test_the_first_run_has_nothing_to_compare(client: Any, runs: tuple[str, str]) -> None:
    login(client, MANAGER)
    result = schema_diff(client, runs[0], "stop").json["result"]
    assert result["previous_run_id"] is None and result["diff"] is None
    assert result["decision"] == "proceed" and "nothing to compare" in result["reason"]


def test_only_the_owner_or_an_admin_may_ask(client: Any, runs: tuple[str, str]) -> None:
    login(client, RUNNER)
    foreign = schema_diff(client, runs[1])
    assert foreign.status_code == 404 and foreign.json["error_code"] == "RUN_NOT_FOUND", foreign.json
    login(client, ADMIN)
    admin = schema_diff(client, runs[1], "propagate")
    assert admin.status_code == 200 and admin.json["result"]["previous_run_id"] == runs[0]


@pytest.mark.parametrize(
    ("query", "named"),
    [("?policy=evolve", "policy"), ("?policy=", "policy"), ("?policy=" + "x" * 5000, "policy"),
     ("?limit=3", "limit")],
)  # fmt: skip
def test_hostile_arguments_are_a_400_naming_them(client: Any, runs: tuple[str, str], query: str, named: str) -> None:
    login(client, MANAGER)
    response = client.get(f"{BASE}/runs/{runs[1]}/migration/schema_diff{query}")
    assert response.status_code == 400 and response.json["error_code"] == "INVALID_REQUEST", response.json
    assert named in response.json["errors"]


def test_a_run_without_a_catalog_is_gated(client: Any, worker: Any, target: int) -> None:
    login(client, MANAGER)
    fresh = new_run(client, target, CSV)
    response = schema_diff(client, fresh)
    assert response.status_code == 409 and response.json["error_code"] == "STAGE_GATED", response.json
    assert "ingest" in response.json["message"]
    missing = schema_diff(client, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert missing.status_code == 404
