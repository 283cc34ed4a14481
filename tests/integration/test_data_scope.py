"""REVIEW_LLM_DATA_SCOPE on every LLM path, against the real app, PostgreSQL, Redis and the LLM stub over HTTP.

Under ``ai_safe_views`` (the default) row values reach a model only from a usable AI-safe view: domaining's
borderline step reads its samples through the view's Superset dataset (redacted values, hidden columns as headers
only); with no usable view the call with the dataset as source is refused (POLICY_BLOCK in the ledger) and the step
asks with metadata only. Under ``datasets`` it behaves as before. Metadata-only features (AI drafts, question
wording) are allowed under both scopes and carry no row value. Domaining runs in-process here (the command the
worker runs), as the session's worker is started once with its own configuration.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests.datasets import CUSTOMERS, create_customers_table, register_dataset
from tests.integration.test_dataset_domains import DOMAINS, by_column
from tests.integration.test_domains_llm import PLACE_READINGS, ROWS
from tests.integration.test_domains_llm import borderline as borderline_table  # noqa: F401 - the fixture
from tests.llm_stub import LLMStub, reply_json
from tests.services import Services
from tests.users import ADMIN, login

pytest_plugins = ["tests.llm_stub.fixtures"]

MODEL = "scope-model"
CHECK = "/api/v1/dataset_review/policy/check"
PICK = {"columns": [{"column": "place", "domain": "address.street_address"}]}


@pytest.fixture(scope="module")
def borderline(borderline_table: int) -> int:  # noqa: F811 - the imported fixture, by its name
    """review_borderline of test_domains_llm (its fixture, imported under another name)."""
    return borderline_table


RAW = [value for row in ROWS for value in (row[0], row[2], row[3])]  # e-mails, street addresses, cities


@pytest.fixture()
def scope(app: Any, services: Services, llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """The in-process app with the stub as its one model and the policy in data_mode (5 rows); the answer cache
    emptied (the same prompt must reach the stub again). Returns the setter of REVIEW_LLM_DATA_SCOPE."""
    from superset_review.llm.cache import PREFIX
    from superset_review.llm.registry import parse_registry
    from superset_review.policy.manifest import parse_policy

    monkeypatch.setenv("SCOPE_STUB_KEY", "sk-scope-stub")
    entry = {
        "name": MODEL,
        "model": f"openai/{MODEL}",
        "api_base": llm_stub.openai_base,
        "api_key_env": "SCOPE_STUB_KEY",
    }
    monkeypatch.setitem(app.config, "REVIEW_LLM_MODELS", parse_registry([entry]))
    monkeypatch.setitem(app.config, "REVIEW_POLICY", parse_policy({"mode": "data_mode", "sample_caps": {"rows": 5}}))
    client = redis.Redis.from_url(services.redis.url)
    for key in client.scan_iter(f"{PREFIX}*"):
        client.delete(key)
    client.close()

    def set_scope(value: str) -> None:
        monkeypatch.setitem(app.config, "REVIEW_LLM_DATA_SCOPE", value)

    set_scope("ai_safe_views")
    return set_scope


def make_view(app: Any, services: Services, base_dataset_id: int, *, drifted: bool = False) -> int:
    """An AI-safe view of review_borderline: ``ref`` hashed (md5), ``place`` masked (first two characters), ``label``
    as is, ``city`` left out. Until the view command of helper A2 is on main, the view is made here as the command
    will make it: a Superset virtual dataset over the view's SQL, and the SafeView row pointing at it (``drifted``:
    recorded against a base column that no longer exists)."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    from superset_review.safe_views.access import base_columns
    from superset_review.safe_views.models import SafeView, ViewState

    sql = "SELECT md5(ref) AS ref, label, left(place, 2) || '***' AS place FROM public.review_borderline"
    with app.app_context():
        base = db.session.get(SqlaTable, base_dataset_id)
        virtual = SqlaTable(table_name=f"review_borderline_ai_{uuid.uuid4().hex[:8]}", database=base.database,
                            schema="public", sql=sql)  # fmt: skip
        db.session.add(virtual)
        db.session.flush()
        virtual.fetch_metadata()
        recorded = base_columns(base) + ([{"name": "gone", "type": "TEXT"}] if drifted else [])
        view = SafeView(
            name="borderline for the LLM", base_dataset_id=base_dataset_id, database_id=base.database_id,
            dataset_id=virtual.id, version=1, content_hash="0" * 64,
            definition={"columns": ["ref", "label", "place"],
                        "redactions": {"ref": {"operator": "hash"}, "place": {"operator": "mask", "keep_prefix": 2}}},
            sql=sql, base_columns=recorded, state=ViewState.FRESH.value,
        )  # fmt: skip
        db.session.add(view)
        db.session.commit()
        return int(view.id)


def archive(app: Any, view_id: int) -> None:
    from superset.extensions import db

    from superset_review.safe_views.models import SafeView, ViewState

    with app.app_context():
        view = db.session.get(SafeView, view_id)
        view.state = ViewState.ARCHIVED.value
        db.session.commit()


@pytest.fixture()
def fresh_view(app: Any, services: Services, borderline: int) -> Iterator[int]:
    view_id = make_view(app, services, borderline)
    yield view_id
    archive(app, view_id)


@pytest.fixture()
def stale_view(app: Any, services: Services, borderline: int) -> Iterator[int]:
    view_id = make_view(app, services, borderline, drifted=True)
    yield view_id
    archive(app, view_id)


def domain_as_admin(app: Any, dataset_id: int) -> None:
    """Domaining of the dataset in this process, as the worker runs it for the admin."""
    from superset.extensions import security_manager
    from superset.utils.core import override_user

    from superset_review.domains.commands.classify_dataset import ClassifyDatasetCommand

    with app.test_request_context(), override_user(security_manager.find_user(ADMIN)):
        ClassifyDatasetCommand(dataset_id).run()


def ledger_since(app: Any, since: int, feature: str = "domains.borderline") -> list[dict[str, Any]]:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(
            db.text("SELECT * FROM dataset_review_llm_ledger WHERE id > :since AND feature = :feature ORDER BY id"),
            {"since": since, "feature": feature},
        )
        return [dict(row._mapping) for row in rows]


def last_ledger_id(app: Any) -> int:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return int(connection.execute(db.text("SELECT coalesce(max(id), 0) FROM dataset_review_llm_ledger")).scalar())


def borderline_prompts(stub: LLMStub, since: int) -> list[str]:
    texts = [" ".join(request.texts()) for request in stub.requests[since:]]
    return [text for text in texts if "choose one of" in text]


def assignments(client: Any, dataset_id: int) -> dict[str, Any]:
    login(client, ADMIN)
    response = client.get(f"{DOMAINS}/{dataset_id}")
    assert response.status_code == 200, response.json
    return by_column(response.json)


def test_no_view_refuses_the_samples_then_asks_with_metadata_only(
    app: Any,
    client: Any,
    borderline: int,
    scope: Any,
    llm_stub: LLMStub,
) -> None:
    llm_stub.script(MODEL, reply_json(PICK))
    since, sent = last_ledger_id(app), len(llm_stub.requests)
    domain_as_admin(app, borderline)
    refused, asked = ledger_since(app, since)
    assert (refused["outcome"], refused["error_code"]) == ("refused", "POLICY_BLOCK")
    assert f"rows of dataset {borderline} may not reach a model" in refused["error_message"]
    assert f"create an AI-safe view of dataset {borderline}" in refused["error_message"]
    assert asked["outcome"] == "ok"
    [prompt] = borderline_prompts(llm_stub, sent)
    assert "samples" not in prompt, "metadata only: headers, types and candidates"
    assert all(column in prompt for column in ("ref", "label", "place", "city"))
    assert not [value for value in RAW if value in prompt]
    found = assignments(client, borderline)
    withheld = found["place"]["evidence"]["llm_samples_withheld"]
    assert withheld["source"] == {"kind": "dataset", "id": borderline, "dataset_id": borderline}
    assert "ai_safe_views" in withheld["reason"]
    assert all("llm_samples_withheld" in found[column]["evidence"] for column in ("ref", "label", "city"))
    assert found["place"]["evidence"]["llm"]["domain"] == "address.street_address", "the metadata answer applies"


def test_a_fresh_view_feeds_the_prompt_its_redacted_values_only(
    app: Any,
    client: Any,
    borderline: int,
    fresh_view: int,
    scope: Any,
    llm_stub: LLMStub,
) -> None:
    llm_stub.script(MODEL, reply_json(PICK))
    since, sent = last_ledger_id(app), len(llm_stub.requests)
    domain_as_admin(app, borderline)
    [asked] = ledger_since(app, since)
    assert asked["outcome"] == "ok" and asked["error_code"] is None
    [prompt] = borderline_prompts(llm_stub, sent)
    hashed = [hashlib.md5(row[0].encode()).hexdigest() for row in ROWS[:3]]  # noqa: S324 - the view's own SQL
    assert any(value in prompt for value in hashed), prompt
    assert "'12***'" in prompt and "'Me***'" in prompt, "masked by the view's SQL"
    assert not [value for value in RAW if value in prompt], "no raw e-mail, address, nor a city the view hides"
    city_line = next(line for line in prompt.splitlines() if line.startswith("- city"))
    assert "samples" not in city_line, "a column the view leaves out: header and type only"
    found = assignments(client, borderline)
    assert "llm_samples_withheld" not in found["place"]["evidence"]
    assert found["place"]["evidence"]["llm"]["domain"] == "address.street_address"


def test_a_stale_view_is_refused_and_marked(
    app: Any,
    client: Any,
    borderline: int,
    stale_view: int,
    scope: Any,
    llm_stub: LLMStub,
) -> None:
    from superset.extensions import db

    from superset_review.safe_views.models import SafeView

    llm_stub.script(MODEL, reply_json(PICK))
    since, sent = last_ledger_id(app), len(llm_stub.requests)
    domain_as_admin(app, borderline)
    refused, asked = ledger_since(app, since)
    assert refused["error_code"] == "POLICY_BLOCK" and refused["outcome"] == "refused"
    assert f"AI-safe view {stale_view} is stale" in refused["error_message"]
    assert asked["outcome"] == "ok"
    [prompt] = borderline_prompts(llm_stub, sent)
    assert "samples" not in prompt and not [value for value in RAW if value in prompt]
    with app.app_context():
        view = db.session.get(SafeView, stale_view)
        assert view.state == "stale" and view.stale_reason["removed"] == ["gone"]


def test_the_datasets_scope_keeps_the_previous_behaviour(
    app: Any,
    client: Any,
    borderline: int,
    scope: Any,
    llm_stub: LLMStub,
) -> None:
    scope("datasets")
    llm_stub.script(MODEL, reply_json(PICK))
    since, sent = last_ledger_id(app), len(llm_stub.requests)
    domain_as_admin(app, borderline)
    [asked] = ledger_since(app, since)
    assert asked["outcome"] == "ok"
    [prompt] = borderline_prompts(llm_stub, sent)
    assert "samples" in prompt, "the dataset's own masked snippets"
    assert "@example" not in prompt and not [value for value in RAW if "@" in value and value in prompt]
    found = assignments(client, borderline)
    assert "llm_samples_withheld" not in found["place"]["evidence"]
    assert found["place"]["domain"] in PLACE_READINGS


def _gateway_call(app: Any, *, contains_data: bool, source: Any) -> Any:
    from superset.extensions import security_manager
    from superset.utils.core import override_user

    from superset_review.llm.errors import LlmError
    from superset_review.llm.gateway import CompletionRequest, LlmGateway

    request = CompletionRequest(
        feature="scope.test", messages=[{"role": "user", "content": f"rows: {uuid.uuid4().hex}"}],
        contains_data=contains_data, data_source=source, sample_rows=1 if contains_data else 0,
    )  # fmt: skip
    with app.test_request_context(), override_user(security_manager.find_user(ADMIN)):
        try:
            return LlmGateway.from_app().complete(request)
        except LlmError as error:
            return error


@pytest.mark.parametrize("data_scope", ["ai_safe_views", "datasets"])
def test_the_gateway_judges_each_source(
    app: Any,
    borderline: int,
    fresh_view: int,
    stale_view: int,
    scope: Any,
    data_scope: str,
) -> None:
    from superset_review.llm.errors import LlmError
    from superset_review.policy.scope import DataSource

    scope(data_scope)
    strict = data_scope == "ai_safe_views"
    cases = {
        "no source": None,
        "raw dataset": DataSource.dataset(borderline),
        "fresh view": DataSource.safe_view(fresh_view),
        "stale view": DataSource.safe_view(stale_view),
        "unknown view": DataSource.safe_view(2**31 - 1),
    }
    refused = {
        name
        for name, source in cases.items()
        if isinstance(_gateway_call(app, contains_data=True, source=source), LlmError)
    }
    assert refused == ({"no source", "raw dataset", "stale view", "unknown view"} if strict else set())
    for source in cases.values():
        metadata = _gateway_call(app, contains_data=False, source=source)
        assert not isinstance(metadata, LlmError), "metadata only: unchanged in both scopes"
    if strict:
        error = _gateway_call(app, contains_data=True, source=DataSource.safe_view(stale_view))
        assert error.code.value == "POLICY_BLOCK" and f"AI-safe view {stale_view} is stale" in error.message


def test_the_policy_check_shows_the_scope_decision(
    client: Any,
    borderline: int,
    fresh_view: int,
    scope: Any,
) -> None:
    login(client, ADMIN)
    body = {"feature": "f", "contains_data": True, "sample_rows": 1, "messages": [{"role": "user", "content": "x"}]}
    raw = client.post(CHECK, json={**body, "data_source": {"kind": "dataset", "id": borderline}})
    assert raw.status_code == 200, raw.json
    decision = raw.json["decision"]
    assert decision["allowed"] is False and decision["error_code"] == "POLICY_BLOCK"
    assert f"create an AI-safe view of dataset {borderline}" in " ".join(decision["reasons"])
    assert decision["data_scope"]["scope"] == "ai_safe_views"
    assert decision["data_scope"]["source"]["kind"] == "dataset"
    view = client.post(CHECK, json={**body, "data_source": {"kind": "safe_view", "id": fresh_view}}).json["decision"]
    assert view["allowed"] is True and view["data_scope"]["usable_view"] is True
    assert view["data_scope"]["source"] == {"kind": "safe_view", "id": fresh_view, "dataset_id": borderline}
    bad = client.post(CHECK, json={**body, "data_source": {"kind": "table", "id": -1}})
    assert bad.status_code == 400 and "data_source" in str(bad.json)


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


@pytest.mark.parametrize("data_scope", ["ai_safe_views", "datasets"])
def test_metadata_only_features_stay_allowed_and_carry_no_row_value(
    app: Any, client: Any, customers: int, scope: Any, llm_stub: LLMStub, data_scope: str
) -> None:
    from superset.extensions import security_manager
    from superset.utils.core import override_user

    from superset_review.clarification.engine import Option, Topic, TopicKind
    from superset_review.clarification.phrasing import phrase
    from superset_review.sessions.commands.ai_draft import DraftMeaningsCommand

    scope(data_scope)
    login(client, ADMIN)
    created = client.post("/api/v1/dataset_review/sessions/", json={"source": str(customers)})
    assert created.status_code == 201, created.json
    since, sent = last_ledger_id(app), len(llm_stub.requests)
    llm_stub.script(MODEL, reply_json({"columns": [{"column": "email", "verbose_name": "E-mail", "description": "x"}]}))
    llm_stub.script(MODEL, reply_json({"questions": [{"key": "k1", "question": "What is email?", "why": "w"}]}))
    topic = Topic(key="k1", kind=TopicKind.MEANING, target="email", question="What does email hold?", why="unclear",
                  best_guess=CUSTOMERS[0][2], options=(Option(CUSTOMERS[0][2], CUSTOMERS[0][2]),), effect="")  # fmt: skip
    with app.test_request_context(), override_user(security_manager.find_user(ADMIN)):
        DraftMeaningsCommand(created.json["id"], True).run()
        _, phrased_by = phrase([topic])
    assert phrased_by == f"openai/{MODEL}", "allowed: the model phrased the question"
    drafts = ledger_since(app, since, "semantics.ai_draft")
    assert [row["outcome"] for row in drafts] == ["ok"]
    texts = " ".join(" ".join(request.texts()) for request in llm_stub.requests[sent:])
    assert "email" in texts and "contact_name" in texts
    values = [str(value) for row in CUSTOMERS for value in row[1:5]]
    assert not [value for value in values if value in texts], "metadata only: no row value in any prompt"
