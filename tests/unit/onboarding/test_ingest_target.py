"""A target schema written as YAML: read safely, checked field by field, refused naming the field."""

from __future__ import annotations

import time

import pytest

from superset_review.extension.errors import ErrorCode
from superset_review.onboarding.ingest.catalog import logical_of_sql, schema_hash
from superset_review.onboarding.ingest.exceptions import TargetInvalidError
from superset_review.onboarding.ingest.target import read_target, yaml_target

GOOD = """
name: customers
columns:
  - name: customer_id
    dtype: integer
    required: true
    nullable: false
  - name: email
    dtype: string
    pii: EMAIL
    domain: email
    description: Where we write to
  - name: signed_up
    dtype: date
"""


def test_a_yaml_target_is_normalised() -> None:
    body = yaml_target(GOOD)
    assert body["name"] == "customers" and body["dataset_id"] is None
    assert body["columns"][0] == {"name": "customer_id", "dtype": "integer", "physical_type": None, "nullable": False,
                                  "domain": None, "pii": None, "description": None, "required": True}  # fmt: skip
    assert body["columns"][1]["pii"] == "EMAIL" and body["columns"][2]["required"] is False
    assert body["schema_hash"] == schema_hash(body["columns"]) and len(body["schema_hash"]) == 64
    assert read_target({"location": "yaml", "schema_ref": GOOD}) == body


def test_the_schema_hash_follows_names_and_types_only() -> None:
    described = yaml_target(GOOD.replace("Where we write to", "Another description"))
    assert described["schema_hash"] == yaml_target(GOOD)["schema_hash"]
    assert (
        yaml_target(GOOD.replace("dtype: date", "dtype: timestamp"))["schema_hash"] != yaml_target(GOOD)["schema_hash"]
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace("dtype: integer", "dtype: bigint"), "columns[0].dtype"),
        (GOOD.replace("pii: EMAIL", "pii: SECRET"), "columns[1].pii"),
        (GOOD.replace("required: true", "required: maybe"), "columns[0].required"),
        (GOOD.replace("    domain: email", "    colour: blue"), "columns[1].colour"),
        (GOOD.replace("  - name: signed_up", "  - name: email"), "columns[2].name"),
        (GOOD.replace("name: customers\n", ""), "name"),
        ("name: x\ncolumns: []\n", "columns"),
        ("name: x\ncolumns: {a: 1}\n", "columns"),
        ("name: x\ncolumns:\n  - dtype: string\n", "columns[0].name"),
        ("- just\n- a list\n", "schema"),
        ("name: [unclosed\n", "schema"),
        ("", "schema_ref"),
        ("a: &x [1]\nb: *x\n", "schema"),
        ("a: " + "[" * 50 + "]" * 50 + "\n", "schema"),
        ("x" * 200_001, "schema_ref"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_bad_field_is_named(text: str, field: str) -> None:
    with pytest.raises(TargetInvalidError) as caught:
        yaml_target(text)
    assert caught.value.code == ErrorCode.TARGET_INVALID and caught.value.status == 422
    assert caught.value.details["field"] == field


def test_an_alias_bomb_is_refused_before_it_is_built() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    started = time.perf_counter()
    with pytest.raises(TargetInvalidError, match="aliases"):
        yaml_target(bomb)
    assert time.perf_counter() - started < 1


def test_python_tags_are_not_objects() -> None:
    with pytest.raises(TargetInvalidError):
        yaml_target("name: !!python/object/apply:os.system ['true']\ncolumns: []\n")


@pytest.mark.parametrize(
    ("sql_type", "logical"),
    [
        ("BIGINT", "integer"),
        ("INTEGER", "integer"),
        ("SMALLINT", "integer"),
        ("NUMERIC(10, 2)", "float"),
        ("DOUBLE PRECISION", "float"),
        ("REAL", "float"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("TIMESTAMP WITHOUT TIME ZONE", "timestamp"),
        ("DATETIME", "timestamp"),
        ("VARCHAR(20)", "string"),
        ("TEXT", "string"),
        ("INTERVAL", "string"),
        ("POINT", "string"),
        ("UUID", "string"),
        (None, "string"),
        ("Int64", "integer"),
        ("Float64", "float"),
        ("String", "string"),
    ],
)
def test_logical_types_of_database_types(sql_type: str | None, logical: str) -> None:
    assert logical_of_sql(sql_type) == logical
