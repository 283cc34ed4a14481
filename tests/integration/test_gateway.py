"""The gateway through litellm's real HTTP path to local stub providers, with the real Redis cache and the
ledger in the real metadata database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from marshmallow import Schema, fields

from superset_review.llm.cache import PREFIX, AnswerCache
from superset_review.llm.errors import ErrorCode, LlmError
from superset_review.llm.gateway import Caller, CompletionRequest, EmbeddingRequest, GatewaySettings, LlmGateway
from superset_review.llm.registry import parse_registry
from superset_review.llm.routing import RoutingProfile
from superset_review.policy.manifest import parse_policy
from superset_review.policy.scope import DataScope
from tests.llm_stub import LLMStub, delay, error, garbage, reply, reply_json
from tests.services import Services

pytest_plugins = ["tests.llm_stub.fixtures"]

MakeGateway = Callable[..., LlmGateway]


class ColumnMeaning(Schema):
    verbose_name = fields.String(required=True)
    description = fields.String(required=True)


def model_entry(stub: LLMStub, name: str, provider: str = "openai", **tags: Any) -> dict[str, Any]:
    base = {"openai": stub.openai_base, "anthropic": stub.anthropic_base, "ollama_chat": stub.ollama_base}[provider]
    entry = {"name": name, "model": f"{provider}/{name}", "api_base": base, "api_key_env": "STUB_LLM_KEY", **tags}
    if provider == "ollama_chat":
        entry.pop("api_key_env")
    return entry


@pytest.fixture()
def make_gateway(
    app: Any, services: Services, llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MakeGateway]:
    monkeypatch.setenv("STUB_LLM_KEY", "sk-test-not-a-real-key")
    client = redis.Redis.from_url(services.redis.url)
    for key in client.scan_iter(f"{PREFIX}*"):
        client.delete(key)

    def make(
        models: list[dict[str, Any]] | None = None,
        policy: dict[str, Any] | None = None,
        caller: Caller | None = None,
        timeout: float = 5.0,
        retries: int = 1,
        profile: RoutingProfile = RoutingProfile.QUALITY_FIRST,
        data_scope: DataScope = DataScope.DATASETS,
    ) -> LlmGateway:
        settings = GatewaySettings(
            models=tuple(parse_registry(models if models is not None else [model_entry(llm_stub, "gpt-stub")])),
            profile=profile,
            timeout_seconds=timeout,
            max_retries=retries,
            cache_ttls={"default": 600},
            policy=parse_policy(policy or {}),
            data_scope=data_scope,  # these tests describe calls with no source; test_data_scope tests the scope
        )
        return LlmGateway(settings, AnswerCache(client, settings.cache_ttls), caller or Caller(1, "review_admin", True))

    with app.app_context():
        yield make
    client.close()


def ledger_row(app: Any, ledger_id: int | None = None) -> dict[str, Any]:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        query = "SELECT * FROM dataset_review_llm_ledger " + (
            "WHERE id = :id" if ledger_id else "ORDER BY id DESC LIMIT 1"
        )
        return dict(conn.execute(sa.text(query), {"id": ledger_id}).mappings().one())


def ask(text: str = "What does the column order_date mean?", **options: Any) -> CompletionRequest:
    return CompletionRequest(feature="test", messages=[{"role": "user", "content": text}], **options)


def test_plain_completion_is_answered_and_recorded(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", reply("The date the order was placed."))
    result = make_gateway().complete(ask())
    assert result.text == "The date the order was placed."
    assert result.tokens_in > 0 and result.tokens_out > 0
    row = ledger_row(app, result.ledger_id)
    assert row["outcome"] == "ok" and row["model"] == "openai/gpt-stub" and row["provider"] == "openai"
    assert row["username"] == "review_admin" and row["user_id"] == 1
    assert row["tokens_in"] == result.tokens_in and not row["cache_hit"] and row["policy_version"] == "1"
    assert row["prompt_hash"] and len(row["prompt_hash"]) == 64


def test_structured_output_is_validated(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", reply_json({"verbose_name": "Order date", "description": "When it was placed"}))
    result = make_gateway().complete(ask(schema=ColumnMeaning()))
    assert result.data == {"verbose_name": "Order date", "description": "When it was placed"}
    sent = llm_stub.requests_for("gpt-stub")[0].texts()
    assert any('"verbose_name"' in text for text in sent), "the schema's fields are in the instructions"


def test_invalid_json_is_repaired_once(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script(
        "gpt-stub",
        reply("Sure! verbose_name: Order date"),
        reply_json({"verbose_name": "Order date", "description": "d"}),
    )
    result = make_gateway().complete(ask(schema=ColumnMeaning()))
    assert result.data["verbose_name"] == "Order date"
    requests = llm_stub.requests_for("gpt-stub")
    assert len(requests) == 2
    assert "not valid" in requests[1].texts()[-1]
    assert [step["outcome"] for step in ledger_row(app, result.ledger_id)["fallback_chain"]] == ["repair"]


def test_invalid_twice_needs_quarantine(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", reply("no"), reply_json({"verbose_name": "x"}))
    with pytest.raises(LlmError) as caught:
        make_gateway().complete(ask(schema=ColumnMeaning()))
    assert caught.value.code is ErrorCode.QUARANTINE_REQUIRED
    row = ledger_row(app)
    assert row["outcome"] == "error" and row["error_code"] == "QUARANTINE_REQUIRED"


def test_timeout_is_a_timeout(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", delay(3, then=reply("late")))
    with pytest.raises(LlmError) as caught:
        make_gateway(timeout=0.5, retries=0).complete(ask())
    assert caught.value.code is ErrorCode.TIMEOUT
    row = ledger_row(app)
    assert row["error_code"] == "TIMEOUT" and row["latency_ms"] < 2500


def test_rate_limit_then_success(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", error(429, headers={"Retry-After": "0"}), reply("second time lucky"))
    result = make_gateway(retries=2).complete(ask())
    assert result.text == "second time lucky"
    assert len(llm_stub.requests_for("gpt-stub")) == 2
    assert [step["error_code"] for step in result.fallback_chain] == ["RATE_LIMIT"]
    assert ledger_row(app, result.ledger_id)["fallback_chain"][0]["error_code"] == "RATE_LIMIT"


def test_server_error_falls_back_to_the_next_model(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    models = [model_entry(llm_stub, "primary", quality=5), model_entry(llm_stub, "secondary", quality=3)]
    llm_stub.script("primary", error(500), error(500))
    llm_stub.script("secondary", reply("from the fallback"))
    result = make_gateway(models, retries=1).complete(ask())
    assert result.text == "from the fallback" and result.model == "openai/secondary"
    assert [(s["model"], s["error_code"]) for s in result.fallback_chain] == [
        ("primary", "TRANSIENT_ERROR"),
        ("primary", "TRANSIENT_ERROR"),
    ]


def test_garbage_answer_falls_back(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    models = [model_entry(llm_stub, "broken", quality=5), model_entry(llm_stub, "sane", quality=1)]
    llm_stub.set_default("broken", garbage())
    llm_stub.script("sane", reply("ok"))
    result = make_gateway(models, retries=0).complete(ask())
    assert result.text == "ok" and result.fallback_chain[0]["error_code"] == "TRANSIENT_ERROR"


def test_budget_refuses_before_sending(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    gateway = make_gateway(policy={"budgets": {"default": {"tokens": 10}}})
    with pytest.raises(LlmError) as caught:
        gateway.complete(ask())
    assert caught.value.code is ErrorCode.QUOTA_EXHAUSTED
    assert caught.value.details["estimate"]["tokens_in"] > 0
    assert llm_stub.requests == [], "nothing reached the provider"
    row = ledger_row(app)
    assert row["outcome"] == "refused" and row["error_code"] == "QUOTA_EXHAUSTED" and row["estimated_tokens"] > 10


def test_zero_budget_refuses_everything(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    with pytest.raises(LlmError, match="QUOTA_EXHAUSTED"):
        make_gateway(policy={"budgets": {"default": {"tokens": 0, "usd": 0}}}).complete(ask())
    assert llm_stub.requests == []


def test_cache_hit_fresh_and_no_cache(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    gateway = make_gateway()
    llm_stub.set_default("gpt-stub", reply("cached answer"))
    first = gateway.complete(ask())
    second = gateway.complete(ask())
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.text == "cached answer" and len(llm_stub.requests_for("gpt-stub")) == 1
    assert ledger_row(app, second.ledger_id)["outcome"] == "cache_hit"
    assert not gateway.complete(ask(fresh=True)).cache_hit
    assert len(llm_stub.requests_for("gpt-stub")) == 2
    other = "A question whose answer must not be stored"
    gateway.complete(ask(other, no_cache=True))
    assert not gateway.complete(ask(other, no_cache=True)).cache_hit
    changed = gateway.complete(ask(artifact_hashes=["dataset-v2"]))
    assert not changed.cache_hit, "a changed artifact is a different key"


SAMPLE = """Rows of the customers dataset:
| name | email | phone | card |
| Ann Lee | ann.lee@example.com | +1 (415) 555-0132 | 4111 1111 1111 1111 |
| Bo Chen | bo.chen@mail.example.org | +44 20 7946 0958 | 5500-0000-0000-0004 |
Describe the columns."""
SECRETS = [
    "ann.lee@example.com", "bo.chen@mail.example.org", "(415) 555-0132", "20 7946 0958",
    "4111 1111 1111 1111", "5500-0000-0000-0004", "Ann Lee", "Bo Chen",
]  # fmt: skip


def test_pii_never_reaches_the_provider(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", reply("Column email holds addresses such as <EMAIL_1>."))
    gateway = make_gateway(policy={"mode": "data_mode"})
    result = gateway.complete(ask(SAMPLE, contains_data=True, sample_rows=2))
    sent = llm_stub.all_text()
    for secret in SECRETS:
        assert secret not in sent, f"{secret} reached the provider"
    assert "<EMAIL_1>" in sent and "<CREDIT_CARD_2>" in sent and "<PHONE_1>" in sent
    assert result.text == "Column email holds addresses such as ann.lee@example.com.", "tokens come back unmasked"
    row = ledger_row(app, result.ledger_id)
    assert row["pii_mask_applied"] and row["pii_masked_count"] == 8, "2 names, 2 emails, 2 phones, 2 cards"


def test_cache_never_holds_originals(services: Services, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("gpt-stub", reply("See <EMAIL_1>"))
    make_gateway(policy={"mode": "data_mode"}).complete(ask(SAMPLE, contains_data=True, sample_rows=2))
    client = redis.Redis.from_url(services.redis.url)
    stored = b"".join(client.get(key) or b"" for key in client.scan_iter(f"{PREFIX}*"))
    assert b"<EMAIL_1>" in stored and b"ann.lee@example.com" not in stored


def test_metadata_only_blocks_row_values(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    with pytest.raises(LlmError) as caught:
        make_gateway().complete(ask(SAMPLE, contains_data=True, sample_rows=2))
    assert caught.value.code is ErrorCode.POLICY_BLOCK and "metadata_only" in caught.value.message
    assert llm_stub.requests == []
    assert ledger_row(app)["outcome"] == "refused"


@pytest.mark.raw_values_allowed("an admin's local_only_override sends unmasked rows to a local model, by design")
def test_local_only_override_is_admin_only_and_recorded(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub, caplog: pytest.LogCaptureFixture
) -> None:
    models = [model_entry(llm_stub, "gpt-stub", quality=5), model_entry(llm_stub, "llama", "ollama_chat", quality=1)]
    llm_stub.script("llama", reply("local answer"))
    admin = make_gateway(models, caller=Caller(1, "review_admin", is_admin=True))
    result = admin.complete(ask(SAMPLE, contains_data=True, sample_rows=2, local_only_override=True))
    assert result.text == "local answer" and result.model == "ollama_chat/llama"
    assert "ann.lee@example.com" in llm_stub.all_text(), "unmasked, to a local model only"
    assert llm_stub.requests_for("gpt-stub") == []
    row = ledger_row(app, result.ledger_id)
    assert row["local_only_override"] and not row["pii_mask_applied"]
    assert "local_only_override used by review_admin" in caplog.text
    user = make_gateway(models, caller=Caller(2, "review_reader", is_admin=False))
    with pytest.raises(LlmError, match="needs can_admin"):
        user.complete(ask(local_only_override=True))


@pytest.mark.parametrize(
    ("request_", "code", "message"),
    [
        (ask(profile="fastest"), ErrorCode.DETERMINISTIC_FAILURE, "unknown routing profile 'fastest'"),
        (
            CompletionRequest(feature="t", messages=[{"role": "user", "content": 42}]),
            ErrorCode.DETERMINISTIC_FAILURE,
            "content must be text, got int",
        ),
        (CompletionRequest(feature="t", messages=[]), ErrorCode.DETERMINISTIC_FAILURE, "no messages"),
    ],
)
def test_bad_requests_get_a_code_and_a_ledger_row(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub, request_: CompletionRequest, code: ErrorCode, message: str
) -> None:
    with pytest.raises(LlmError) as caught:
        make_gateway().complete(request_)
    assert caught.value.code is code and message in caught.value.message
    row = ledger_row(app)
    assert row["error_code"] == code.value and message in row["error_message"]
    assert llm_stub.requests == []


def test_not_configured_is_a_state_not_a_crash(app: Any, make_gateway: MakeGateway) -> None:
    gateway = make_gateway(models=[])
    assert not gateway.configured
    assert gateway.health()["status"] == "degraded"
    with pytest.raises(LlmError) as caught:
        gateway.complete(ask())
    assert caught.value.code is ErrorCode.NOT_CONFIGURED and "LLM not configured" in caught.value.message
    assert ledger_row(app)["error_code"] == "LLM_NOT_CONFIGURED"


def test_missing_key_variable_falls_back(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    models = [
        {**model_entry(llm_stub, "keyless", quality=5), "api_key_env": "NO_SUCH_VARIABLE_FOR_TESTS"},
        model_entry(llm_stub, "gpt-stub", quality=1),
    ]
    llm_stub.script("gpt-stub", reply("fine"))
    result = make_gateway(models).complete(ask())
    assert result.text == "fine"
    assert result.fallback_chain[0] == {"model": "keyless", "outcome": "error", "error_code": "PROVIDER_UNHEALTHY"}


def test_estimate_without_sending(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    estimate = make_gateway([model_entry(llm_stub, "gpt-stub", input_cost_per_mtok=1000)]).estimate(ask())
    assert estimate.tokens_in > 0 and estimate.cost_usd > 0 and estimate.within_budget
    assert llm_stub.requests == []


def test_embeddings(make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    models = [model_entry(llm_stub, "embedder", embedding=True)]
    result = make_gateway(models).embed(EmbeddingRequest(feature="domains", texts=["order date", "ann@example.com"]))
    assert len(result.vectors) == 2 and len(result.vectors[0]) == 8
    assert "ann@example.com" not in llm_stub.all_text()


def test_an_embedding_that_ignores_its_timeout_is_bounded_by_the_gateway(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub
) -> None:
    """Whatever the client does with `timeout=` (litellm's Ollama embeddings have ignored it), the caller waits no
    longer than the gateway's deadline and gets a TIMEOUT, recorded in the ledger."""
    models = [
        {"name": "local-embed", "model": "ollama/local-embed", "api_base": llm_stub.ollama_base, "embedding": True}
    ]
    llm_stub.script("local-embed", delay(4))
    started = time.monotonic()
    with pytest.raises(LlmError) as caught:
        make_gateway(models, timeout=0.5, retries=0).embed(EmbeddingRequest(feature="domains", texts=["order date"]))
    assert time.monotonic() - started < 2.0
    assert caught.value.code is ErrorCode.TIMEOUT
    row = ledger_row(app)
    assert row["error_code"] == "TIMEOUT" and row["latency_ms"] < 2000


def test_a_provider_error_reaches_users_redacted(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    """A provider that echoes the key it was sent, or a URL with credentials, says neither to the user or ledger."""
    echoed = {"error": {"message": "Incorrect API key provided: sk-test-not-a-real-key for https://bob:pa55word@proxy.local/v1",
                        "type": "invalid_request_error", "code": "invalid_api_key"}}  # fmt: skip
    llm_stub.script("gpt-stub", error(401, body=echoed))
    with pytest.raises(LlmError) as caught:
        make_gateway(retries=0).complete(ask())
    said = f"{caught.value.message} {caught.value.to_dict()} {ledger_row(app)}"
    for secret in ("sk-test-not-a-real-key", "pa55word", "bob:"):
        assert secret not in said
    assert caught.value.code is ErrorCode.PROVIDER_UNHEALTHY and "proxy.local" in caught.value.message


PROVIDERS = ["openai", "anthropic", "ollama_chat"]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ([reply("plain answer")], "plain answer"),
        ([reply_json({"verbose_name": "A", "description": "B"})], {"verbose_name": "A", "description": "B"}),
        ([error(429, headers={"Retry-After": "0"})], ErrorCode.RATE_LIMIT),
        ([error(500)], ErrorCode.TRANSIENT_ERROR),
        ([error(503)], ErrorCode.TRANSIENT_ERROR),
        ([error(401)], ErrorCode.PROVIDER_UNHEALTHY),
        ([error(400)], ErrorCode.DETERMINISTIC_FAILURE),
        ([delay(2, then=reply("late"))], ErrorCode.TIMEOUT),
        ([garbage()], ErrorCode.TRANSIENT_ERROR),
    ],
    ids=["text", "json", "429", "500", "503", "401", "400", "timeout", "garbage"],
)
def test_conformance_across_provider_formats(
    make_gateway: MakeGateway, llm_stub: LLMStub, provider: str, script: list[Any], expected: Any
) -> None:
    """The same call against OpenAI-, Anthropic- and Ollama-format providers: same result, same error code."""
    gateway = make_gateway([model_entry(llm_stub, "conformance", provider)], timeout=0.6, retries=0)
    llm_stub.script("conformance", *script)
    schema = ColumnMeaning() if isinstance(expected, dict) else None
    if isinstance(expected, ErrorCode):
        with pytest.raises(LlmError) as caught:
            gateway.complete(ask(schema=schema))
        assert caught.value.code is expected
    else:
        result = gateway.complete(ask(schema=schema))
        assert (result.data if schema else result.text) == expected
        assert result.provider == provider


# --- embeddings: the same budget check, retries and fallback as completions, and domaining through them ---------


def embed_request(*texts: str, **options: Any) -> EmbeddingRequest:
    return EmbeddingRequest(feature="domaining", texts=list(texts) or ["order date"], **options)


def test_an_embedding_over_budget_is_refused_before_sending(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub
) -> None:
    models = [model_entry(llm_stub, "embedder", embedding=True)]
    gateway = make_gateway(models, policy={"budgets": {"default": {"tokens": 3}}})
    with pytest.raises(LlmError) as caught:
        gateway.embed(embed_request("customer email address", "the date the order was placed"))
    assert caught.value.code is ErrorCode.QUOTA_EXHAUSTED
    assert caught.value.details["estimate"]["tokens_in"] > 3
    assert llm_stub.requests == [], "nothing reached the provider"
    row = ledger_row(app)
    assert (row["operation"], row["outcome"], row["error_code"]) == ("embed", "refused", "QUOTA_EXHAUSTED")


def test_a_transient_embedding_error_is_retried(app: Any, make_gateway: MakeGateway, llm_stub: LLMStub) -> None:
    llm_stub.script("embedder", error(503))
    result = make_gateway([model_entry(llm_stub, "embedder", embedding=True)], retries=2).embed(embed_request())
    assert len(result.vectors) == 1 and len(result.vectors[0]) == 8
    assert len(llm_stub.requests_for("embedder")) == 2
    assert [s["error_code"] for s in ledger_row(app, result.ledger_id)["fallback_chain"]] == ["TRANSIENT_ERROR"]


def test_an_embedding_model_that_keeps_failing_falls_back_to_the_next(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub
) -> None:
    models = [
        model_entry(llm_stub, "embed-primary", embedding=True, quality=5),
        model_entry(llm_stub, "embed-secondary", embedding=True, quality=3),
    ]
    llm_stub.set_default("embed-primary", error(500))
    result = make_gateway(models, retries=1).embed(embed_request("order date", "ship city"))
    assert result.model == "openai/embed-secondary" and len(result.vectors) == 2
    assert len(llm_stub.requests_for("embed-primary")) == 2  # tried, retried, then the fallback
    row = ledger_row(app, result.ledger_id)
    assert row["model"] == "openai/embed-secondary" and row["outcome"] == "ok"
    assert [(s["model"], s["error_code"]) for s in row["fallback_chain"]] == [
        ("embed-primary", "TRANSIENT_ERROR"),
        ("embed-primary", "TRANSIENT_ERROR"),
    ]


def test_domaining_embeds_through_the_gateway_when_the_settings_say_so(
    app: Any, make_gateway: MakeGateway, llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from superset_review.domains.catalog import parse_catalog
    from superset_review.domains.embeddings import GatewayEmbedder, OfflineEmbedder, configured_embedder
    from superset_review.domains.vectors import CentroidIndex

    catalog = parse_catalog(
        'name: fruit\nversion: "1"\ndomains:\n'
        "  - {name: fruit, description: A fruit., aliases: {en: [fruit], ru: [фрукт]}, examples: [apple, pear]}\n"
    )
    assert isinstance(configured_embedder(), OfflineEmbedder)  # the default: the model inside the package
    monkeypatch.setitem(app.config, "REVIEW_DOMAIN_EMBEDDINGS", "gateway")
    monkeypatch.setitem(
        app.config, "REVIEW_LLM_MODELS", parse_registry([model_entry(llm_stub, "embedder", embedding=True)])
    )
    embedder = configured_embedder()
    assert isinstance(embedder, GatewayEmbedder) and embedder.model_id == "gateway:embedder"
    index = CentroidIndex.for_catalog(catalog)
    assert index.embedder.model_id == "gateway:embedder" and index.dimensions == 8
    assert "фрукт" in llm_stub.all_text() and "apple" in llm_stub.all_text()
    assert ledger_row(app)["feature"] == "domaining" and ledger_row(app)["operation"] == "embed"
    # The default policy (metadata_only) lets no row value reach a model: no value evidence, and nothing sent.
    sent = len(llm_stub.requests)
    assert not index.raw_value_similarity([["ann@example.com", "pear"]]).any()
    assert len(llm_stub.requests) == sent and ledger_row(app)["error_code"] == "POLICY_BLOCK"
    monkeypatch.setitem(app.config, "REVIEW_POLICY", parse_policy({"mode": "data_mode"}))
    # Under the default data scope (ai_safe_views) a dataset's raw values are no AI-safe view: refused, in the ledger.
    sent = len(llm_stub.requests)
    assert not index.raw_value_similarity([["apple", "pear"]]).any()
    refused = ledger_row(app)
    assert len(llm_stub.requests) == sent and refused["error_code"] == "POLICY_BLOCK"
    assert "ai_safe_views" in refused["error_message"]
    monkeypatch.setitem(app.config, "REVIEW_LLM_DATA_SCOPE", "datasets")
    similarity = index.raw_value_similarity([["apple", "pear"]])
    assert similarity.shape == (1, 1) and similarity[0, 0] > 0.99  # the centroid of the same two texts
    index.raw_value_similarity([["ann@example.com", "pear"]])
    assert "ann@example.com" not in llm_stub.all_text(), "values are masked before they are sent"

    monkeypatch.setitem(
        app.config, "REVIEW_POLICY", parse_policy({"mode": "data_mode", "budgets": {"domaining": {"tokens": 1}}})
    )
    with pytest.raises(LlmError) as caught:
        embedder.embed_values(["a column of values the budget does not cover"])
    assert caught.value.code is ErrorCode.QUOTA_EXHAUSTED


def test_gateway_embeddings_without_an_embedding_model_say_what_to_configure(
    app: Any, make_gateway: MakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from superset_review.domains.embeddings import configured_embedder

    monkeypatch.setitem(app.config, "REVIEW_DOMAIN_EMBEDDINGS", "gateway")
    monkeypatch.setitem(app.config, "REVIEW_LLM_MODELS", ())
    with pytest.raises(LlmError, match="no embedding model"):
        configured_embedder()
