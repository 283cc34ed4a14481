"""Mappings from a template and a recovered context; value checks; the inert twin of the inputs."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.execution.mappings import (
    Approval,
    MappingValueError,
    build_mappings,
    check_value,
    compile_inputs,
    override_value,
    placeholder_inputs,
)
from superset_review.intake.jinja import find_template_variables

SQL = """SELECT * FROM sales
WHERE sales >= {{ min_sales }}
{% if filter_values('country') %} AND country IN {{ filter_values('country') | where_in }}{% endif %}
AND deal_size = '{{ url_param('deal_size') }}'
AND region = '{{ url_param('region', 'EMEA') }}'
"""


def context(**extra: Any) -> dict[str, Any]:
    return {"dataset_id": 1, "url_params": {}, "template_params": {}, "filters": [], "link": "Dataset 1", **extra}


def by_name(ctx: dict[str, Any]) -> dict[str, Any]:
    return {m.variable: m for m in build_mappings(find_template_variables(SQL), ctx)}


def flt(dataset_id: int, value: Any, provenance: str = "permalink", status: str = "confirmed") -> dict[str, Any]:
    return {"filter_id": "F", "name": "Country", "column": "country", "dataset_id": dataset_id, "value": value,
            "provenance": provenance, "status": status}  # fmt: skip


@pytest.mark.parametrize(
    ("ctx", "variable", "value", "provenance", "approval"),
    [
        (context(), "min_sales", None, "none", Approval.NOT_NEEDED),
        (context(template_params={"min_sales": 5}), "min_sales", 5, "dataset_params", Approval.NOT_NEEDED),
        (context(), "region", None, "template_default", Approval.NOT_NEEDED),
        (context(url_params={"deal_size": "Large"}), "deal_size", "Large", "url", Approval.NOT_NEEDED),
        # A permalink's stored state is not the reviewer's link: its values need an approval.
        (context(url_params={"deal_size": "L"}, permalink_params=["deal_size"]), "deal_size", "L", "permalink",
         Approval.PENDING),
        (context(template_params={"min_sales": 5}, permalink_params=["min_sales"]), "min_sales", 5, "permalink",
         Approval.PENDING),
        (context(), "country", [], "none", Approval.NOT_NEEDED),
        (context(filters=[flt(1, ["FR"])]), "country", ["FR"], "permalink", Approval.PENDING),
        (context(filters=[flt(1, ["FR"], "url")]), "country", ["FR"], "url", Approval.NOT_NEEDED),
        (context(filters=[flt(1, ["FR"], "filter_state")]), "country", ["FR"], "filter_state", Approval.NOT_NEEDED),
        (context(filters=[flt(1, ["FR"], "native_filter_default")]), "country", ["FR"], "native_filter_default",
         Approval.NOT_NEEDED),
        (context(filters=[flt(2, ["FR"])]), "country", ["FR"], "permalink", Approval.PENDING),
        (context(filters=[flt(1, "FR")]), "country", ["FR"], "permalink", Approval.PENDING),
        (context(filters=[flt(1, ["FR"], status="partial")]), "country", ["FR"], "permalink", Approval.PENDING),
    ],
)  # fmt: skip
def test_values_from_the_context(
    ctx: dict[str, Any], variable: str, value: Any, provenance: str, approval: Approval
) -> None:
    mapping = by_name(ctx)[variable]
    assert (mapping.value, mapping.provenance, mapping.approval) == (value, provenance, approval)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("country", ["FR", 3, True], ["FR", 3, True]),
        ("country", "FR", "takes a list"),
        ("country", [{"a": 1}], "takes text, numbers"),
        ("deal_size", "Large", "Large"),
        ("deal_size", 7, "7"),
        ("deal_size", ["x"], "takes one text value"),
        ("deal_size", "{% raw %}", "Jinja delimiters"),
        ("deal_size", "a\nb", "control characters"),
        ("min_sales", 10.5, 10.5),
        ("min_sales", {"x": 1}, "takes text, numbers"),
    ],
)
def test_values_are_checked_by_kind(variable: str, value: Any, expected: Any) -> None:
    mapping = by_name(context())[variable]
    if isinstance(expected, str) and " " in expected:
        with pytest.raises(MappingValueError, match=expected):
            check_value(mapping, value)
    else:
        assert check_value(mapping, value) == expected


def test_a_manual_value_is_approved_only_by_an_approver() -> None:
    mapping = by_name(context())["min_sales"]
    mine = override_value(mapping, 7, "ann", "finance asked", can_approve=False)
    assert (mine.value, mine.provenance, mine.approval) == (7, "manual", Approval.PENDING)
    assert mine.override == {"by": "ann", "why": "finance asked", "previous": None}
    approved = override_value(mapping, 7, "boss", "checked", can_approve=True)
    assert (approved.approval, approved.approved_by) == (Approval.APPROVED, "boss")


def test_the_inert_twin_keeps_the_shape() -> None:
    ctx = context(url_params={"deal_size": "x' OR 1=1"}, template_params={"min_sales": -5},
                  filters=[flt(1, ["FR", "1.5", 3])])  # fmt: skip
    inputs = compile_inputs(by_name(ctx).values())
    inert = placeholder_inputs(inputs)
    assert inert.url_params == {"deal_size": "x"}
    assert inert.template_params == {"min_sales": -1}
    assert inert.filters == {"country": ["x", "0", 0]}
