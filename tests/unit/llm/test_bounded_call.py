"""The gateway waits for a provider call no longer than its bound, whatever the client does with its own timeout."""

from __future__ import annotations

import time

import pytest

from superset_review.llm.errors import ErrorCode, LlmError
from superset_review.llm.gateway import HARD_TIMEOUT_GRACE_SECONDS, bounded_call


def test_a_call_past_its_bound_is_a_timeout_at_the_bound() -> None:
    started = time.monotonic()
    with pytest.raises(LlmError) as caught:
        bounded_call(lambda: time.sleep(3), 0.2, "slow-model")
    elapsed = time.monotonic() - started
    assert caught.value.code is ErrorCode.TIMEOUT and "slow-model" in caught.value.message
    assert 0.2 <= elapsed < 0.2 + HARD_TIMEOUT_GRACE_SECONDS + 0.5


def test_a_call_within_its_bound_answers_or_raises_as_itself() -> None:
    assert bounded_call(lambda: 42, 1.0, "model") == 42

    def failing() -> None:
        raise ValueError("the provider's own error")

    with pytest.raises(ValueError, match="the provider's own error"):
        bounded_call(failing, 1.0, "model")
