"""The standardization shim: names, text cleaning and types, as a DSL plan (data, not code)."""

from __future__ import annotations

import polars as pl
import pytest

from superset_review.onboarding.ingest import shim
from superset_review.transform_dsl import DSL_VERSION


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Customer Name", "customer_name"),
        ("customerId", "customer_id"),
        ("HTTPStatusCode", "http_status_code"),
        ("  E-mail Address  ", "e_mail_address"),
        ("order_date", "order_date"),
        ("Zoë Café", "zoe_cafe"),
        ("ДатаРождения", "data_rozhdeniya"),
        ("Сумма, руб.", "summa_rub"),
        ("2024 revenue", "c_2024_revenue"),
        ("???", "column_7"),
        ("", "column_7"),
        ("日本語", "column_7"),
        ("a" * 100, "a" * shim.NAME_MAX),
        ("__id__", "id"),
    ],
)
def test_standard_name_is_snake_case_ascii(name: str, expected: str) -> None:
    assert shim.standard_name(name, 7) == expected


def test_standard_names_are_unique_in_order() -> None:
    assert shim.standard_names(["Name", "name", "NAME ", "name_2", "x"]) == ["name", "name_2", "name_3",
                                                                             "name_2_2", "x"]  # fmt: skip
    long = ["b" * 80, "b" * 70]
    names = shim.standard_names(long)
    assert len(set(names)) == 2 and all(len(name) <= shim.NAME_MAX for name in names)


def test_standard_name_is_linear_on_hostile_headers() -> None:
    import time

    started = time.perf_counter()
    assert shim.standard_name("aA" * 50_000, 1).startswith("a_a")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("values", "guess"),
    [
        (["1", " 22 ", "-3", None, ""], shim.Guess("integer")),
        (["1.5", "2", "-3e5", ".5"], shim.Guess("float")),
        (["true", "FALSE", "True"], shim.Guess("boolean")),
        (["2024-01-31", "2023-12-01"], shim.Guess("date", "%Y-%m-%d")),
        (["31.01.2024", "01.12.2023"], shim.Guess("date", "%d.%m.%Y")),
        (["2024/01/31"], shim.Guess("date", "%Y/%m/%d")),
        (["2024-01-31 10:00:00", "2024-02-01 23:59:59"], shim.Guess("timestamp", "%Y-%m-%d %H:%M:%S")),
        (["2024-01-31T10:00:00"], shim.Guess("timestamp", "%Y-%m-%dT%H:%M:%S")),
        (["007", "123"], shim.TEXT),  # a leading zero: a code
        (["1", "x"], shim.TEXT),
        (["12345678901234567890"], shim.TEXT),  # beyond a 64-bit integer
        ([None, None], shim.TEXT),
        (["yes", "no"], shim.TEXT),
        (["2024-01-31", "31.01.2024"], shim.TEXT),  # two formats: not one date_parse
    ],
)
def test_guess_types_needs_every_value(values: list[str | None], guess: shim.Guess) -> None:
    head = pl.DataFrame({"c": values}, schema={"c": pl.String})
    assert shim.guess_types(head, ["c"]) == {"c": guess}


def test_build_plan_is_the_dsl_shape() -> None:
    guesses = {"Amount": shim.Guess("float"), "Order Date": shim.Guess("date", "%Y-%m-%d")}
    plan = shim.build_plan(["Customer Name", "Amount", "Order Date", "qty"],
                           {"Customer Name": "string", "Amount": "string", "Order Date": "string",
                            "qty": "integer"}, guesses)  # fmt: skip
    assert plan["dsl_version"] == DSL_VERSION
    assert [(p["source"], p["target"]) for p in plan["pipelines"]] == [
        ("Customer Name", "customer_name"),
        ("Amount", "amount"),
        ("Order Date", "order_date"),
        ("qty", "qty"),
    ]
    cleaning = [{"op": "trim"}, {"op": "collapse_whitespace"}]
    blanks = {"op": "map_dict", "mapping": {"": None}, "default": "keep"}
    assert [p["ops"] for p in plan["pipelines"]] == [
        cleaning,
        [{"op": "trim"}, blanks, {"op": "type_cast", "to": "float"}],
        [{"op": "trim"}, blanks, {"op": "date_parse", "format": "%Y-%m-%d"}],
        [],  # typed already: renamed only
    ]  # fmt: skip
    assert shim.output_type("string", guesses["Amount"]) == "float"
    assert shim.output_type("integer", shim.TEXT) == "integer"
