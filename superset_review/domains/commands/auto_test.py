"""Auto-test the staged catalog (the live one with every staged delta) and keep each delta's result."""

from __future__ import annotations

from superset.commands.base import BaseCommand

from superset_review.domains import audit
from superset_review.domains.commands.base import may_curate, unit_of_work
from superset_review.domains.dao import DomainDeltaDAO
from superset_review.domains.exceptions import CurateRequiredError
from superset_review.domains.live import live_catalog
from superset_review.domains.models import DeltaKind, DomainDelta
from superset_review.domains.staging import Change, StagedTest, run_staged_test
from superset_review.extension.i18n import Text
from superset_review.tasks.models import now


def changes_of(deltas: list[DomainDelta]) -> list[Change]:
    return [Change(DeltaKind(delta.kind), delta.domain, delta.payload or {}, delta.uuid) for delta in deltas]


def summary(result: StagedTest, version: int) -> dict[str, object]:
    """The test as provenance and the audit keep it (the per-delta results are on each delta)."""
    body = result.to_json()
    body.pop("deltas")
    return {**body, "base_version": version, "failing_domains": sorted(result.failures)}


class TestStagedCatalogCommand(BaseCommand):
    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, actor_id: int | None) -> None:
        self._actor_id = actor_id

    def validate(self) -> None:
        if not may_curate(self._actor_id):
            raise CurateRequiredError(Text("testing the staged catalog"))

    @unit_of_work
    def run(self) -> StagedTest:
        self.validate()
        live = live_catalog()
        deltas = DomainDeltaDAO.staged_for_update()
        result = run_staged_test(live.catalog, changes_of(deltas))
        tested_on = now().isoformat()
        for delta in deltas:
            delta.test = {**result.per_change[delta.uuid], "catalog_passed": result.passed,
                          "base_version": live.version, "tested_on": tested_on}  # fmt: skip
        audit.record("test", "catalog:staged", self._actor_id, {"version": live.version,
                     "staged": [delta.uuid for delta in deltas]}, summary(result, live.version))  # fmt: skip
        return result
