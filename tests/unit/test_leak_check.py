"""The suite's leak check catches a planted value: through a real stub over HTTP into a record, then the checker."""

from __future__ import annotations

import httpx

from tests.leaks import SensitiveValues, SentRecord, find_leaks
from tests.llm_stub.server import LLMStub


def _send(stub: LLMStub, text: str) -> None:
    body = {"model": "leak-model", "messages": [{"role": "user", "content": text}]}
    response = httpx.post(f"{stub.openai_base}/chat/completions", json=body, timeout=10)
    assert response.status_code == 200


def test_a_planted_value_is_caught_and_a_clean_prompt_passes() -> None:
    record, sensitive = SentRecord(), SensitiveValues()
    sensitive.register("planted.email", ["planted.person@example.com", "Mr"])
    stub = LLMStub(record=record).start()
    try:
        record.running("test_clean", None)
        _send(stub, "Columns: email (text), phone (text). Samples: <EMAIL_1>")
        assert find_leaks(record, sensitive) == []
        record.running("test_leaky", None)
        _send(stub, "Row: Planted.Person@Example.com")
        record.running("test_allowed", "local model, on purpose")
        _send(stub, "Row: planted.person@example.com")
    finally:
        stub.stop()
    leaks = find_leaks(record, sensitive)
    assert [(leak.value, leak.origin, leak.test) for leak in leaks] == [
        ("planted.person@example.com", "planted.email", "test_leaky")
    ], "case-insensitive; the allowed test and the too-short 'Mr' are left out"
    assert "reached an LLM stub in test_leaky" in str(leaks[0])
