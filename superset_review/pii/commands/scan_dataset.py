"""Scan a Superset dataset for PII on a sample within the policy's caps."""

from __future__ import annotations

from typing import Any

from superset.commands.base import BaseCommand

from superset_review.adapters.datasets import get_dataset, sample_rows
from superset_review.policy.manifest import PolicyManifest


class ScanDatasetCommand(BaseCommand):
    def __init__(self, dataset_id: int, policy: PolicyManifest, rows: int | None = None) -> None:
        self._dataset_id = dataset_id
        self._policy = policy
        self._rows = rows
        self._dataset: Any = None

    def validate(self) -> None:
        if self._rows is not None and self._rows < 1:
            raise ValueError("rows must be at least 1")
        self._dataset = get_dataset(self._dataset_id)

    def run(self) -> dict[str, Any]:
        self.validate()
        caps = self._policy.sample_caps
        rows = min(self._rows or caps.rows, caps.rows)
        frame = sample_rows(self._dataset, rows)
        if frame.height and frame.estimated_size() > caps.bytes:
            # The byte cap binds on wide rows: keep as many whole rows as fit.
            bytes_per_row = frame.estimated_size() / frame.height
            frame = frame.head(int(caps.bytes // bytes_per_row))
        # The domains decide (a person's decision, the stored domaining, the classifier on this sample): one answer.
        from superset_review.domains.pii import pii_findings

        findings = pii_findings(frame, self._dataset_id, threshold=self._policy.pii_threshold)
        return {
            "dataset_id": self._dataset_id,
            "dataset_name": self._dataset.table_name,
            "sampled_rows": frame.height,
            "sample_caps": {"rows": caps.rows, "bytes": caps.bytes},
            "policy_version": self._policy.version,
            "columns": [finding.to_dict() for finding in findings],
        }
