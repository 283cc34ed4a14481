"""The run contract v1: its defaults, the keys it refuses (each named), its canonical JSON and hash, a mode change as
a new hash; the run documents' ETag comparison and upload labels."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from marshmallow import ValidationError

from superset_review.onboarding.contract import canonical_json, contract_hash, load_contract, with_mode
from superset_review.onboarding.documents import etag_matches
from superset_review.onboarding.models import RunMode
from superset_review.onboarding.uploads import file_label

RUN_ID = "01J9Z8Y7X6W5V4T3S2R1Q0P9N8"


def minimal(**overrides: Any) -> dict[str, Any]:
    return {
        "lhs": {"source": {"type": "file"}, "location": "3f2a0c1e-0000-4000-8000-000000000001"},
        "rhs": {"source": {"type": "sql"}, "location": "dataset:7"},
        **overrides,
    }


def test_defaults_fill_what_a_user_leaves_out() -> None:
    contract = load_contract(minimal(), "ann")
    assert contract["mode"] == "metadata_only"
    assert contract["threshold_profile_id"] == "tp_default_v1"
    assert contract["dsl_version"] == "1.0.0" and contract["roadmap_version"] == "1.0.0"
    assert contract["sample_caps"] == {"rows_max": 1000, "bytes_max": 4_000_000}
    assert contract["human_confirm_required"] is True and contract["pii_policy"] == "mask"
    assert set(contract["budget_caps"]) == {"ingest", "domains", "mapping", "analysis"}
    assert contract["rbac_actor"] == "ann"
    assert len(contract["run_id"]) == 26


def test_a_given_run_id_is_kept_and_the_actor_is_the_caller() -> None:
    contract = load_contract(minimal(run_id=RUN_ID, rbac_actor="mallory"), "ann")
    assert contract["run_id"] == RUN_ID and contract["rbac_actor"] == "ann"


def test_two_loads_mint_two_run_ids() -> None:
    assert load_contract(minimal(), None)["run_id"] != load_contract(minimal(), None)["run_id"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"mode": "all_the_data"}, "mode"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"run_id": "not-a-ulid"}, "run_id"),
        ({"dsl_version": "0.9"}, "dsl_version"),
        ({"sample_caps": {"rows_max": 0}}, "sample_caps"),
        ({"sample_caps": {"rows_max": 10, "bytes_max": 10}}, "sample_caps"),
        ({"sample_caps": {"rows_max": "10"}}, "sample_caps"),
        ({"budget_caps": {"migration": {"tokens": 1}}}, "budget_caps"),
        ({"budget_caps": {"mapping": {"tokens": -1}}}, "budget_caps"),
        ({"providers_allow": [""]}, "providers_allow"),
        ({"routing_profile": "cheapest"}, "routing_profile"),
        ({"cache_scope": "forever"}, "cache_scope"),
        ({"pii_policy": "show"}, "pii_policy"),
        ({"audit_tags": {f"k{i}": "v" for i in range(21)}}, "audit_tags"),
        ({"lhs": {"source": {"type": "ftp"}, "location": "x"}}, "lhs"),
        ({"lhs": {"source": {"type": "file"}, "location": ""}}, "lhs"),
        ({"rhs": {"source": {"type": "file"}, "location": "dataset:7"}}, "rhs"),
        ({"rhs": {"source": {"type": "sql"}, "location": "table:7"}}, "rhs"),
        ({"rhs": {"source": {"type": "sql"}, "location": "yaml"}}, "rhs"),
    ],
)
def test_a_bad_key_is_refused_by_name(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        load_contract(minimal(**overrides), "ann")
    assert named in refused.value.messages


@pytest.mark.parametrize("value", [None, [], "contract", 3])
def test_a_contract_is_an_object(value: Any) -> None:
    with pytest.raises(ValidationError):
        load_contract(value, "ann")


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_utf8() -> None:
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == '{"a":{"c":"é","d":[1,2]},"b":1}'


def test_the_hash_is_sha256_of_the_canonical_text_whatever_the_key_order() -> None:
    contract = load_contract(minimal(run_id=RUN_ID), "ann")
    shuffled = json.loads(json.dumps(dict(reversed(list(contract.items())))))
    assert contract_hash(shuffled) == contract_hash(contract)
    assert contract_hash(contract) == hashlib.sha256(canonical_json(contract).encode()).hexdigest()


def test_a_yaml_target_with_its_schema_is_accepted() -> None:
    contract = load_contract(
        minimal(rhs={"source": {"type": "sql"}, "location": "yaml", "schema_ref": "name: t"}), None
    )
    assert contract["rhs"]["schema_ref"] == "name: t"


def test_a_mode_change_is_a_new_hash_of_the_same_run() -> None:
    contract = load_contract(minimal(run_id=RUN_ID), "ann")
    changed = with_mode(contract, RunMode.DATA_MODE)
    assert changed["run_id"] == RUN_ID and changed["mode"] == "data_mode"
    assert contract_hash(changed) != contract_hash(contract)
    assert contract["mode"] == "metadata_only", "the old version is not changed in place"
    assert contract_hash(with_mode(changed, RunMode.METADATA_ONLY)) == contract_hash(contract)


@pytest.mark.parametrize(
    ("header", "version", "matches"),
    [
        ('"abc"', None, True),
        ('"abd"', None, False),
        ('W/"abc"', None, False),
        ("*", None, True),
        ('"x", "abc"', None, True),
        ("3", 3, True),
        ('"3"', 3, True),
        ("4", 3, False),
        ("3", None, False),
        ("", None, False),
    ],
)
def test_if_match_is_a_strong_comparison(header: str, version: int | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"', version) is matches


@pytest.mark.parametrize(
    ("given", "label"),
    [
        ("customers.csv", "customers.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\data.tsv", "data.tsv"),
        ("bell\x07.csv", "bell.csv"),
        ("", "upload"),
        (None, "upload"),
        ("/", "upload"),
        ("x" * 400, "x" * 255),
    ],
)
def test_an_uploads_name_is_a_label_only(given: str | None, label: str) -> None:
    assert file_label(given) == label
