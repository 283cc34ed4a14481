"""The LLM gateway: the one path from any feature to any model.

feature -> policy (decide, mask) -> gateway (route, cache, budget, ledger) -> litellm -> provider

No provider-specific code lives outside this module and ``errors.from_litellm``. litellm is imported on the
first call, never at Superset's start-up (it costs seconds).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError

from superset_review.extension.i18n import Text, joined
from superset_review.llm.budget import UsageMeter
from superset_review.llm.cache import AnswerCache, cache_key, stable_hash
from superset_review.llm.errors import ErrorCode, LlmError, from_litellm
from superset_review.llm.registry import ModelSpec
from superset_review.llm.routing import RoutingProfile, fallback_chain, parse_profile
from superset_review.policy.engine import PolicyDecision, PolicyRequest, decide
from superset_review.policy.manifest import PolicyManifest
from superset_review.policy.scope import DataScope, DataSource, resolve

logger = logging.getLogger(__name__)

ROLES = frozenset({"system", "user", "assistant"})
BACKOFF_SECONDS = 0.25
BACKOFF_CAP_SECONDS = 4.0
# A provider call gets this long past its own timeout before the gateway stops waiting for it: the client's own
# timeout (litellm's) normally fires first and says more.
HARD_TIMEOUT_GRACE_SECONDS = 0.25


@dataclass(frozen=True)
class GatewaySettings:
    models: tuple[ModelSpec, ...]
    profile: RoutingProfile
    timeout_seconds: float
    max_retries: int
    cache_ttls: Mapping[str, int]
    policy: PolicyManifest
    data_scope: DataScope = DataScope.AI_SAFE_VIEWS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GatewaySettings:
        return cls(
            models=tuple(config["REVIEW_LLM_MODELS"]),
            profile=config["REVIEW_LLM_ROUTING_PROFILE"],
            timeout_seconds=float(config["REVIEW_LLM_TIMEOUT_SECONDS"]),
            max_retries=int(config["REVIEW_LLM_MAX_RETRIES"]),
            cache_ttls=config["REVIEW_LLM_CACHE_TTL_SECONDS"],
            policy=config["REVIEW_POLICY"],
            data_scope=DataScope(config.get("REVIEW_LLM_DATA_SCOPE", DataScope.AI_SAFE_VIEWS.value)),
        )


@dataclass(frozen=True)
class Caller:
    """Who the call is for, as the ledger records it and the policy judges it."""

    user_id: int | None = None
    username: str | None = None
    is_admin: bool = False


@dataclass
class CompletionRequest:
    feature: str
    messages: Sequence[Mapping[str, Any]]
    stage: str = "default"
    lane: str = "default"
    schema: Schema | None = None  # validate the answer as JSON with this schema (one repair retry)
    contains_data: bool = False  # the prompt carries row values
    data_source: DataSource | None = None  # where those rows came from (REVIEW_LLM_DATA_SCOPE judges it)
    sample_rows: int = 0
    artifact_hashes: Sequence[str] = ()  # hashes of what the prompt was built from (dataset version, ...)
    profile: str | None = None
    fresh: bool = False  # bypass the cache (the answer is still stored)
    no_cache: bool = False  # never store this answer
    local_only_override: bool = False
    max_tokens: int | None = None
    temperature: float = 0.0


@dataclass
class EmbeddingRequest:
    feature: str
    texts: Sequence[str]
    stage: str = "default"
    lane: str = "default"
    contains_data: bool = False
    data_source: DataSource | None = None
    artifact_hashes: Sequence[str] = ()
    profile: str | None = None
    fresh: bool = False
    no_cache: bool = False
    local_only_override: bool = False


@dataclass
class CompletionResult:
    text: str
    data: Any
    model: str
    provider: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_ms: float
    cache_hit: bool
    fallback_chain: list[dict[str, Any]]
    pii_mask_applied: bool
    pii_masked_count: int
    policy_version: str
    ledger_id: int


@dataclass
class EmbeddingResult:
    vectors: list[list[float]]
    model: str
    tokens_in: int
    cost_usd: float
    cache_hit: bool
    pii_mask_applied: bool
    ledger_id: int


@dataclass(frozen=True)
class Estimate:
    model: str
    tokens_in: int
    tokens_out_max: int
    cost_usd: float
    stage: str
    used_tokens_today: int
    used_usd_today: float
    budget_tokens: int | None
    budget_usd: float | None

    @property
    def within_budget(self) -> bool:
        return self.refusal() is None

    def refusal(self) -> str | None:
        wanted = self.tokens_in + self.tokens_out_max
        if self.budget_tokens is not None and self.used_tokens_today + wanted > self.budget_tokens:
            return Text(
                "stage %(stage)s would use %(wanted)d tokens; %(used)d of its daily %(budget)d are spent",
                stage=repr(self.stage), wanted=wanted, used=self.used_tokens_today, budget=self.budget_tokens,
            )  # fmt: skip
        if self.budget_usd is not None and self.used_usd_today + self.cost_usd > self.budget_usd:
            return Text(
                "stage %(stage)s would cost $%(cost)s; $%(used)s of its daily $%(budget)s is spent",
                stage=repr(self.stage), cost=f"{self.cost_usd:.6f}", used=f"{self.used_usd_today:.6f}",
                budget=f"{self.budget_usd:.2f}",
            )  # fmt: skip
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tokens_in": self.tokens_in,
            "tokens_out_max": self.tokens_out_max,
            "cost_usd": round(self.cost_usd, 8),
            "stage": self.stage,
            "used_tokens_today": self.used_tokens_today,
            "used_usd_today": round(self.used_usd_today, 8),
            "budget_tokens": self.budget_tokens,
            "budget_usd": self.budget_usd,
            "within_budget": self.within_budget,
        }


@dataclass
class _Ledger:
    """The row being built for one call; written exactly once, whatever happens."""

    values: dict[str, Any] = field(default_factory=dict)
    written: int | None = None


def _litellm() -> Any:
    # The public cost map is fetched from GitHub at import unless told otherwise; these machines are offline
    # and a deployment should not depend on it either.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")
    import litellm

    # The gateway owns retries (with its deadline and fallback chain); the SDKs' own would multiply them.
    litellm.DEFAULT_MAX_RETRIES = 0  # type: ignore[attr-defined]
    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.drop_params = True
    # litellm's logging keeps prompts and answers in memory for callbacks; the ledger is our record, and it
    # holds hashes, not texts.
    litellm.turn_off_message_logging = True
    return litellm


def bounded_call(call: Callable[[], Any], timeout: float, what: str) -> Any:
    """``call()``, but the gateway waits at most ``timeout`` seconds for it, whatever the client does with its own
    ``timeout=`` (litellm's Ollama embeddings, for one, ignore it). A call still running at the bound is left to end
    on its own in a daemon thread; its answer is dropped."""
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as ex:  # noqa: BLE001 - carried to the waiting thread and raised there
            outcome["error"] = ex
        finally:
            finished.set()

    threading.Thread(target=target, name=f"llm-call:{what}", daemon=True).start()
    if not finished.wait(max(timeout, 0.0) + HARD_TIMEOUT_GRACE_SECONDS):
        raise LlmError(ErrorCode.TIMEOUT, f"{what} did not answer within {timeout:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _check_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    if not messages:
        raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, "no messages to send")
    checked = []
    for position, message in enumerate(messages, start=1):
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, f"message {position}: role must be one of {sorted(ROLES)}")
        if not isinstance(content, str):
            raise LlmError(
                ErrorCode.DETERMINISTIC_FAILURE,
                f"message {position}: content must be text, got {type(content).__name__}",
            )
        checked.append({"role": str(role), "content": content})
    return checked


def _schema_instruction(schema: Schema) -> str:
    fields = ", ".join(
        f'"{name}" ({type(f).__name__.lower()}{", required" if f.required else ""})'
        for name, f in schema.fields.items()
        if not f.dump_only
    )
    return f"Answer with one JSON object and nothing else. Its fields: {fields}."


def _parse_json(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped[stripped.find("\n") + 1 :] if "\n" in stripped else stripped
    return json.loads(stripped)


class LlmGateway:
    def __init__(
        self,
        settings: GatewaySettings,
        cache: AnswerCache,
        caller: Caller,
        meter: UsageMeter | None = None,
    ) -> None:
        from superset_review.llm.dao import LlmLedgerDAO

        self.settings = settings
        self.cache = cache
        self.caller = caller
        self.meter = meter or UsageMeter(cache.client, LlmLedgerDAO.usage_today)
        self._write_ledger = LlmLedgerDAO.record

    @classmethod
    def from_app(cls) -> LlmGateway:
        """The gateway for the current request or task, acting for its user."""
        from flask import current_app, g

        from superset_review.extension.constants import ADMIN, VIEW_MENU
        from superset_review.extension.redis import redis_client

        settings = GatewaySettings.from_config(current_app.config)
        user = getattr(g, "user", None)
        caller = Caller()
        if user is not None and not getattr(user, "is_anonymous", True):
            from superset.extensions import security_manager

            caller = Caller(
                user_id=user.id,
                username=user.username,
                is_admin=bool(security_manager.can_access(f"can_{ADMIN}", VIEW_MENU)),
            )
        client = redis_client(socket_timeout=0.5, socket_connect_timeout=0.5) if settings.models else None
        return cls(settings, AnswerCache(client, settings.cache_ttls), caller)

    # -- public API -----------------------------------------------------------------------------------
    @property
    def configured(self) -> bool:
        return bool(self.settings.models)

    def complete(self, request: CompletionRequest) -> CompletionResult:
        if self.settings.models:
            _litellm()  # its first import takes seconds: a one-off cost of the process, not of this call's deadline
        started = time.perf_counter()
        ledger = self._new_ledger(request.feature, request.stage, request.lane, "complete", request)
        try:
            result = self._complete(request, ledger, started)
        except LlmError as error:
            self._finish_ledger(ledger, started, error=error)
            raise
        result.ledger_id = self._finish_ledger(ledger, started)
        result.latency_ms = ledger.values["latency_ms"]
        return result

    def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        if self.settings.models:
            _litellm()  # its first import takes seconds: a one-off cost of the process, not of this call's deadline
        started = time.perf_counter()
        ledger = self._new_ledger(request.feature, request.stage, request.lane, "embed", request)
        try:
            result = self._embed(request, ledger, started)
        except LlmError as error:
            self._finish_ledger(ledger, started, error=error)
            raise
        result.ledger_id = self._finish_ledger(ledger, started)
        return result

    def estimate(self, request: CompletionRequest) -> Estimate:
        """Tokens and cost of ``request`` on the model that would answer it, against the stage's budget."""
        self._require_models()
        messages = _check_messages(request.messages)
        decision = self._decide(request, embedding=False)
        masked, _, _ = self._mask(messages, decision)
        return self._estimate(decision.models[0], masked, request.stage, request.max_tokens)

    def dry_run(self, request: CompletionRequest) -> dict[str, Any]:
        """What ``complete`` would decide, send and spend, without sending anything or writing the ledger."""
        blocked: dict[str, Any] = {"masked_messages": [], "pii_masked_count": 0, "estimate": None}
        try:
            messages = _check_messages(request.messages)
            decision = self._decide(request, embedding=False)
        except LlmError as error:
            policy = error.details.get("policy") or {
                "allowed": False,
                "policy_version": self.settings.policy.version,
                "mode": self.settings.policy.mode.value,
                "models": [],
                "mask_pii": self.settings.policy.require_pii_masking,
                "local_only_override": False,
            }
            return {"decision": {**policy, "error_code": error.code.value, "reasons": [error.message]}, **blocked}
        masked, _, count = self._mask(messages, decision)
        estimate = self._estimate(decision.models[0], masked, request.stage, request.max_tokens)
        verdict = decision.to_dict()
        if refusal := estimate.refusal():
            verdict.update(
                allowed=False, error_code=ErrorCode.QUOTA_EXHAUSTED.value, reasons=[*verdict["reasons"], refusal]
            )
        return {
            "decision": verdict,
            "masked_messages": masked,
            "pii_masked_count": count,
            "estimate": estimate.to_dict(),
        }

    def health(self) -> dict[str, Any]:
        if not self.settings.models:
            return {
                "status": "degraded",
                "reason": Text("LLM not configured: LLM features are off, everything else works"),
            }
        from superset_review.llm.dao import LlmLedgerDAO

        failing = []
        for spec in self.settings.models:
            outcomes = LlmLedgerDAO.recent_outcomes(spec.model)
            if outcomes and all(code is not None for code in outcomes):
                failing.append(f"{spec.name} ({outcomes[0]})")
        names = ", ".join(spec.name for spec in self.settings.models)
        if len(failing) == len(self.settings.models):
            return {
                "status": "down",
                "reason": Text("every model failed its recent calls: %(models)s", models=", ".join(failing)),
            }
        if failing:
            reason = Text(
                "failing recently: %(failing)s; configured: %(models)s", failing=", ".join(failing), models=names
            )
            return {"status": "degraded", "reason": reason}
        return {
            "status": "ok",
            "reason": Text("%(count)d model(s) configured: %(models)s", count=len(self.settings.models), models=names),
        }

    # -- the pipeline ---------------------------------------------------------------------------------
    def _complete(self, request: CompletionRequest, ledger: _Ledger, started: float) -> CompletionResult:
        self._require_models()
        messages = _check_messages(request.messages)
        decision = self._decide(request, embedding=False)
        ledger.values["policy_version"] = decision.policy_version
        ledger.values["local_only_override"] = decision.local_only_override
        if request.schema is not None:
            messages = [{"role": "system", "content": _schema_instruction(request.schema)}, *messages]
        masked, vault, masked_count = self._mask(messages, decision)
        ledger.values["pii_mask_applied"] = decision.mask_pii
        ledger.values["pii_masked_count"] = masked_count
        ledger.values["prompt_hash"] = stable_hash(masked)

        first = decision.models[0]
        params = {"temperature": request.temperature, "max_tokens": request.max_tokens or first.max_output_tokens}
        key = self._key("complete", first, params, ledger.values["prompt_hash"], request, decision)
        # A cached answer costs nothing, so it is served before the budget is consulted.
        if not request.fresh and (cached := self.cache.get(key)) is not None:
            data = self._validated(cached["text"], request.schema) if request.schema else None
            ledger.values.update(provider=first.provider, model=first.model, cache_hit=True, outcome="cache_hit")
            return self._result(cached["text"], data, first, 0, 0, 0.0, True, [], decision, vault, masked_count)

        estimate = self._estimate(first, masked, request.stage, request.max_tokens)
        ledger.values["estimated_tokens"] = estimate.tokens_in + estimate.tokens_out_max
        ledger.values["estimated_cost_usd"] = estimate.cost_usd
        if refusal := estimate.refusal():
            raise LlmError(
                ErrorCode.QUOTA_EXHAUSTED,
                Text("refused before sending: %(refusal)s", refusal=refusal),
                estimate=estimate.to_dict(),
            )

        deadline = started + self.settings.timeout_seconds
        chain: list[dict[str, Any]] = []
        ledger.values["fallback_chain"] = chain
        last_error: LlmError | None = None
        for spec in decision.models:
            try:
                text, data, tokens_in, tokens_out = self._answer(spec, masked, request, params, deadline, chain)
            except LlmError as error:
                last_error = error
                if error.error_class.fallback and time.perf_counter() < deadline:
                    continue
                raise
            cost = spec.cost_usd(tokens_in, tokens_out)
            ledger.values.update(
                provider=spec.provider, model=spec.model, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost
            )
            if not request.no_cache and spec is first:
                self.cache.put(key, request.lane, {"text": text})
            return self._result(
                text, data, spec, tokens_in, tokens_out, cost, False, chain, decision, vault, masked_count
            )
        assert last_error is not None
        raise LlmError(
            last_error.code,
            f"every model failed; last: {last_error.message}",
            fallback_chain=chain,
        )

    def _answer(
        self,
        spec: ModelSpec,
        messages: list[dict[str, str]],
        request: CompletionRequest,
        params: dict[str, Any],
        deadline: float,
        chain: list[dict[str, Any]],
    ) -> tuple[str, Any, int, int]:
        """One model: call (with retries), validate, and repair once when the JSON is invalid."""
        text, tokens_in, tokens_out = self._call_with_retries(spec, messages, params, deadline, chain)
        if request.schema is None:
            return text, None, tokens_in, tokens_out
        try:
            return text, self._validated(text, request.schema), tokens_in, tokens_out
        except LlmError as invalid:
            repair = [
                *messages,
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": f"That answer is not valid: {invalid.message}. Reply again with only the JSON object.",
                },
            ]
            chain.append({"model": spec.name, "outcome": "repair", "error_code": None, "reason": invalid.message})
            text, more_in, more_out = self._call_with_retries(spec, repair, params, deadline, chain)
            tokens_in, tokens_out = tokens_in + more_in, tokens_out + more_out
            try:
                return text, self._validated(text, request.schema), tokens_in, tokens_out
            except LlmError as still_invalid:
                raise LlmError(
                    ErrorCode.QUARANTINE_REQUIRED,
                    f"{spec.name} answered invalid JSON twice: {still_invalid.message}",
                    answer_hash=stable_hash(text),
                ) from None

    def _call_with_retries(
        self,
        spec: ModelSpec,
        messages: list[dict[str, str]],
        params: dict[str, Any],
        deadline: float,
        chain: list[dict[str, Any]],
    ) -> tuple[str, int, int]:
        for attempt in range(self.settings.max_retries + 1):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                error = LlmError(ErrorCode.TIMEOUT, f"deadline of {self.settings.timeout_seconds:g}s reached")
                chain.append({"model": spec.name, "outcome": "error", "error_code": error.code.value})
                raise error
            try:
                # litellm keeps one HTTP client per distinct timeout: a timeout that changed on every call would
                # open a new connection every call. Whole seconds keep the clients (and keep-alive) reused.
                return self._call(spec, messages, params, float(math.ceil(remaining)) if remaining >= 1 else remaining)
            except LlmError as error:
                chain.append({"model": spec.name, "outcome": "error", "error_code": error.code.value})
                if not error.error_class.retry or attempt == self.settings.max_retries:
                    raise
                pause = min(BACKOFF_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS, max(deadline - time.perf_counter(), 0))
                time.sleep(pause)
        raise AssertionError("unreachable: the loop returns or raises")

    def _call(
        self, spec: ModelSpec, messages: list[dict[str, str]], params: dict[str, Any], timeout: float
    ) -> tuple[str, int, int]:
        litellm = _litellm()
        api_key = self._api_key(spec)
        try:
            response = bounded_call(
                lambda: litellm.completion(
                    model=spec.model,
                    messages=messages,
                    api_base=spec.api_base,
                    api_key=api_key,
                    timeout=timeout,
                    num_retries=0,
                    **params,
                ),
                timeout,
                spec.name,
            )
        except LlmError:
            raise
        except Exception as ex:
            raise from_litellm(ex, [api_key or ""]) from ex
        try:
            text = response.choices[0].message.content
            usage = getattr(response, "usage", None)
        except (AttributeError, IndexError, TypeError) as ex:
            raise LlmError(ErrorCode.TRANSIENT_ERROR, f"{spec.name} answered without a message") from ex
        if not isinstance(text, str):
            raise LlmError(ErrorCode.TRANSIENT_ERROR, f"{spec.name} answered without text")
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        return text, tokens_in, tokens_out

    def _embed(self, request: EmbeddingRequest, ledger: _Ledger, started: float) -> EmbeddingResult:
        self._require_models()
        if not request.texts or not all(isinstance(text, str) for text in request.texts):
            bad = next((type(t).__name__ for t in request.texts if not isinstance(t, str)), "nothing")
            raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, f"embed needs a non-empty list of texts, got {bad}")
        decision = self._decide(request, embedding=True)
        ledger.values["policy_version"] = decision.policy_version
        ledger.values["local_only_override"] = decision.local_only_override
        masked_messages, _, masked_count = self._mask([{"role": "user", "content": t} for t in request.texts], decision)
        texts = [m["content"] for m in masked_messages]
        ledger.values.update(
            pii_mask_applied=decision.mask_pii, pii_masked_count=masked_count, prompt_hash=stable_hash(texts)
        )
        first = decision.models[0]
        key = self._key("embed", first, {}, ledger.values["prompt_hash"], request, decision)
        if not request.fresh and (cached := self.cache.get(key)) is not None:
            ledger.values.update(provider=first.provider, model=first.model, cache_hit=True, outcome="cache_hit")
            return EmbeddingResult(cached["vectors"], first.model, 0, 0.0, True, decision.mask_pii, 0)
        # The same budget check as a completion's, before anything is sent (an embedding has no output tokens).
        estimate = self._estimate(first, masked_messages, request.stage, 0)
        ledger.values["estimated_tokens"] = estimate.tokens_in
        ledger.values["estimated_cost_usd"] = estimate.cost_usd
        if refusal := estimate.refusal():
            raise LlmError(
                ErrorCode.QUOTA_EXHAUSTED,
                Text("refused before sending: %(refusal)s", refusal=refusal),
                estimate=estimate.to_dict(),
            )
        deadline = started + self.settings.timeout_seconds
        chain: list[dict[str, Any]] = []
        ledger.values["fallback_chain"] = chain
        last_error: LlmError | None = None
        for spec in decision.models:
            try:
                vectors, tokens_in = self._embed_with_retries(spec, texts, deadline, chain)
            except LlmError as error:
                last_error = error
                if error.error_class.fallback and time.perf_counter() < deadline:
                    continue
                raise
            cost = spec.cost_usd(tokens_in, 0)
            ledger.values.update(provider=spec.provider, model=spec.model, tokens_in=tokens_in, cost_usd=cost)
            if not request.no_cache and spec is first:
                self.cache.put(key, request.lane, {"vectors": vectors})
            return EmbeddingResult(vectors, spec.model, tokens_in, cost, False, decision.mask_pii, 0)
        assert last_error is not None
        raise LlmError(
            last_error.code, f"every embedding model failed; last: {last_error.message}", fallback_chain=chain
        )

    def _embed_with_retries(
        self, spec: ModelSpec, texts: list[str], deadline: float, chain: list[dict[str, Any]]
    ) -> tuple[list[list[float]], int]:
        """One embedding model, retried as a completion is (transient errors, backoff, the gateway's deadline)."""
        for attempt in range(self.settings.max_retries + 1):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                error = LlmError(ErrorCode.TIMEOUT, f"deadline of {self.settings.timeout_seconds:g}s reached")
                chain.append({"model": spec.name, "outcome": "error", "error_code": error.code.value})
                raise error
            try:
                return self._embed_call(spec, texts, float(math.ceil(remaining)) if remaining >= 1 else remaining)
            except LlmError as error:
                chain.append({"model": spec.name, "outcome": "error", "error_code": error.code.value})
                if not error.error_class.retry or attempt == self.settings.max_retries:
                    raise
                pause = min(BACKOFF_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS, max(deadline - time.perf_counter(), 0))
                time.sleep(pause)
        raise AssertionError("unreachable: the loop returns or raises")

    def _embed_call(self, spec: ModelSpec, texts: list[str], timeout: float) -> tuple[list[list[float]], int]:
        litellm = _litellm()
        api_key = self._api_key(spec)
        try:
            response = bounded_call(
                lambda: litellm.embedding(
                    model=spec.model,
                    input=texts,
                    api_base=spec.api_base,
                    api_key=api_key,
                    timeout=timeout,
                    num_retries=0,
                ),
                timeout,
                spec.name,
            )
        except LlmError:
            raise
        except Exception as ex:
            raise from_litellm(ex, [api_key or ""]) from ex
        try:
            vectors = [list(map(float, item["embedding"])) for item in response.data]
        except (AttributeError, KeyError, TypeError, ValueError) as ex:
            raise LlmError(ErrorCode.TRANSIENT_ERROR, f"{spec.name} answered without embeddings") from ex
        if len(vectors) != len(texts):
            raise LlmError(
                ErrorCode.TRANSIENT_ERROR, f"{spec.name} answered {len(vectors)} embeddings for {len(texts)} texts"
            )
        tokens_in = int(getattr(getattr(response, "usage", None), "prompt_tokens", 0) or 0)
        return vectors, tokens_in

    # -- helpers --------------------------------------------------------------------------------------
    def _require_models(self) -> None:
        if not self.settings.models:
            raise LlmError(ErrorCode.NOT_CONFIGURED, Text("LLM not configured: add models to REVIEW_LLM_MODELS"))

    def _decide(self, request: CompletionRequest | EmbeddingRequest, *, embedding: bool) -> PolicyDecision:
        try:
            profile = parse_profile(request.profile) if request.profile else self.settings.profile
        except ValueError as ex:
            choices = ", ".join(p.value for p in RoutingProfile)
            raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, f"{ex}: use one of {choices}") from ex
        chain = fallback_chain(self.settings.models, profile, embedding=embedding)
        if not chain:
            kind = "embedding" if embedding else "chat"
            raise LlmError(ErrorCode.NOT_CONFIGURED, f"no {kind} model in REVIEW_LLM_MODELS")
        sample_bytes = 0
        if isinstance(request, CompletionRequest) and request.contains_data:
            sample_bytes = sum(len(str(m.get("content", "")).encode()) for m in request.messages)
        elif isinstance(request, EmbeddingRequest) and request.contains_data:
            sample_bytes = sum(len(t.encode()) for t in request.texts if isinstance(t, str))
        decision = decide(
            self.settings.policy,
            PolicyRequest(
                feature=request.feature,
                stage=request.stage,
                contains_data=request.contains_data,
                sample_rows=getattr(request, "sample_rows", 0),
                sample_bytes=sample_bytes,
                local_only_override=request.local_only_override,
                is_admin=self.caller.is_admin,
                scope=resolve(self.settings.data_scope, request.data_source, request.contains_data),
            ),
            chain,
        )
        if decision.local_only_override:
            logger.warning(
                "local_only_override used by %s for %s (policy %s)",
                self.caller.username,
                request.feature,
                decision.policy_version,
            )
        if not decision.allowed:
            assert decision.code is not None
            raise LlmError(decision.code, joined(decision.reasons, "; "), policy=decision.to_dict())
        return decision

    def _mask(self, messages: list[dict[str, str]], decision: PolicyDecision) -> tuple[list[dict[str, str]], Any, int]:
        """Replace every PII value with a stable token (<EMAIL_1>) the answer can refer to."""
        if not decision.mask_pii:
            return messages, None, 0
        from superset_review.pii.masking import TokenOperator, TokenVault, mask_text

        vault = TokenVault()
        operator = TokenOperator()
        masked, count = [], 0
        for message in messages:
            result = mask_text(message["content"], operator, vault=vault)
            masked.append({"role": message["role"], "content": result.text})
            count += len(result.replacements)
        return masked, vault, count

    def _estimate(
        self, spec: ModelSpec, messages: list[dict[str, str]], stage: str, max_tokens: int | None
    ) -> Estimate:
        litellm = _litellm()
        try:
            tokens_in = int(litellm.token_counter(model=spec.model, messages=messages))
        except Exception:  # noqa: BLE001 - an unknown tokenizer falls back to a conservative estimate
            tokens_in = sum(len(m["content"]) for m in messages) // 3 + 4 * len(messages)
        tokens_out = max_tokens or spec.max_output_tokens
        used_tokens, used_usd = self.meter.used_today(stage)
        budget = self.settings.policy.budget_for(stage)
        return Estimate(
            model=spec.name,
            tokens_in=tokens_in,
            tokens_out_max=tokens_out,
            cost_usd=spec.cost_usd(tokens_in, tokens_out),
            stage=stage,
            used_tokens_today=used_tokens,
            used_usd_today=used_usd,
            budget_tokens=budget.tokens,
            budget_usd=budget.usd,
        )

    def _key(
        self,
        operation: str,
        spec: ModelSpec,
        params: Mapping[str, Any],
        prompt_hash: str,
        request: CompletionRequest | EmbeddingRequest,
        decision: PolicyDecision,
    ) -> str:
        return cache_key(
            operation=operation,
            provider=spec.provider,
            model=spec.model,
            params=params,
            prompt_hash=prompt_hash,
            policy_version=decision.policy_version,
            artifact_hashes=request.artifact_hashes,
            mode=decision.mode.value,
            pii_masked=decision.mask_pii,
        )

    @staticmethod
    def _api_key(spec: ModelSpec) -> str | None:
        if spec.api_key_env is None:
            return None
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise LlmError(
                ErrorCode.PROVIDER_UNHEALTHY, f"{spec.name}: environment variable {spec.api_key_env} is not set"
            )
        return key

    @staticmethod
    def _validated(text: str, schema: Schema) -> Any:
        try:
            return schema.load(_parse_json(text))
        except json.JSONDecodeError as ex:
            raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, f"not JSON ({ex.msg} at position {ex.pos})") from ex
        except ValidationError as ex:
            raise LlmError(ErrorCode.DETERMINISTIC_FAILURE, f"does not match the schema: {ex.messages}") from ex

    def _result(
        self,
        text: str,
        data: Any,
        spec: ModelSpec,
        tokens_in: int,
        tokens_out: int,
        cost: float,
        cache_hit: bool,
        chain: list[dict[str, Any]],
        decision: PolicyDecision,
        vault: Any,
        masked_count: int,
    ) -> CompletionResult:
        if vault is not None:
            text = vault.unmask(text)
            if data is not None:
                data = json.loads(vault.unmask(json.dumps(data)))
        return CompletionResult(
            text=text,
            data=data,
            model=spec.model,
            provider=spec.provider,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
            latency_ms=0.0,
            cache_hit=cache_hit,
            fallback_chain=chain,
            pii_mask_applied=decision.mask_pii,
            pii_masked_count=masked_count,
            policy_version=decision.policy_version,
            ledger_id=0,
        )

    def _new_ledger(
        self, feature: str, stage: str, lane: str, operation: str, request: CompletionRequest | EmbeddingRequest
    ) -> _Ledger:
        return _Ledger(
            values={
                "user_id": self.caller.user_id,
                "username": self.caller.username,
                "feature": feature,
                "stage": stage,
                "lane": lane,
                "operation": operation,
                "policy_version": self.settings.policy.version,
                "fallback_chain": [],
                "local_only_override": request.local_only_override and self.caller.is_admin,
            }
        )

    def _finish_ledger(self, ledger: _Ledger, started: float, error: LlmError | None = None) -> int:
        values = dict(ledger.values)
        values["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        ledger.values["latency_ms"] = values["latency_ms"]
        if error is not None:
            refused = error.code in (ErrorCode.POLICY_BLOCK, ErrorCode.QUOTA_EXHAUSTED, ErrorCode.NOT_CONFIGURED)
            refused = refused and not values.get("fallback_chain")
            values.update(outcome="refused" if refused else "error", error_code=error.code.value)
            values["error_message"] = error.message[:2000]
        else:
            values.setdefault("outcome", "ok")
        values.setdefault("cache_hit", False)
        ledger.written = self._write_ledger(values)
        self.meter.add(
            values["stage"],
            int(values.get("tokens_in", 0)) + int(values.get("tokens_out", 0)),
            float(values.get("cost_usd", 0.0)),
        )
        return ledger.written
