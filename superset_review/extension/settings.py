"""Every setting of the extension: a ``REVIEW_*`` key with a safe default, checked at startup.

A key may be set in ``superset_config.py`` or, for the embedded stack and containers, in the environment
(the environment wins). A wrong value stops startup with one line naming the key and what it accepts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from superset_review.extension.redact import HIDDEN, redact
from superset_review.migration.lanes import DEFAULT_LANE_CONCURRENCY, parse_lane_concurrency


class ReviewConfigError(SystemExit):
    """A wrong ``REVIEW_*`` value. A ``SystemExit`` so that startup stops with the one line, not a traceback."""

    def __init__(self, key: str, accepts: str, got: Any) -> None:
        self.key = key
        self.accepts = accepts
        self.message = f"superset-review: {key} must be {accepts} (got {shown_value(key, got)})"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


Parser = Callable[[Any], Any]


def shown_value(key: str, value: Any) -> str:
    """A value as ``superset-review check`` and configuration errors print it: a secret (a password, a salt, or the
    value of a key nobody knows, which may be either) as ``***``, a URL without its credentials."""
    setting = SETTINGS_BY_KEY.get(key)
    if setting is None or setting.secret:
        return HIDDEN if value not in (None, "") else repr(value)
    return redact(repr(value))


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    parse: Parser
    accepts: str
    doc: str
    secret: bool = False  # never printed: `check` and errors show *** instead


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError


def _positive_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(value)
    if number <= 0:
        raise ValueError
    return number


def _int_between(low: int, high: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    return parse


def _non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value.strip()


def _optional_redis_url(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError
    return value


def _model_registry(value: Any) -> Any:
    from superset_review.llm.registry import parse_registry

    return parse_registry(value)


def _routing_profile(value: Any) -> Any:
    from superset_review.llm.routing import parse_profile

    return parse_profile(value)


def _policy(value: Any) -> Any:
    from superset_review.policy.manifest import parse_policy

    return parse_policy(value)


def _cache_ttls(value: Any) -> dict[str, int]:
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, Mapping) or "default" not in value:
        raise ValueError("a 'default' lane is required")
    ttls: dict[str, int] = {}
    for lane, ttl in value.items():
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
            raise ValueError(f"lane {lane!r}: the TTL must be an integer number of seconds >= 0")
        ttls[str(lane)] = ttl
    return ttls


def _optional_string(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) < 16:
        raise ValueError("at least 16 characters")
    return value


def _name_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        import json

        value = json.loads(value) if value.strip().startswith("[") else [part for part in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError("a list of names")
    return tuple(item.strip() for item in value if item.strip())


def _data_scope(value: Any) -> str:
    if value not in ("ai_safe_views", "datasets"):
        raise ValueError("ai_safe_views or datasets")
    return str(value)


def _embedding_source(value: Any) -> str:
    if value not in ("offline", "gateway"):
        raise ValueError("offline or gateway")
    return str(value)


def _optional_path(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value.strip()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "REVIEW_DATA_DIR",
        "./.superset-review",
        _non_empty_string,
        "a directory path",
        "Where `superset-review up` keeps the embedded PostgreSQL, Redis and logs.",
    ),
    Setting(
        "REVIEW_ADMIN_USER",
        "admin",
        _non_empty_string,
        "a non-empty user name",
        "Admin user created on the first `superset-review up`.",
    ),
    Setting(
        "REVIEW_ADMIN_PASSWORD",
        "admin",
        _non_empty_string,
        "a non-empty password",
        "Password of that admin user (first start only; change it in Superset afterwards).",
        secret=True,
    ),
    Setting(
        "REVIEW_REDIS_URL",
        None,
        _optional_redis_url,
        "a redis://, rediss:// or unix:// URL, or empty to use Celery's broker URL",
        "Redis used by the extension (health, later the LLM cache). Empty: the Celery broker's URL.",
    ),
    Setting(
        "REVIEW_HEALTH_TIMEOUT_SECONDS",
        2.0,
        _positive_float,
        "a number of seconds greater than 0",
        "How long each check of `GET /api/v1/dataset_review/health` may take.",
    ),
    Setting(
        "REVIEW_WORKER_CONCURRENCY",
        2,
        _int_between(1, 32),
        "an integer from 1 to 32",
        "Threads of the one Celery worker that `superset-review up --one-worker` starts for every lane.",
    ),
    Setting(
        "REVIEW_LANE_CONCURRENCY",
        dict(DEFAULT_LANE_CONCURRENCY),
        parse_lane_concurrency,
        "an object mapping lanes (interactive_fast, flex_bg, batch_jobs) to an integer from 1 to 32 (JSON in the "
        "environment)",
        "Worker slots per lane (the threads of each lane's Celery worker that `superset-review up` starts, and the "
        "supervisor's measure of a backlog); lanes left out keep their default.",
    ),
    Setting(
        "REVIEW_TASK_HEARTBEAT_SECONDS",
        5.0,
        _positive_float,
        "a number of seconds greater than 0",
        "How often a worker says a task it runs is alive.",
    ),
    Setting(
        "REVIEW_TASK_STALE_SECONDS",
        60.0,
        _positive_float,
        "a number of seconds greater than 0",
        "A running task whose worker has not said it is alive for this long is failed (its worker is gone).",
    ),
    Setting(
        "REVIEW_TASK_QUEUED_SECONDS",
        900.0,
        _positive_float,
        "a number of seconds greater than 0",
        "A task no worker has started for this long is failed (its message was lost), so it can be asked for again.",
    ),
    Setting(
        "REVIEW_LLM_MODELS",
        [],
        _model_registry,
        'a list of {"name": ..., "model": ...} entries (JSON in the environment)',
        "The LLM model registry (see the README). Empty (the default): every LLM feature reports 'LLM not configured'.",
    ),
    Setting(
        "REVIEW_LLM_ROUTING_PROFILE",
        "quality_first",
        _routing_profile,
        "one of quality_first, cost_first, latency_first, offline_first",
        "Default order in which models are tried; the rest of the chain is the fallback.",
    ),
    Setting(
        "REVIEW_LLM_TIMEOUT_SECONDS",
        30.0,
        _positive_float,
        "a number of seconds greater than 0",
        "Deadline of one gateway call, retries and fallbacks included.",
    ),
    Setting(
        "REVIEW_LLM_MAX_RETRIES",
        2,
        _int_between(0, 10),
        "an integer from 0 to 10",
        "Retries of one model after a transient error or rate limit, with exponential backoff.",
    ),
    Setting(
        "REVIEW_LLM_CACHE_TTL_SECONDS",
        {"default": 86_400, "clarification": 3_600},
        _cache_ttls,
        "an object mapping lanes to seconds, with a 'default' lane (JSON in the environment)",
        "How long answers are cached in Redis, per lane; 0 disables the cache for a lane.",
    ),
    Setting(
        "REVIEW_POLICY",
        {},
        _policy,
        "a policy manifest object (JSON in the environment; see the README)",
        "What may reach a model: mode, PII masking, provider allow/deny lists, budgets, sample caps.",
    ),
    Setting(
        "REVIEW_DOMAIN_EMBEDDINGS",
        "offline",
        _embedding_source,
        "offline or gateway",
        "Where domaining's embeddings come from: the model inside the wordllama package (offline), or the gateway's "
        "embedding models in REVIEW_LLM_MODELS (budget, retries, fallback and ledger as completions).",
    ),
    Setting(
        "REVIEW_LLM_DATA_SCOPE",
        "ai_safe_views",
        _data_scope,
        "ai_safe_views or datasets",
        "Where LLM features may read rows from: only AI-safe views (the default; a raw dataset is refused with "
        "POLICY_BLOCK in the ledger), or any dataset the user may read. Metadata-only features are unchanged.",
    ),
    Setting(
        "REVIEW_ONBOARDING_DIR",
        None,
        _optional_path,
        "a directory path, or empty for <REVIEW_DATA_DIR>/onboarding",
        "Where onboarding runs keep uploaded files and their Sample Packs (server-side; never served raw).",
    ),
    Setting(
        "REVIEW_ONBOARDING_MAX_FILE_BYTES",
        2 * 1024**3,
        _int_between(1024, 1024**4),
        "a number of bytes from 1024 to 1 TiB",
        "The largest file an onboarding run ingests (uploaded or given to the CLI); a larger one is refused with 413.",
    ),
    Setting(
        "REVIEW_PII_HASH_SALT",
        None,
        _optional_string,
        "a secret of at least 16 characters, or empty to derive one from SECRET_KEY",
        "Salt of the `hash` masking operator (salted SHA-256).",
        secret=True,
    ),
    Setting(
        "REVIEW_PRODUCTION_DATABASES",
        (),
        _name_list,
        "a list of Superset database names (JSON list or comma-separated)",
        "Databases marked as production: launching a run in them needs `can_launch_prod`.",
    ),
)

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


def parse_value(key: str, raw: Any) -> Any:
    setting = SETTINGS_BY_KEY[key]
    try:
        return setting.parse(raw)
    except (ValueError, TypeError) as ex:
        detail = str(ex) if isinstance(ex, ValueError) and ex.args and isinstance(ex.args[0], str) else ""
        accepts = (
            f"{setting.accepts}; {detail}"
            if detail and not detail.startswith(("could not convert", "invalid literal", "Expecting"))
            else setting.accepts
        )
        raise ReviewConfigError(key, accepts, raw) from ex


def resolve_settings(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every ``REVIEW_*`` key, parsed: environment over config over default.

    Unknown ``REVIEW_*`` keys are refused too: a typo must not silently fall back to a default.
    """
    environ = os.environ if environ is None else environ
    for source in (config, environ):
        for key in source:
            if key.startswith("REVIEW_") and key not in SETTINGS_BY_KEY:
                known = ", ".join(sorted(SETTINGS_BY_KEY))
                raise ReviewConfigError(key, f"one of the known keys ({known})", source[key])
    resolved: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ[setting.key] if setting.key in environ else config.get(setting.key, setting.default)
        resolved[setting.key] = parse_value(setting.key, raw)
    return resolved
