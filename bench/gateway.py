"""Gateway overhead per call (everything but litellm and the provider) and cache-hit latency.

Run by bench/run.py in a child process whose environment points at running embedded services; prints one
JSON list of rows on its last line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CALLS = 200
PROMPT = (
    "Describe the columns of the customers dataset: customer_id, contact_name, email, phone, card_number. "
    "Sample row: 1000001, Ann Lee, ann.lee@example.com, +1 (415) 555-0132, 4111 1111 1111 1111."
)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _serve_stub(ports: Any, stop: Any) -> None:
    from tests.llm_stub import reply, running_stub

    with running_stub() as stub:
        stub.set_default("bench-model", reply("A customer table with contact details; <EMAIL_1> is an email."))
        ports.put((stub.openai_base, stub.port))
        stop.wait()


class RemoteStub:
    """The stub provider in its own process, as a real provider would be: its work does not share our GIL."""

    def __enter__(self) -> RemoteStub:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        ports, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve_stub, args=(ports, self._stop), daemon=True)
        self._process.start()
        self.openai_base, self.port = ports.get(timeout=60)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def main() -> None:
    import redis
    from superset.app import create_app

    from superset_review.llm.cache import PREFIX, AnswerCache
    from superset_review.llm.gateway import Caller, CompletionRequest, GatewaySettings, LlmGateway, _litellm
    from superset_review.llm.registry import parse_registry
    from superset_review.llm.routing import RoutingProfile
    from superset_review.policy.manifest import parse_policy

    app = create_app()
    with app.app_context(), RemoteStub() as stub:
        import os

        os.environ["BENCH_STUB_KEY"] = "sk-bench"
        spec = {"name": "bench-model", "model": "openai/bench-model", "api_base": stub.openai_base}
        settings = GatewaySettings(
            models=tuple(parse_registry([{**spec, "api_key_env": "BENCH_STUB_KEY"}])),
            profile=RoutingProfile.QUALITY_FIRST,
            timeout_seconds=30,
            max_retries=0,
            cache_ttls={"default": 600},
            policy=parse_policy({"mode": "data_mode", "budgets": {"default": {"tokens": None, "usd": None}}}),
        )
        client = redis.Redis.from_url(app.config["CELERY_CONFIG"].broker_url)
        for key in client.scan_iter(f"{PREFIX}*"):
            client.delete(key)
        gateway = LlmGateway(settings, AnswerCache(client, settings.cache_ttls), Caller(1, "bench", True))
        litellm = _litellm()
        messages = [{"role": "user", "content": PROMPT}]

        def request(i: int, **options: Any) -> CompletionRequest:
            return CompletionRequest(
                feature="bench", messages=messages, contains_data=True, sample_rows=1,
                artifact_hashes=[f"run-{i}"], **options,
            )  # fmt: skip

        for i in range(20):  # warm-up: imports, connection pools, tokenizer
            gateway.complete(request(i, no_cache=True))
            litellm.completion(model=spec["model"], messages=messages, api_base=stub.openai_base, api_key="sk-bench")

        from superset_review.pii.masking import TokenOperator, TokenVault, mask_text

        masked = [{"role": "user", "content": mask_text(PROMPT, TokenOperator(), vault=TokenVault()).text}]
        # Time spent inside the provider call (litellm + HTTP + the stub) is measured around the gateway's own
        # `_call`, on the real path, and subtracted: what remains is the gateway's work.
        inside: list[float] = []
        real_call = gateway._call

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real_call(*args, **kwargs)
            finally:
                inside.append((time.perf_counter() - started) * 1000)

        gateway._call = timed_call  # type: ignore[method-assign]
        direct, through, own = [], [], []
        for i in range(CALLS):
            started = time.perf_counter()
            # The same request litellm gets from the gateway (the masked prompt, the same parameters), so the
            # difference is the gateway's own work: policy, masking, estimate, budget, cache, ledger.
            litellm.completion(
                model=spec["model"], messages=masked, api_base=stub.openai_base, api_key="sk-bench", num_retries=0,
                timeout=30.0, temperature=0.0, max_tokens=1024,
            )  # fmt: skip
            direct.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            gateway.complete(request(1000 + i, no_cache=True))
            through.append((time.perf_counter() - started) * 1000)
            own.append(through[-1] - inside[-1])

        gateway.complete(request(5000))  # stored
        hits = []
        for _ in range(CALLS):
            started = time.perf_counter()
            result = gateway.complete(request(5000))
            hits.append((time.perf_counter() - started) * 1000)
            assert result.cache_hit

    overhead = statistics.median(own)
    rows = [
        {
            "name": "gateway overhead per call (median, excl. provider)",
            "value": overhead,
            "unit": "ms",
            "target": "< 5 ms",
            "met": overhead < 5,
            "note": f"p95 {p(own, 95):.2f} ms; whole call {statistics.median(through):.2f} ms through the gateway, "
            f"{statistics.median(direct):.2f} ms calling litellm directly",
        },
        {
            "name": "gateway cache hit (median)",
            "value": statistics.median(hits),
            "unit": "ms",
            "target": "< 2 ms",
            "met": statistics.median(hits) < 2,
            "note": f"p95 {p(hits, 95):.2f} ms, ledger row included",
        },
    ]
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
