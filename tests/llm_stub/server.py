"""A local HTTP stand-in for three LLM provider wire formats (OpenAI, Anthropic, Ollama).

litellm talks to it over real HTTP exactly as it would to the provider: point `api_base` at `stub.openai_base`,
`stub.anthropic_base` or `stub.ollama_base`. Every request is recorded, and every model can be scripted with a FIFO
of behaviours (reply, reply_json, error, delay, garbage, embedding) that falls back to a per-model default and then to a
deterministic echo / hash embedding. Metadata endpoints (`/v1/models`, `/api/tags`, `/api/show`) are recorded but
never consume a script. Streaming (`stream: true`) is not implemented: it is answered 501 and lands in
`stub.internal_errors`, which the `llm_stub` fixture asserts empty.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeAlias, cast
from urllib.parse import urlsplit

from tests.leaks import SENT, SentRecord

Format: TypeAlias = Literal["openai", "anthropic", "ollama"]
Endpoint: TypeAlias = Literal["chat", "generate", "embedding", "models", "show"]

EMBEDDING_DIM = 8
_PROVIDER_PREFIXES = ("openai/", "anthropic/", "ollama/", "ollama_chat/")
_SCRIPTED_ENDPOINTS: frozenset[Endpoint] = frozenset({"chat", "generate", "embedding"})


# ---------------------------------------------------------------------------------------------------------------------
# Behaviours
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """Answer a chat/generate request with this assistant text."""

    text: str


@dataclass(frozen=True)
class HttpError:
    """Answer with an HTTP error. `body=None` builds the provider's own error envelope for the status."""

    status: int
    body: Any = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Delay:
    """Sleep `seconds` before answering with `then` (None: the model's default behaviour)."""

    seconds: float
    then: Behaviour | None = None


@dataclass(frozen=True)
class Garbage:
    """Answer with a body that is not JSON (HTTP 200 unless told otherwise)."""

    body: bytes = b"<html><body>502 upstream hiccup: this is not JSON</body></html>"
    status: int = 200
    content_type: str = "text/html"


@dataclass(frozen=True)
class EmbeddingVector:
    """Answer an embedding request with this vector for every input."""

    vector: tuple[float, ...]


Behaviour: TypeAlias = Reply | HttpError | Delay | Garbage | EmbeddingVector


def reply(text: str) -> Reply:
    return Reply(text)


def reply_json(obj: Any) -> Reply:
    """The assistant content is `json.dumps(obj)` (for Anthropic forced-tool JSON mode: a tool_use with that input)."""
    return Reply(json.dumps(obj))


def error(status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> HttpError:
    return HttpError(status, body, dict(headers) if headers is not None else None)


def delay(seconds: float, then: Behaviour | None = None) -> Delay:
    return Delay(seconds, then)


def garbage(body: bytes | None = None, status: int = 200) -> Garbage:
    return Garbage(status=status) if body is None else Garbage(body=body, status=status)


def embedding(vector: list[float] | tuple[float, ...]) -> EmbeddingVector:
    return EmbeddingVector(tuple(float(v) for v in vector))


# ---------------------------------------------------------------------------------------------------------------------
# Deterministic defaults
# ---------------------------------------------------------------------------------------------------------------------


def _float32(value: float) -> float:
    """Round to the nearest float32 so float and base64 encodings of a vector compare equal."""
    return cast(float, struct.unpack("<f", struct.pack("<f", value))[0])


def deterministic_embedding(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """The default embedding of `text`: a unit vector derived from its SHA-256 (float32-exact)."""
    digest = b""
    counter = 0
    while len(digest) < 4 * dim:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    raw = [int.from_bytes(digest[4 * i : 4 * i + 4], "big") / 2**32 * 2 - 1 for i in range(dim)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [_float32(v / norm) for v in raw]


def default_reply_text(last_user_text: str) -> str:
    return "echo: " + last_user_text[:200]


def count_tokens(text: str) -> int:
    return len(text.split())


# ---------------------------------------------------------------------------------------------------------------------
# Recorded requests
# ---------------------------------------------------------------------------------------------------------------------


def _content_texts(content: Any) -> list[str]:
    """Strings of an OpenAI/Anthropic/Ollama message content: a string, or a list of parts with `text`."""
    if isinstance(content, str):
        return [content]
    texts: list[str] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif part.get("type") == "tool_result":
                    texts.extend(_content_texts(part.get("content")))
    return texts


def strip_provider_prefix(model: str) -> str:
    """`openai/stub-gpt` -> `stub-gpt`: the name litellm puts in the request body."""
    for prefix in _PROVIDER_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix) :]
    return model


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any] | None
    raw: bytes
    model: str | None
    format: Format
    endpoint: Endpoint = "chat"
    received_at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = (self.body or {}).get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    def texts(self) -> list[str]:
        """Every string sent as prompt material: message contents, Anthropic `system`, `prompt`, embedding `input`."""
        body = self.body or {}
        texts: list[str] = []
        for key in ("system", "prompt"):  # Anthropic system; Ollama /api/generate and legacy /api/embeddings
            texts.extend(_content_texts(body.get(key)))
        for message in self.messages:
            texts.extend(_content_texts(message.get("content")))
        embed_input = body.get("input")
        if isinstance(embed_input, str):
            texts.append(embed_input)
        elif isinstance(embed_input, list):
            texts.extend(item for item in embed_input if isinstance(item, str))
        return texts

    def last_user_text(self) -> str:
        body = self.body or {}
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return "\n".join(_content_texts(message.get("content")))
        prompt = body.get("prompt")
        return prompt if isinstance(prompt, str) else ""

    @property
    def response_format(self) -> Any:
        return (self.body or {}).get("response_format")


# ---------------------------------------------------------------------------------------------------------------------
# The stub
# ---------------------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping in a Delay must not block server_close()
    stub: LLMStub

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is normal here; anything else is a stub bug worth surfacing.
        exc = traceback.format_exc()
        if "BrokenPipeError" in exc or "ConnectionResetError" in exc or "ConnectionAbortedError" in exc:
            return
        self.stub._internal_error(exc)


class LLMStub:
    """Records requests and answers them per the per-model script; see the module docstring."""

    def __init__(self, record: SentRecord | None = None) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        # Every request's texts also go to one process-wide record, which the suite's leak check reads at the end.
        self._record_to = record if record is not None else SENT
        self._scripts: dict[str | None, deque[Behaviour]] = {}
        self._defaults: dict[str | None, Behaviour] = {}
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self.internal_errors: list[str] = []
        self.unmatched: list[str] = []

    # -- lifecycle -----------------------------------------------------------------------------------------------------

    def start(self) -> LLMStub:
        if self._server is not None:
            raise RuntimeError("llm_stub already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.stub = self
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="llm-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wake handlers sleeping in a Delay
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        try:
            server.shutdown()
        finally:
            server.server_close()
            if thread is not None:
                thread.join(timeout=5)

    def __enter__(self) -> LLMStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("llm_stub not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        """api_base for `openai/...`: the OpenAI SDK appends `/chat/completions`, `/embeddings`."""
        return f"{self.base_url}/v1"

    @property
    def anthropic_base(self) -> str:
        """api_base for `anthropic/...`: litellm appends `/v1/messages` unless the base already ends with it."""
        return self.base_url

    @property
    def ollama_base(self) -> str:
        """api_base for `ollama/...` (/api/generate), `ollama_chat/...` (/api/chat) and embeddings (/api/embed)."""
        return self.base_url

    # -- scripting -----------------------------------------------------------------------------------------------------

    def script(self, model: str | None, *behaviours: Behaviour) -> None:
        """Queue behaviours for `model` (provider prefix optional; None: any model without its own script)."""
        key = strip_provider_prefix(model) if model is not None else None
        with self._lock:
            self._scripts.setdefault(key, deque()).extend(behaviours)

    def set_default(self, model: str | None, behaviour: Behaviour) -> None:
        """What `model` does once its script is exhausted (None: every model without its own default)."""
        key = strip_provider_prefix(model) if model is not None else None
        with self._lock:
            self._defaults[key] = behaviour

    def pending(self, model: str | None) -> int:
        """Scripted behaviours not yet consumed for `model`."""
        key = strip_provider_prefix(model) if model is not None else None
        with self._lock:
            return len(self._scripts.get(key, ()))

    def _next_behaviour(self, model: str | None) -> Behaviour | None:
        with self._lock:
            for key in (model, None):
                queue = self._scripts.get(key)
                if queue:
                    return queue.popleft()
            return self._default_behaviour_locked(model)

    def _default_behaviour(self, model: str | None) -> Behaviour | None:
        with self._lock:
            return self._default_behaviour_locked(model)

    def _default_behaviour_locked(self, model: str | None) -> Behaviour | None:
        if model in self._defaults:
            return self._defaults[model]
        return self._defaults.get(None)

    # -- recording -----------------------------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
        self._record_to.add(request.texts())

    def _unmatched(self, text: str) -> None:
        with self._lock:
            self.unmatched.append(text)

    def _internal_error(self, text: str) -> None:
        with self._lock:
            self.internal_errors.append(text)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, model: str, *, include_metadata: bool = False) -> list[RecordedRequest]:
        """Requests naming `model` (prefix optional). Metadata calls (`/api/show`, model lists) only if asked."""
        name = strip_provider_prefix(model)
        return [r for r in self.requests if r.model == name and (include_metadata or r.endpoint in _SCRIPTED_ENDPOINTS)]

    def clear(self) -> None:
        """Forget recorded requests (scripts and defaults stay)."""
        with self._lock:
            self._requests.clear()
            self.unmatched.clear()

    def reset(self) -> None:
        """Forget recorded requests, scripts and defaults."""
        with self._lock:
            self._requests.clear()
            self.unmatched.clear()
            self._scripts.clear()
            self._defaults.clear()

    def all_text(self) -> str:
        """Every prompt string of every recorded request, newline-joined, to assert something was or was NOT sent."""
        return "\n".join(text for r in self.requests for text in r.texts())

    def known_models(self) -> list[str]:
        with self._lock:
            names = {k for k in (*self._scripts, *self._defaults) if k is not None}
            names.update(r.model for r in self._requests if r.model is not None)
        return sorted(names)


# ---------------------------------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------------------------------

_ROUTES: dict[tuple[str, str], tuple[Format, Endpoint]] = {
    ("POST", "/v1/chat/completions"): ("openai", "chat"),
    ("POST", "/v1/embeddings"): ("openai", "embedding"),
    ("GET", "/v1/models"): ("openai", "models"),  # Anthropic's when the request carries `anthropic-version`
    ("POST", "/v1/messages"): ("anthropic", "chat"),
    ("POST", "/api/chat"): ("ollama", "chat"),
    ("POST", "/api/generate"): ("ollama", "generate"),
    ("POST", "/api/embed"): ("ollama", "embedding"),
    ("POST", "/api/embeddings"): ("ollama", "embedding"),
    ("GET", "/api/tags"): ("ollama", "models"),
    ("POST", "/api/show"): ("ollama", "show"),
}

# The providers' own error envelopes, with their real wording: litellm maps some errors by message text (an OpenAI 401
# is an AuthenticationError only if it says "Incorrect API key provided"; "model_not_found" makes a NotFoundError).
_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request (llm_stub scripted 400 for {model})."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.",
    ),
    403: ("request_forbidden", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for {model} in organization org-llmstub on requests per min (RPM): Limit 3, Used 3, "
        "Requested 1. Please try again in 20s.",
    ),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "llm_stub scripted 400 for {model}: invalid request"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: (
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 5 requests per minute.",
    ),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}
_OLLAMA_ERRORS: dict[int, str] = {
    400: "llm_stub scripted 400 for {model}: invalid request",
    401: "unauthorized",
    404: 'model "{model}" not found, try pulling it first',
    429: "too many requests",
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}


def _provider_error_body(fmt: Format, status: int, model: str) -> dict[str, Any]:
    if fmt == "openai":
        fallback = ("server_error" if status >= 500 else "invalid_request_error", None, "llm_stub scripted {status}")
        err_type, code, message = _OPENAI_ERRORS.get(status, fallback)
        text = message.format(model=model, status=status)
        return {"error": {"message": text, "type": err_type, "param": None, "code": code}}
    if fmt == "anthropic":
        fallback_a = ("api_error" if status >= 500 else "invalid_request_error", "llm_stub scripted {status}")
        err_type, message = _ANTHROPIC_ERRORS.get(status, fallback_a)
        return {"type": "error", "error": {"type": err_type, "message": message.format(model=model, status=status)}}
    return {"error": _OLLAMA_ERRORS.get(status, "llm_stub scripted {status}").format(model=model, status=status)}


def _now() -> int:
    return int(time.time())


def _iso_now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing ------------------------------------------------------------------------------------------------------

    @property
    def stub(self) -> LLMStub:
        return self.server.stub

    def _send(self, status: int, payload: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        self.close_connection = True

    def _send_json(self, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        raw = self._read_body()
        path = urlsplit(self.path).path.rstrip("/") or "/"
        headers = {name.lower(): value for name, value in self.headers.items()}
        route = _ROUTES.get((method, path))
        if route is None:
            self.stub._unmatched(f"{method} {self.path}")
            self._send_json(404, {"error": {"message": f"llm_stub: no route for {method} {path}", "type": "not_found"}})
            return
        fmt, endpoint = route
        if path == "/v1/models" and "anthropic-version" in headers:
            fmt = "anthropic"
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        model_field = (body or {}).get("model") or (body or {}).get("name")
        request = RecordedRequest(
            method=method,
            path=path,
            headers=headers,
            body=body,
            raw=raw,
            model=model_field if isinstance(model_field, str) else None,
            format=fmt,
            endpoint=endpoint,
        )
        self.stub._record(request)
        try:
            if endpoint in ("chat", "generate") and (body or {}).get("stream") is True:
                message = f"llm_stub: streaming is not implemented ({method} {path}, model {request.model!r})"
                self.stub._internal_error(message)
                self._send_json(501, {"error": {"message": message, "type": "server_error"}})
            elif endpoint in _SCRIPTED_ENDPOINTS:
                self._answer(request, self.stub._next_behaviour(request.model))
            elif endpoint == "models":
                self._answer_models(request)
            else:
                self._answer_show(request)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise
        except Exception:  # noqa: BLE001 - a stub bug must surface in stub.internal_errors, not hang the client
            self.stub._internal_error(traceback.format_exc())
            self._send_json(500, {"error": {"message": "llm_stub internal error (see stub.internal_errors)"}})

    # -- behaviours ----------------------------------------------------------------------------------------------------

    def _answer(self, request: RecordedRequest, behaviour: Behaviour | None) -> None:
        if isinstance(behaviour, Delay):
            if self.stub._closing.wait(behaviour.seconds):
                return  # the stub is shutting down: hang up without answering
            then = behaviour.then if behaviour.then is not None else self.stub._default_behaviour(request.model)
            self._answer(request, then)
        elif isinstance(behaviour, HttpError):
            self._answer_error(request, behaviour)
        elif isinstance(behaviour, Garbage):
            self._send(behaviour.status, behaviour.body, behaviour.content_type)
        elif request.endpoint == "embedding":
            if isinstance(behaviour, Reply):
                self._misscripted(request, behaviour)
                return
            inputs = _embedding_inputs(request)
            vectors = [
                list(behaviour.vector) if behaviour is not None else deterministic_embedding(text) for text in inputs
            ]
            self._answer_embedding(request, inputs, vectors)
        else:
            if isinstance(behaviour, EmbeddingVector):
                self._misscripted(request, behaviour)
                return
            text = behaviour.text if behaviour is not None else default_reply_text(request.last_user_text())
            self._answer_chat(request, text)

    def _misscripted(self, request: RecordedRequest, behaviour: Behaviour) -> None:
        message = f"llm_stub: {behaviour!r} cannot answer a {request.endpoint} request for {request.model!r}"
        self.stub._internal_error(message)
        self._send_json(500, {"error": {"message": message}})

    def _answer_error(self, request: RecordedRequest, behaviour: HttpError) -> None:
        status = behaviour.status
        headers = dict(behaviour.headers or {})
        if status in (429, 503) and not any(h.lower() == "retry-after" for h in headers):
            headers["Retry-After"] = "0"
        body = behaviour.body
        if isinstance(body, bytes):
            self._send(status, body, "text/plain", headers)
            return
        if isinstance(body, str):
            self._send(status, body.encode(), "text/plain", headers)
            return
        if body is None:
            body = _provider_error_body(request.format, status, request.model or "unknown")
        if request.format == "openai":
            headers.setdefault("x-request-id", f"req_{uuid.uuid4().hex}")
        elif request.format == "anthropic":
            headers.setdefault("request-id", f"req_{uuid.uuid4().hex[:24]}")
        self._send_json(status, body, headers)

    # -- provider-shaped successes -------------------------------------------------------------------------------------

    def _answer_chat(self, request: RecordedRequest, text: str) -> None:
        prompt_tokens = sum(count_tokens(t) for t in request.texts())
        completion_tokens = count_tokens(text)
        model = request.model or "unknown"
        if request.format == "openai":
            self._send_json(
                200,
                {
                    "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
                    "object": "chat.completion",
                    "created": _now(),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                        "completion_tokens_details": {
                            "reasoning_tokens": 0,
                            "audio_tokens": 0,
                            "accepted_prediction_tokens": 0,
                            "rejected_prediction_tokens": 0,
                        },
                    },
                    "service_tier": "default",
                    "system_fingerprint": "fp_llmstub",
                },
                {"x-request-id": f"req_{uuid.uuid4().hex}", "openai-processing-ms": "1"},
            )
        elif request.format == "anthropic":
            content: list[dict[str, Any]]
            forced_tool = _anthropic_forced_tool(request)
            if forced_tool is not None:  # litellm's JSON mode forces a tool; the real API answers with a tool_use
                content = [
                    {
                        "type": "tool_use",
                        "id": f"toolu_{uuid.uuid4().hex[:24]}",
                        "name": forced_tool,
                        "input": _tool_input(text),
                    }
                ]
                stop_reason = "tool_use"
            else:
                content = [{"type": "text", "text": text}]
                stop_reason = "end_turn"
            self._send_json(
                200,
                {
                    "id": f"msg_{uuid.uuid4().hex[:24]}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": content,
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": prompt_tokens,
                        "output_tokens": completion_tokens,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "service_tier": "standard",
                    },
                },
                {"request-id": f"req_{uuid.uuid4().hex[:24]}"},
            )
        else:
            timings = {
                "total_duration": 1_000_000,
                "load_duration": 100_000,
                "prompt_eval_count": prompt_tokens,
                "prompt_eval_duration": 200_000,
                "eval_count": completion_tokens,
                "eval_duration": 700_000,
            }
            if request.endpoint == "generate":
                self._send_json(
                    200,
                    {
                        "model": model,
                        "created_at": _iso_now(),
                        "response": text,
                        "done": True,
                        "done_reason": "stop",
                        "context": [1, 2, 3],
                        **timings,
                    },
                )
            else:
                self._send_json(
                    200,
                    {
                        "model": model,
                        "created_at": _iso_now(),
                        "message": {"role": "assistant", "content": text},
                        "done_reason": "stop",
                        "done": True,
                        **timings,
                    },
                )

    def _answer_embedding(self, request: RecordedRequest, inputs: list[str], vectors: list[list[float]]) -> None:
        tokens = sum(count_tokens(t) for t in inputs)
        model = request.model or "unknown"
        body = request.body or {}
        if request.format == "openai":
            as_base64 = body.get("encoding_format") == "base64"  # the OpenAI SDK asks for base64 by default
            data = [
                {
                    "object": "embedding",
                    "index": i,
                    "embedding": base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v,
                }
                for i, v in enumerate(vectors)
            ]
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
                {"x-request-id": f"req_{uuid.uuid4().hex}"},
            )
        elif request.path == "/api/embeddings":  # Ollama's legacy endpoint: one prompt, one vector
            self._send_json(200, {"embedding": vectors[0] if vectors else []})
        else:
            self._send_json(
                200,
                {
                    "model": model,
                    "embeddings": vectors,
                    "total_duration": 1_000_000,
                    "load_duration": 100_000,
                    "prompt_eval_count": tokens,
                },
            )

    def _answer_models(self, request: RecordedRequest) -> None:
        names = self.stub.known_models()
        if request.format == "openai":
            data = [{"id": n, "object": "model", "created": 1_700_000_000, "owned_by": "llm-stub"} for n in names]
            self._send_json(200, {"object": "list", "data": data})
        elif request.format == "anthropic":
            data = [{"type": "model", "id": n, "display_name": n, "created_at": "2025-01-01T00:00:00Z"} for n in names]
            self._send_json(
                200,
                {
                    "data": data,
                    "has_more": False,
                    "first_id": names[0] if names else None,
                    "last_id": names[-1] if names else None,
                },
            )
        else:
            models = [
                {
                    "name": n if ":" in n else f"{n}:latest",
                    "model": n if ":" in n else f"{n}:latest",
                    "modified_at": "2025-01-01T00:00:00Z",
                    "size": 4_000_000_000,
                    "digest": hashlib.sha256(n.encode()).hexdigest(),
                    "details": _OLLAMA_DETAILS,
                }
                for n in names
            ]
            self._send_json(200, {"models": models})

    def _answer_show(self, request: RecordedRequest) -> None:
        self._send_json(
            200,
            {
                "modelfile": f"FROM {request.model}\n",
                "parameters": "stop <|eot_id|>",
                "template": "{{ .Prompt }}",
                "details": _OLLAMA_DETAILS,
                "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
                "capabilities": ["completion"],
                "modified_at": "2025-01-01T00:00:00Z",
            },
        )


_OLLAMA_DETAILS: dict[str, Any] = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "8.0B",
    "quantization_level": "Q4_0",
}


def _embedding_inputs(request: RecordedRequest) -> list[str]:
    body = request.body or {}
    value = body.get("input", body.get("prompt"))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    return [""]


def _anthropic_forced_tool(request: RecordedRequest) -> str | None:
    choice = (request.body or {}).get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool" and isinstance(choice.get("name"), str):
        return cast(str, choice["name"])
    return None


def _tool_input(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


@contextmanager
def running_stub() -> Iterator[LLMStub]:
    """Start a stub on a free 127.0.0.1 port; always shut it down, even when the body raises."""
    stub = LLMStub()
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()
