"""Propose a view of a dataset from its domains (nothing is written): see ``safe_views.proposals``."""

from __future__ import annotations

from typing import Any

from superset.commands.base import BaseCommand

from superset_review.adapters.datasets import get_dataset
from superset_review.safe_views.proposals import propose


class ProposeSafeViewCommand(BaseCommand):
    def __init__(self, base_dataset_id: int) -> None:
        self._base_dataset_id = base_dataset_id
        self._dataset: Any = None

    def validate(self) -> None:
        self._dataset = get_dataset(self._base_dataset_id)  # 404 / 403 as Superset's dataset access says

    def run(self) -> dict[str, Any]:
        self.validate()
        return propose(self._dataset)
