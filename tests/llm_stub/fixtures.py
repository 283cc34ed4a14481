"""pytest fixtures for the LLM stub. In a conftest: `from tests.llm_stub.fixtures import llm_stub  # noqa: F401`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_stub import LLMStub, running_stub


@pytest.fixture()
def llm_stub() -> Iterator[LLMStub]:
    """A running stub on a fresh port, shut down after the test; fails the test if the stub itself crashed."""
    with running_stub() as stub:
        yield stub
    assert not stub.internal_errors, "llm_stub internal errors:\n" + "\n".join(stub.internal_errors)


@pytest.fixture()
def litellm_no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hidden retries inside litellm (still pass `num_retries=0` to `litellm.completion`: the OpenAI SDK retries
    twice by default). litellm 1.106's OpenAI embedding path does `max_retries or DEFAULT_MAX_RETRIES`, so
    `max_retries=0` is ignored there unless DEFAULT_MAX_RETRIES is 0 too."""
    import litellm

    monkeypatch.setattr(litellm, "num_retries", 0)
    monkeypatch.setattr(litellm, "DEFAULT_MAX_RETRIES", 0)
    monkeypatch.setattr(litellm, "suppress_debug_info", True)
