"""Values recovered from links, filter state, Explore state and permalinks are held to a manual override's checks."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.adapters.context import (
    ContextError,
    Provenance,
    RecoveredContext,
    RecoveredFilter,
    Recovery,
    _url_param_pairs,
    check_recovered,
)
from superset_review.execution.mappings import MAX_LIST_VALUES, MAX_TEXT, PROCESSOR_NAMES, MappingKind, check_input


def recovered(**fields: Any) -> RecoveredContext:
    return RecoveredContext(source_kind="dashboard", dataset_id=1, dataset_name="sales", **fields)


def a_filter(value: Any, column: str | None = "country", filter_type: str = "filter_select") -> RecoveredFilter:
    return RecoveredFilter("F", "Country", filter_type, 1, column, value, Provenance.PERMALINK, Recovery.CONFIRMED)


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        (recovered(url_params={"region": "{{ 7*7 }}"}), "Jinja delimiters"),
        (recovered(url_params={"region": "{% raw %}"}), "Jinja delimiters"),
        (recovered(url_params={"region": "EMEA\nDROP"}), "control characters"),
        (recovered(url_params={"region": "x" * (MAX_TEXT + 1)}), f"more than {MAX_TEXT} characters"),
        (recovered(url_params={"region": {"i18n": {"x": {"msgid": "%(b)s"}}}}), "one text value"),
        (recovered(url_params={"{{ name }}": "x"}), "Jinja delimiters"),
        (recovered(filters=[a_filter(["FR", "{{ config }}"])]), "Jinja delimiters"),
        (recovered(filters=[a_filter(list(range(MAX_LIST_VALUES + 1)))]), f"at most {MAX_LIST_VALUES} values"),
        (recovered(filters=[a_filter([{"nested": 1}])]), "text, numbers or true/false"),
        (recovered(filters=[a_filter("FR\x00")]), "control characters"),
        (recovered(filters=[a_filter("Last week {{ x }}", None, "filter_time")]), "Jinja delimiters"),
        (recovered(template_params={"table": "t"}, permalink_params=["table"]), "keeps for itself"),
        (recovered(template_params={"x": "{{ y }}"}, permalink_params=["x"]), "Jinja delimiters"),
    ],
)
def test_a_bad_recovered_value_is_a_400_naming_it(context: RecoveredContext, fragment: str) -> None:
    with pytest.raises(ContextError) as caught:
        check_recovered(context)
    assert caught.value.status == 400 and caught.value.code == "BAD_LINK_VALUE"
    assert fragment in caught.value.message and "paste the new link" in caught.value.message


def test_good_recovered_values_pass() -> None:
    check_recovered(
        recovered(
            url_params={"region": "EMEA", "limit": 5},
            filters=[
                a_filter(["FR", 3, True]),
                a_filter("Last week", None, "filter_time"),
                a_filter("1 = 1", None),
                a_filter([10, None], "amount", "filter_range"),  # a range open at one end
            ],
            # The dataset's own parameters are Superset's: checked when the preview compiles, not here.
            template_params={"table": "t", "min_sales": 5},
        )
    )


@pytest.mark.parametrize("name", sorted(PROCESSOR_NAMES))
def test_a_template_parameter_named_like_the_processors_own_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="keeps for itself"):
        check_input(MappingKind.TEMPLATE_PARAM, name, "x")


def test_url_parameters_may_use_those_names() -> None:
    """url_param('table') reads a URL parameter: only template parameters land in the processor's context."""
    assert check_input(MappingKind.URL_PARAM, "table", "x") == "x"


@pytest.mark.parametrize("value", ["a string", [["a", "b", "c"]], [1, 2], {"a": 1}])
def test_a_permalinks_url_parameters_of_another_shape_are_a_400(value: Any) -> None:
    with pytest.raises(ContextError) as caught:
        _url_param_pairs(value)
    assert caught.value.status == 400


def test_a_permalinks_url_parameters_as_superset_stores_them() -> None:
    assert _url_param_pairs([["region", "EMEA"], ("limit", 5)]) == {"region": "EMEA", "limit": 5}
    assert _url_param_pairs(None) == {}
