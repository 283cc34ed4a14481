"""Every REVIEW_* key: defaults, parsing, and the one-line refusal of a wrong value."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.extension.settings import SETTINGS, ReviewConfigError, resolve_settings
from superset_review.llm.registry import ModelSpec

LANES_ACCEPTED = "an object mapping lanes (interactive_fast, flex_bg, batch_jobs)"


def test_defaults_are_safe() -> None:
    resolved = resolve_settings({}, {})
    assert set(resolved) == {setting.key for setting in SETTINGS}
    assert resolved["REVIEW_LLM_MODELS"] == [], "no model configured by default"
    assert resolved["REVIEW_REDIS_URL"] is None
    assert resolved["REVIEW_LLM_ROUTING_PROFILE"] == "quality_first"
    assert resolved["REVIEW_POLICY"].mode == "metadata_only", "no row value reaches a model by default"
    assert resolved["REVIEW_POLICY"].require_pii_masking
    assert resolved["REVIEW_LANE_CONCURRENCY"] == {"interactive_fast": 2, "flex_bg": 1, "batch_jobs": 1}


@pytest.mark.parametrize(
    ("key", "raw", "parsed"),
    [
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", "0.5", 0.5),
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", 3, 3.0),
        ("REVIEW_WORKER_CONCURRENCY", "4", 4),
        ("REVIEW_WORKER_CONCURRENCY", 32, 32),
        ("REVIEW_REDIS_URL", "redis://cache:6379/2", "redis://cache:6379/2"),
        ("REVIEW_REDIS_URL", "", None),
        ("REVIEW_LLM_MODELS", '[{"name": "local", "model": "openai/qwen"}]', [ModelSpec("local", "openai/qwen")]),
        ("REVIEW_LLM_CACHE_TTL_SECONDS", '{"default": 60, "semantic": 0}', {"default": 60, "semantic": 0}),
        ("REVIEW_LLM_MAX_RETRIES", "0", 0),
        ("REVIEW_PII_HASH_SALT", "0123456789abcdef", "0123456789abcdef"),
        ("REVIEW_ADMIN_USER", "  root ", "root"),
        ("REVIEW_LANE_CONCURRENCY", '{"batch_jobs": 3}', {"interactive_fast": 2, "flex_bg": 1, "batch_jobs": 3}),
        (
            "REVIEW_LANE_CONCURRENCY",
            {"interactive_fast": 32, "flex_bg": 2},
            {"interactive_fast": 32, "flex_bg": 2, "batch_jobs": 1},
        ),
    ],
)
def test_accepted_values(key: str, raw: Any, parsed: Any) -> None:
    assert resolve_settings({key: raw}, {})[key] == parsed


@pytest.mark.parametrize(
    ("key", "raw", "accepts"),
    [
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", "soon", "a number of seconds greater than 0"),
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", 0, "a number of seconds greater than 0"),
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", True, "a number of seconds greater than 0"),
        ("REVIEW_WORKER_CONCURRENCY", "0", "an integer from 1 to 32"),
        ("REVIEW_WORKER_CONCURRENCY", 2.5, "an integer from 1 to 32"),
        ("REVIEW_REDIS_URL", "http://cache", "a redis://, rediss:// or unix:// URL"),
        ("REVIEW_LLM_MODELS", {"name": "x", "model": "y"}, 'a list of {"name": ..., "model": ...} entries'),
        ("REVIEW_LLM_MODELS", [{"name": "no-model"}], 'a list of {"name": ..., "model": ...} entries'),
        ("REVIEW_LLM_MODELS", "not json", 'a list of {"name": ..., "model": ...} entries'),
        ("REVIEW_ADMIN_PASSWORD", "   ", "a non-empty password"),
        ("REVIEW_LANE_CONCURRENCY", '{"bulk": 2}', LANES_ACCEPTED),
        ("REVIEW_LANE_CONCURRENCY", {"batch_jobs": 0}, LANES_ACCEPTED),
        ("REVIEW_LANE_CONCURRENCY", {"flex_bg": True}, LANES_ACCEPTED),
        ("REVIEW_LANE_CONCURRENCY", "[2, 1, 1]", LANES_ACCEPTED),
    ],
)
def test_wrong_values_name_the_key_and_what_it_accepts(key: str, raw: Any, accepts: str) -> None:
    with pytest.raises(ReviewConfigError) as caught:
        resolve_settings({key: raw}, {})
    message = str(caught.value)
    assert message.startswith(f"superset-review: {key} must be {accepts}")
    assert "\n" not in message
    assert isinstance(caught.value, SystemExit), "stops startup without a traceback"


def test_environment_wins_over_config() -> None:
    resolved = resolve_settings({"REVIEW_WORKER_CONCURRENCY": 3}, {"REVIEW_WORKER_CONCURRENCY": "5"})
    assert resolved["REVIEW_WORKER_CONCURRENCY"] == 5


@pytest.mark.parametrize("source", ["config", "environment"])
def test_unknown_review_key_is_refused(source: str) -> None:
    values = {"REVIEW_HEALTH_TIMEOUT": "2"}
    with pytest.raises(ReviewConfigError, match="REVIEW_HEALTH_TIMEOUT must be one of the known keys"):
        resolve_settings(values if source == "config" else {}, values if source == "environment" else {})


def test_every_setting_is_documented_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [setting.key for setting in SETTINGS if f"`{setting.key}`" not in readme]
    assert missing == []


SALT = "a-salt-nobody-may-see"
PASSWORD = "hunter2-do-not-print"


@pytest.mark.parametrize(
    ("values", "secret"),
    [
        ({"REVIEW_PII_HASH_SALT": "short-salt"}, "short-salt"),
        ({"REVIEW_ADMIN_PASSWORD": 12345}, "12345"),
        ({"REVIEW_REDIS_URL": "http://admin:hunter2-in-url@cache:6379"}, "hunter2-in-url"),
        ({"REVIEW_PII_SALT": SALT}, SALT),  # a misspelt key may hold a secret too
    ],
)
def test_configuration_errors_never_print_a_secret(values: dict[str, Any], secret: str) -> None:
    with pytest.raises(ReviewConfigError) as caught:
        resolve_settings(values, {})
    assert secret not in str(caught.value)
    assert next(iter(values)) in str(caught.value), "the key is still named"


def test_check_prints_every_key_without_secrets_or_url_credentials() -> None:
    import os
    import subprocess
    import sys

    environment = {
        **os.environ,
        "REVIEW_ADMIN_PASSWORD": PASSWORD,
        "REVIEW_PII_HASH_SALT": SALT,
        "REVIEW_REDIS_URL": "redis://review:redis-pass-in-url@cache:6379/2",
        "REVIEW_LLM_MODELS": '[{"name": "m", "model": "openai/m", "api_base": "https://u:base-pass@llm.local/v1"}]',
    }
    result = subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "check"],
        env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout + result.stderr
    for secret in (PASSWORD, SALT, "redis-pass-in-url", "base-pass"):
        assert secret not in printed
    assert "REVIEW_ADMIN_PASSWORD = ***" in result.stdout
    assert "cache:6379/2" in result.stdout, "the rest of the URL is still shown"
    assert {line.split(" = ")[0] for line in result.stdout.splitlines()} == {setting.key for setting in SETTINGS}
