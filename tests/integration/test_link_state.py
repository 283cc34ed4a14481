"""A link's stored state (filter state, Explore state, permalinks) is written by whoever made the link: a state of
another shape or nesting answers 400 with a message, never 500, and a value in it is checked like an override."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.dashboards import COUNTRY_FILTER, country_mask
from tests.users import ADMIN, MANAGER, login

SESSIONS = "/api/v1/dataset_review/sessions/"


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


def start_from_filter_state(client: Any, examples: dict[str, int], state: Any) -> Any:
    login(client, ADMIN)
    dashboard = examples["dashboard"]
    made = client.post(f"/api/v1/dashboard/{dashboard}/filter_state", json={"value": json.dumps(state)})
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    return client.post(
        SESSIONS, json={"source": f"/superset/dashboard/{dashboard}/?native_filters_key={made.json['key']}"}
    )


@pytest.mark.parametrize(
    "state",
    [
        [1, 2],  # JSON Superset accepts, not a data mask
        {COUNTRY_FILTER: "USA"},
        {COUNTRY_FILTER: {"filterState": ["USA"]}},
        {COUNTRY_FILTER: {"filterState": {"value": ["USA"]}, "extraFormData": "x"}},
        {COUNTRY_FILTER: {"filterState": {"value": deep(200)}}},  # below Python's recursion limit, above any state
    ],
    ids=["list", "filter-a-string", "filter-state-a-list", "extra-form-data-a-string", "nested-200-deep"],
)
def test_a_filter_state_of_another_shape_is_a_400(client: Any, examples: dict[str, int], state: Any) -> None:
    """Before: AttributeError on .get of a list or string, a 500."""
    refused = start_from_filter_state(client, examples, state)
    assert refused.status_code == 400, refused.json
    assert refused.json["error_code"] == "BAD_LINK_STATE" and "filter state" in refused.json["message"]


def test_a_filter_state_value_with_jinja_is_a_400(client: Any, examples: dict[str, int]) -> None:
    refused = start_from_filter_state(client, examples, country_mask(["USA", "{{ config.SECRET_KEY }}"]))
    assert refused.status_code == 400 and refused.json["error_code"] == "BAD_LINK_VALUE"
    assert "Jinja delimiters" in refused.json["message"]


def test_a_good_filter_state_still_starts(client: Any, examples: dict[str, int]) -> None:
    assert start_from_filter_state(client, examples, country_mask(["USA"])).status_code == 201


def start_from_explore_state(client: Any, examples: dict[str, int], form_data: dict[str, Any]) -> Any:
    login(client, ADMIN)
    made = client.post(
        "/api/v1/explore/form_data",
        json={"datasource_id": examples["templated"], "datasource_type": "table", "form_data": json.dumps(form_data)},
    )
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    return client.post(SESSIONS, json={"source": f"/explore/?form_data_key={made.json['key']}"})


@pytest.mark.parametrize(
    "change",
    [
        {"slice_id": "abc"},  # before: int("abc"), a 500
        {"slice_id": 10**30},  # beyond any database integer
        {"adhoc_filters": 7},
        {"extra_form_data": {"filters": ["country"]}},
        {"url_params": ["deal_size", "Large"]},
    ],
    ids=["slice-id-text", "slice-id-huge", "adhoc-filters-a-number", "extra-filter-a-string", "url-params-a-list"],
)
def test_an_explore_state_of_another_shape_is_a_400(
    client: Any, examples: dict[str, int], change: dict[str, Any]
) -> None:
    form_data = {"datasource": f"{examples['templated']}__table", "viz_type": "table", **change}
    refused = start_from_explore_state(client, examples, form_data)
    assert refused.status_code == 400, refused.json
    assert refused.json["error_code"] in ("BAD_LINK_STATE", "BAD_LINK_VALUE")


@pytest.mark.parametrize("parameters", ["{not json", "[1, 2]", json.dumps({"x": deep(100)})])
def test_a_saved_querys_template_parameters_of_another_shape_are_a_400(
    app: Any, client: Any, examples: dict[str, int], parameters: str
) -> None:
    """Before: json.loads raised on the saved text (a 500), or a list was taken for the parameters."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        sql, database_id = dataset.sql, dataset.database_id
    login(client, ADMIN)  # a saved query is read as its owner's: the one who saves it starts the review
    saved = client.post("/api/v1/saved_query/", json={"db_id": database_id, "sql": sql, "label": "mine",
                                                      "template_parameters": parameters})  # fmt: skip
    assert saved.status_code == 201, saved.json
    refused = client.post(SESSIONS, json={"source": f"/sqllab/?savedQueryId={saved.json['id']}"})
    assert refused.status_code == 400 and refused.json["error_code"] == "BAD_LINK_STATE", refused.json
    assert "saved query" in refused.json["message"]
