"""A dry run of the policy for a described call: decision, masked prompt, estimate. Nothing is sent."""

from __future__ import annotations

from typing import Any

from superset.commands.base import BaseCommand

from superset_review.llm.gateway import CompletionRequest, LlmGateway
from superset_review.policy.scope import DataSource


class PolicyCheckCommand(BaseCommand):
    def __init__(self, gateway: LlmGateway, payload: dict[str, Any]) -> None:
        self._gateway = gateway
        self._payload = payload

    def validate(self) -> None:
        """The payload was validated by PolicyCheckSchema; the decision itself is the answer, not an error."""

    def run(self) -> dict[str, Any]:
        self.validate()
        source = self._payload.get("data_source")
        request = CompletionRequest(
            feature=self._payload["feature"],
            stage=self._payload["stage"],
            messages=self._payload["messages"] or [{"role": "user", "content": ""}],
            contains_data=self._payload["contains_data"],
            data_source=DataSource(source["kind"], source["id"]) if source else None,
            sample_rows=self._payload["sample_rows"],
            local_only_override=self._payload["local_only_override"],
            profile=self._payload["profile"],
            max_tokens=self._payload["max_tokens"],
        )
        return self._gateway.dry_run(request)
