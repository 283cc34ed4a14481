"""The LLM stub answers litellm over its real HTTP path for OpenAI, Anthropic and Ollama, and scripted failures surface
as the litellm exception classes recorded in EXPECTED_CHAT_ERRORS / EXPECTED_EMBEDDING_ERRORS (litellm 1.106)."""

from __future__ import annotations

import os

# litellm must not reach for GitHub at import (cost map) or on the first Anthropic call (beta-header config).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

import json
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx
import litellm
import litellm.exceptions as llm_exc  # the classes litellm re-exports as litellm.RateLimitError etc.
import openai
import pytest

from tests.llm_stub import (
    Behaviour,
    LLMStub,
    deterministic_embedding,
    embedding,
    error,
    garbage,
    reply,
    reply_json,
    running_stub,
)
from tests.llm_stub import delay as delay_then

# The stub fixtures (`llm_stub`, `litellm_no_retries`); a conftest may import them instead.
pytest_plugins = ["tests.llm_stub.fixtures"]
pytestmark = [pytest.mark.usefixtures("litellm_no_retries"), pytest.mark.timeout(30)]

MESSAGES = [
    {"role": "system", "content": "You review SQL queries tersely."},
    {"role": "user", "content": "Review: SELECT count(*) FROM orders"},
]
CLIENT_TIMEOUT = 0.5  # seconds; the `timeout` case delays the answer well past it


@dataclass(frozen=True)
class Target:
    model: str
    api_key: str | None

    def base(self, stub: LLMStub) -> str:
        provider = self.model.split("/", 1)[0]
        return {
            "openai": stub.openai_base,
            "anthropic": stub.anthropic_base,
            "ollama": stub.ollama_base,
            "ollama_chat": stub.ollama_base,
        }[provider]

    def complete(self, stub: LLMStub, **kwargs: Any) -> Any:
        return litellm.completion(
            model=self.model,
            api_base=self.base(stub),
            api_key=self.api_key,
            messages=kwargs.pop("messages", MESSAGES),
            num_retries=0,
            **kwargs,
        )

    def embed(self, stub: LLMStub, inputs: list[str], **kwargs: Any) -> Any:
        return litellm.embedding(
            model=self.model, api_base=self.base(stub), api_key=self.api_key, input=inputs, max_retries=0, **kwargs
        )


OPENAI = Target("openai/stub-gpt", "sk-test")
ANTHROPIC = Target("anthropic/stub-claude", "sk-ant-test")
OLLAMA_CHAT = Target("ollama_chat/stub-llama", None)
OLLAMA = Target("ollama/stub-llama", None)
OPENAI_EMBED = Target("openai/stub-embed", "sk-test")
OLLAMA_EMBED = Target("ollama/stub-embed", None)
CHAT_TARGETS = {"openai": OPENAI, "anthropic": ANTHROPIC, "ollama_chat": OLLAMA_CHAT, "ollama": OLLAMA}

BEHAVIOURS: dict[str, Behaviour] = {
    "429": error(429),
    "500": error(500),
    "503": error(503),
    "400": error(400),
    "401": error(401),
    "404": error(404),
    "timeout": delay_then(5),
    "garbage": garbage(),
}

# Measured against litellm 1.106.2: the exact class litellm raises per scripted behaviour and provider prefix.
# Note ServiceUnavailableError is NOT a subclass of InternalServerError; every class here derives from APIError
# except Timeout (openai.APITimeoutError) and APIConnectionError, and status 503/408 ride along as `status_code`.
EXPECTED_CHAT_ERRORS: dict[str, dict[str, type[Exception]]] = {
    "openai": {
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "timeout": llm_exc.Timeout,
        "garbage": llm_exc.InternalServerError,  # the OpenAI SDK's "could not parse" -> status 500
    },
    "anthropic": {
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "timeout": llm_exc.Timeout,
        "garbage": llm_exc.APIConnectionError,
    },
    "ollama_chat": {
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "timeout": llm_exc.Timeout,
        "garbage": llm_exc.APIConnectionError,
    },
    "ollama": {
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "timeout": llm_exc.Timeout,
        "garbage": llm_exc.APIConnectionError,
    },
}
EXPECTED_EMBEDDING_ERRORS: dict[str, dict[str, type[Exception]]] = {
    "openai": {
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "timeout": llm_exc.Timeout,
        "garbage": llm_exc.InternalServerError,
    },
    "ollama": {  # no "timeout" row: whether litellm honours it there is litellm's business; the gateway bounds it
        "429": llm_exc.RateLimitError,
        "500": llm_exc.InternalServerError,
        "503": llm_exc.ServiceUnavailableError,
        "400": llm_exc.BadRequestError,
        "401": llm_exc.AuthenticationError,
        "404": llm_exc.NotFoundError,
        "garbage": llm_exc.APIConnectionError,
    },
}
EMBED_TARGETS = {"openai": OPENAI_EMBED, "ollama": OLLAMA_EMBED}


def _words(*texts: str) -> int:
    return sum(len(t.split()) for t in texts)


# -- happy paths, one per wire format ----------------------------------------------------------------------------------


def test_openai_chat_through_litellm(llm_stub: LLMStub) -> None:
    llm_stub.script(OPENAI.model, reply_json({"verdict": "ok", "issues": []}))
    response = OPENAI.complete(llm_stub, response_format={"type": "json_object"})

    assert json.loads(response.choices[0].message.content) == {"verdict": "ok", "issues": []}
    assert response.choices[0].finish_reason == "stop"
    prompt_tokens = _words(*(m["content"] for m in MESSAGES))
    completion_tokens = _words(json.dumps({"verdict": "ok", "issues": []}))
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (prompt_tokens, completion_tokens)
    assert response.usage.total_tokens == prompt_tokens + completion_tokens

    [sent] = llm_stub.requests_for("stub-gpt")
    assert (sent.method, sent.path, sent.format, sent.model) == ("POST", "/v1/chat/completions", "openai", "stub-gpt")
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.response_format == {"type": "json_object"}
    assert "SELECT count(*) FROM orders" in llm_stub.all_text()


def test_anthropic_chat_through_litellm(llm_stub: LLMStub) -> None:
    response = ANTHROPIC.complete(llm_stub)

    assert response.choices[0].message.content == "echo: Review: SELECT count(*) FROM orders"
    assert response.choices[0].finish_reason == "stop"  # Anthropic's end_turn, mapped
    assert response.usage.prompt_tokens == _words(*(m["content"] for m in MESSAGES))
    assert response.usage.completion_tokens == _words(response.choices[0].message.content)

    [sent] = llm_stub.requests_for(ANTHROPIC.model)
    assert (sent.path, sent.format) == ("/v1/messages", "anthropic")
    assert sent.headers["x-api-key"] == "sk-ant-test"
    assert "anthropic-version" in sent.headers
    assert sent.body is not None and sent.body["system"][0]["text"] == MESSAGES[0]["content"]
    assert "You review SQL queries tersely." in llm_stub.all_text(), "Anthropic's top-level system counts as sent text"


def test_anthropic_json_mode_uses_the_forced_tool(llm_stub: LLMStub) -> None:
    """litellm turns a json_schema response_format into a forced tool for Claude models without native structured
    output; the stub answers with a tool_use, which litellm turns back into the message content."""
    schema = {"type": "object", "properties": {"verdict": {"type": "string"}}, "required": ["verdict"]}
    llm_stub.script(ANTHROPIC.model, reply_json({"verdict": "ok"}))
    response = ANTHROPIC.complete(
        llm_stub, response_format={"type": "json_schema", "json_schema": {"name": "review", "schema": schema}}
    )

    assert json.loads(response.choices[0].message.content) == {"verdict": "ok"}
    [sent] = llm_stub.requests_for(ANTHROPIC.model)
    assert sent.body is not None and sent.body["tool_choice"]["type"] == "tool"


def test_ollama_chat_through_litellm(llm_stub: LLMStub) -> None:
    llm_stub.script(OLLAMA_CHAT.model, reply("looks fine"))
    response = OLLAMA_CHAT.complete(llm_stub, response_format={"type": "json_object"})

    assert response.choices[0].message.content == "looks fine"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.prompt_tokens == _words(*(m["content"] for m in MESSAGES))
    assert response.usage.completion_tokens == 2

    [sent] = llm_stub.requests_for(OLLAMA_CHAT.model)
    assert (sent.path, sent.format) == ("/api/chat", "ollama")
    assert sent.body is not None and sent.body["format"] == "json" and sent.body["stream"] is False
    # litellm asks /api/show for the model's metadata (cost/context lookup); it is recorded but not a "request for".
    shows = [r for r in llm_stub.requests_for(OLLAMA_CHAT.model, include_metadata=True) if r.endpoint == "show"]
    assert all(r.path == "/api/show" for r in shows)


def test_ollama_generate_through_litellm(llm_stub: LLMStub) -> None:
    """`ollama/...` (not `ollama_chat/...`) flattens the messages into one prompt for /api/generate."""
    llm_stub.script(OLLAMA.model, reply("generated"))
    response = OLLAMA.complete(llm_stub)

    assert response.choices[0].message.content == "generated"
    assert response.usage.completion_tokens == 1
    [sent] = llm_stub.requests_for(OLLAMA.model)
    assert sent.path == "/api/generate"
    assert sent.body is not None and "SELECT count(*) FROM orders" in sent.body["prompt"]
    assert "SELECT count(*) FROM orders" in llm_stub.all_text()


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_embeddings_through_litellm(llm_stub: LLMStub, name: str) -> None:
    target = EMBED_TARGETS[name]
    response = target.embed(llm_stub, ["orders by day", "revenue"])

    vectors = [item["embedding"] for item in response.data]
    assert vectors == [deterministic_embedding("orders by day"), deterministic_embedding("revenue")]
    assert all(len(v) == 8 for v in vectors)
    assert response.usage.prompt_tokens == 4

    llm_stub.script(target.model, embedding([1.0, 0.0, 0.5]))
    assert target.embed(llm_stub, ["x"]).data[0]["embedding"] == [1.0, 0.0, 0.5]
    sent = llm_stub.requests_for(target.model)
    assert [r.path for r in sent] == (["/v1/embeddings"] * 2 if name == "openai" else ["/api/embed"] * 2)
    assert "orders by day" in llm_stub.all_text()


def test_script_is_fifo_then_default(llm_stub: LLMStub) -> None:
    llm_stub.script(OPENAI.model, reply("first"), error(429), reply("third"))
    assert OPENAI.complete(llm_stub).choices[0].message.content == "first"
    with pytest.raises(llm_exc.RateLimitError):
        OPENAI.complete(llm_stub)
    assert OPENAI.complete(llm_stub).choices[0].message.content == "third"
    assert OPENAI.complete(llm_stub).choices[0].message.content.startswith("echo: Review:")

    llm_stub.set_default("stub-gpt", reply("always"))
    assert OPENAI.complete(llm_stub).choices[0].message.content == "always"
    assert llm_stub.pending(OPENAI.model) == 0
    assert len(llm_stub.requests_for(OPENAI.model)) == 5


def test_delay_then_answers(llm_stub: LLMStub) -> None:
    llm_stub.script(OLLAMA_CHAT.model, delay_then(0.3, then=reply("late")))
    started = time.monotonic()
    assert OLLAMA_CHAT.complete(llm_stub, timeout=5).choices[0].message.content == "late"
    assert time.monotonic() - started >= 0.3


def test_all_text_tells_what_was_and_was_not_sent(llm_stub: LLMStub) -> None:
    OPENAI.complete(llm_stub, messages=[{"role": "user", "content": [{"type": "text", "text": "part one"}]}])
    ANTHROPIC.complete(llm_stub, messages=[{"role": "user", "content": "part two"}])
    text = llm_stub.all_text()
    assert "part one" in text and "part two" in text
    assert "hunter2" not in text

    llm_stub.clear()
    assert llm_stub.requests == [] and llm_stub.all_text() == ""


def test_scripts_match_with_or_without_provider_prefix(llm_stub: LLMStub) -> None:
    llm_stub.script("stub-llama", reply("bare name"))
    assert OLLAMA_CHAT.complete(llm_stub).choices[0].message.content == "bare name"
    llm_stub.script(None, reply("any model"))
    assert OPENAI.complete(llm_stub).choices[0].message.content == "any model"


# -- failures map to litellm's exceptions -----------------------------------------------------------------------------


@pytest.mark.parametrize("target_name", list(EXPECTED_CHAT_ERRORS))
@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
def test_chat_failure_maps_to_litellm_exception(llm_stub: LLMStub, target_name: str, behaviour: str) -> None:
    target = CHAT_TARGETS[target_name]
    expected = EXPECTED_CHAT_ERRORS[target_name][behaviour]
    llm_stub.script(target.model, BEHAVIOURS[behaviour])

    started = time.monotonic()
    with pytest.raises(openai.OpenAIError) as caught:  # every litellm exception is one; exact class below
        target.complete(llm_stub, timeout=CLIENT_TIMEOUT)
    elapsed = time.monotonic() - started

    assert type(caught.value) is expected, f"{target_name}/{behaviour}: {type(caught.value)!r} {caught.value}"
    assert len(llm_stub.requests_for(target.model)) == 1, "no retries"
    if behaviour == "timeout":
        assert elapsed < CLIENT_TIMEOUT + 1.5
    if behaviour == "503":
        assert caught.value.status_code == 503  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("target_name", "behaviour"), [(t, b) for t, cases in EXPECTED_EMBEDDING_ERRORS.items() for b in cases]
)
def test_embedding_failure_maps_to_litellm_exception(llm_stub: LLMStub, target_name: str, behaviour: str) -> None:
    target = EMBED_TARGETS[target_name]
    llm_stub.script(target.model, BEHAVIOURS[behaviour])
    with pytest.raises(openai.OpenAIError) as caught:  # every litellm exception is one; exact class below
        target.embed(llm_stub, ["hello"], timeout=CLIENT_TIMEOUT)
    expected = EXPECTED_EMBEDDING_ERRORS[target_name][behaviour]
    assert type(caught.value) is expected, f"{target_name}/{behaviour}: {type(caught.value)!r} {caught.value}"
    assert len(llm_stub.requests_for(target.model)) == 1, "no retries"


def test_openai_sdk_retries_unless_told_not_to(llm_stub: LLMStub) -> None:
    """Without `num_retries=0` the OpenAI SDK inside litellm retries a 429 twice (its own backoff)."""
    llm_stub.script(OPENAI.model, error(429), error(429))
    response = litellm.completion(
        model=OPENAI.model, api_base=llm_stub.openai_base, api_key="sk-test", messages=MESSAGES
    )
    assert response.choices[0].message.content.startswith("echo:")
    assert len(llm_stub.requests_for(OPENAI.model)) == 3


# -- raw wire details and lifecycle ------------------------------------------------------------------------------------


def test_metadata_endpoints_and_error_headers(llm_stub: LLMStub) -> None:
    llm_stub.script("stub-gpt", error(429))
    with httpx.Client(base_url=llm_stub.base_url, timeout=5) as client:
        rate_limited = client.post("/v1/chat/completions", json={"model": "stub-gpt", "messages": []})
        assert rate_limited.status_code == 429 and rate_limited.headers["retry-after"] == "0"
        assert rate_limited.json()["error"]["code"] == "rate_limit_exceeded"

        assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["stub-gpt"]
        anthropic_models = client.get("/v1/models", headers={"anthropic-version": "2023-06-01"}).json()
        assert anthropic_models["data"][0]["type"] == "model"
        assert client.get("/api/tags").json()["models"][0]["name"] == "stub-gpt:latest"
        assert "llama.context_length" in client.post("/api/show", json={"model": "stub-llama"}).json()["model_info"]
        legacy = client.post("/api/embeddings", json={"model": "e", "prompt": "hi"}).json()
        assert legacy == {"embedding": deterministic_embedding("hi")}

        chunked = client.post(  # a body sent with Transfer-Encoding: chunked is read and recorded like any other
            "/api/chat", content=iter([b'{"model": "chunky", "messages": [{"role": "user", ', b'"content": "hi"}]}'])
        )
        assert chunked.json()["message"]["content"] == "echo: hi"
        assert llm_stub.requests_for("chunky")[0].headers["transfer-encoding"] == "chunked"

        garbled = client.post("/v1/nope", json={})
        assert garbled.status_code == 404
    assert llm_stub.unmatched == ["POST /v1/nope"]


def test_streaming_is_refused_loudly() -> None:
    with running_stub() as stub:
        with pytest.raises(openai.OpenAIError):
            litellm.completion(**{**_openai_kwargs(stub), "stream": True})
        assert "streaming is not implemented" in stub.internal_errors[0]


def _openai_kwargs(stub: LLMStub) -> dict[str, Any]:
    return {
        "model": OPENAI.model,
        "api_base": stub.openai_base,
        "api_key": "sk-test",
        "messages": MESSAGES,
        "num_retries": 0,
    }


def test_running_stub_always_shuts_down() -> None:
    port, started = 0, 0.0
    with pytest.raises(RuntimeError, match="boom"), running_stub() as stub:
        port = stub.port
        stub.script(None, delay_then(30))
        with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.TimeoutException):
            client.post(f"{stub.openai_base}/chat/completions", json={"model": "m", "messages": []})
        started = time.monotonic()
        raise RuntimeError("boom")
    assert time.monotonic() - started < 2, "a handler still sleeping in a Delay must not block shutdown"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the port is closed after the block"
