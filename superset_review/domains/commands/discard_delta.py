"""Discard a staged delta: its author, or a curator."""

from __future__ import annotations

from superset.commands.base import BaseCommand

from superset_review.domains import audit
from superset_review.domains.commands.base import delta_json, may_curate, unit_of_work
from superset_review.domains.dao import DomainDeltaDAO
from superset_review.domains.exceptions import CurateRequiredError, DeltaNotFoundError, DeltaNotStagedError
from superset_review.domains.models import DeltaState, DomainDelta
from superset_review.extension.i18n import Text


class DiscardDeltaCommand(BaseCommand):
    def __init__(self, actor_id: int | None, delta_uuid: str) -> None:
        self._actor_id = actor_id
        self._uuid = delta_uuid
        self._delta: DomainDelta | None = None

    def validate(self) -> None:
        delta = DomainDeltaDAO.find_by_uuid(self._uuid)
        if delta is None:
            raise DeltaNotFoundError(self._uuid)
        if delta.state != DeltaState.STAGED.value:
            raise DeltaNotStagedError(delta.uuid, delta.state)
        if not (self._actor_id is not None and delta.created_by == self._actor_id) and not may_curate(self._actor_id):
            raise CurateRequiredError(Text("discarding another person's delta"))
        self._delta = delta

    @unit_of_work
    def run(self) -> DomainDelta:
        self.validate()
        delta = self._delta
        assert delta is not None
        before = delta_json(delta)
        delta.state = DeltaState.DISCARDED.value
        audit.record("discard", f"delta:{delta.uuid}", self._actor_id, before, delta_json(delta))
        return delta
