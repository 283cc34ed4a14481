"""The schema diff of a run against the previous run into the same target, the rules it calls for, the previous
plan's mappings as this run reads them (re-validated on this run's Sample Pack where a type change breaks them) and
the decision of the run's schema-change policy (``migration/evolution.py`` says how each is made).

Who may ask: the run's owner or an admin (``visible_run``: anyone else's run is a 404). The previous run is the
newest run created before this one into the same target, with a catalog, that the same user may see (their own; any
for an admin): a diff never shows a catalog its reader could not open.

Value overlap reads the runs' Sample Pack rows (server-side files of data_mode runs; only the figures are
answered, never the values) and, besides, the catalogs' masked examples. Nothing is written: this is a read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superset.commands.base import BaseCommand

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration.evolution import (
    MAX_VALUES,
    Policy,
    RuleAction,
    SchemaDiff,
    alias_index,
    decide,
    diff_catalogs,
    propose_rules,
    rewritten_mapping,
)
from superset_review.onboarding.commands.base import current_user_id, is_review_admin, visible_run
from superset_review.onboarding.dao import ArtifactDAO, MappingDAO, OnboardingRunDAO
from superset_review.onboarding.models import ArtifactKind, OnboardingRun, RunArtifact, RunMapping, RunMode

if TYPE_CHECKING:
    import polars as pl

MAX_SAMPLE_ROWS = 100_000  # as the mapping stage reads a Sample Pack


def sample_values(path: str | Path | None) -> dict[str, list[str]]:
    """Up to ``MAX_VALUES`` distinct values of each column of a Sample Pack's rows, as text (none when the file is
    gone: the catalogs' examples still count)."""
    if not path or not Path(path).is_file():
        return {}
    import polars as pl

    frame: pl.DataFrame = pl.read_parquet(path, n_rows=MAX_SAMPLE_ROWS)
    out: dict[str, list[str]] = {}
    for name in frame.columns:
        series = frame.get_column(name).drop_nulls().unique(maintain_order=True).head(MAX_VALUES)
        out[name] = [str(value) for value in series.cast(pl.String, strict=False).drop_nulls().to_list()]
    return out


def _mapping_json(mapping: RunMapping) -> dict[str, Any]:
    return {
        "target": mapping.target,
        "sources": list(mapping.sources or []),
        "strategy": mapping.strategy,
        "dsl": dict(mapping.dsl or {}),
        "origin": mapping.origin,
        "decision": mapping.decision,
        "confidence": float(mapping.confidence),
    }


class SchemaDiffCommand(BaseCommand):
    def __init__(self, run_id: str, policy: Policy | str = Policy.APPROVE_MANUALLY) -> None:
        self._run_id = run_id
        self._policy = Policy(policy)

    def validate(self) -> None:
        self._loaded()

    def _loaded(self) -> tuple[OnboardingRun, RunArtifact]:
        """The run (the owner's or an admin's, else 404) and its latest catalog (409 STAGE_GATED before ingest)."""
        run = visible_run(self._run_id)
        catalog = ArtifactDAO.get(run, ArtifactKind.CATALOG.value)
        if catalog is None:
            raise ReviewError(
                Text("run %(run)s has no catalog yet: run its ingest stage first", run=run.run_id),
                ErrorCode.STAGE_GATED,
                details={"stage": "ingest"},
            )
        return run, catalog

    def previous(self, run: OnboardingRun) -> tuple[OnboardingRun, RunArtifact] | None:
        for other in OnboardingRunDAO.previous_into(run, current_user_id(), any_owner=is_review_admin()):
            catalog = ArtifactDAO.get(other, ArtifactKind.CATALOG.value)
            if catalog is not None:
                return other, catalog
        return None

    def run(self) -> dict[str, Any]:
        run, catalog = self._loaded()
        found = self.previous(run)
        if found is None:
            return {
                "run_id": run.run_id,
                "previous_run_id": None,
                "policy": self._policy.value,
                "decision": "proceed",
                "reason": Text("no earlier run into this target: nothing to compare"),
                "blocking": [],
                "diff": None,
                "rules": [],
                "mappings": [],
            }
        previous, previous_catalog = found
        from superset_review.domains.live import live_catalog

        diff = diff_catalogs(
            previous_catalog.body,
            catalog.body,
            previous_values=sample_values(self._sample_path(previous)),
            current_values=sample_values(self._sample_path(run)),
            aliases=alias_index(live_catalog().catalog),
        )
        mappings = [_mapping_json(m) for m in MappingDAO.of_run(previous) if m.strategy != "none"]
        rules = propose_rules(diff, mappings, self._policy)
        carried = self._carried(run, catalog.body, diff, mappings, rules)
        revalidated = {entry["target"]: str(entry["decision"]) for entry in carried if entry["revalidated"]}
        decision = decide(diff, self._policy, rules, revalidated)
        return {
            "run_id": run.run_id,
            "previous_run_id": previous.run_id,
            "policy": self._policy.value,
            **decision.to_json(),
            "diff": diff.to_json(),
            "rules": rules,
            "mappings": carried,
        }

    @staticmethod
    def _sample_path(run: OnboardingRun) -> str | None:
        if run.mode != RunMode.DATA_MODE.value:
            return None
        sample = ArtifactDAO.get(run, ArtifactKind.SAMPLE_PACK.value)
        return sample.path if sample is not None else None

    def _carried(
        self,
        run: OnboardingRun,
        catalog_body: Mapping[str, Any],
        diff: SchemaDiff,
        mappings: Sequence[Mapping[str, Any]],
        rules: Sequence[Mapping[str, Any]],
    ) -> list[dict[str, Any]]:
        """Each of the previous plan's mappings as this run's catalog reads it: broken (it reads a removed column),
        re-validated (a breaking type change), or rewritten (renames, casts) and checked by the DSL's parser."""
        from superset_review.onboarding.commands.stage import run_context
        from superset_review.onboarding.mapping.columns import source_columns, source_schema
        from superset_review.onboarding.mapping.stage import evaluate_mapping
        from superset_review.transform_dsl import DslError, parse_pipeline

        target = ArtifactDAO.get(run, ArtifactKind.TARGET_SCHEMA.value)
        schema = source_schema(source_columns(catalog_body))
        to_revalidate = {str(t) for rule in rules if rule["action"] == RuleAction.REVALIDATE for t in rule["mappings"]}
        carried: list[dict[str, Any]] = []
        for mapping in mappings:
            rewritten, broken = rewritten_mapping(mapping, diff)
            entry: dict[str, Any] = {
                "target": mapping["target"],
                "previous_decision": mapping["decision"],
                "dsl": rewritten["dsl"],
                "sources": rewritten["sources"],
                "changed": rewritten["dsl"] != mapping["dsl"],
                "revalidated": False,
                "decision": mapping["decision"],
                "success_rate": None,
                "reasons": [],
            }
            if broken:
                entry.update(
                    status="broken",
                    decision="fix",
                    reasons=[Text("reads %(columns)s, removed from the source", columns=", ".join(broken))],
                )
            elif mapping["target"] in to_revalidate and target is not None:
                entry.update(
                    self._revalidated(run, rewritten, catalog_body, target.body, run_context, evaluate_mapping)
                )
            else:
                try:
                    parse_pipeline({"target": mapping["target"], **rewritten["dsl"]}, schema)
                    entry["status"] = "rewritten" if entry["changed"] else "unchanged"
                except DslError as error:
                    entry.update(
                        status="broken",
                        decision="fix",
                        reasons=[Text("the DSL refuses it on this run's columns: %(error)s", error=error.message)],
                    )
            carried.append(entry)
        return carried

    @staticmethod
    def _revalidated(
        run: OnboardingRun,
        rewritten: Mapping[str, Any],
        catalog_body: Mapping[str, Any],
        target_body: Mapping[str, Any],
        run_context: Any,
        evaluate_mapping: Any,
    ) -> dict[str, Any]:
        from superset_review.transform_dsl import DslError

        sample_path = SchemaDiffCommand._sample_path(run)
        as_sent = {
            "target": rewritten["target"],
            "dsl": rewritten["dsl"],
            "sources": rewritten["sources"],
            "origin": rewritten.get("origin") or "rules",
            "confidence": rewritten.get("confidence"),
        }
        try:
            evaluated = evaluate_mapping(run_context(run), as_sent, catalog_body, target_body, sample_path)
        except DslError as error:
            return {
                "status": "broken",
                "revalidated": True,
                "decision": "fix",
                "reasons": [Text("the DSL refuses it on this run's columns: %(error)s", error=error.message)],
            }
        except ReviewError as error:  # the target schema no longer has the column
            return {"status": "broken", "revalidated": True, "decision": "fix", "reasons": [error.message]}
        return {
            "status": "revalidated",
            "revalidated": True,
            "decision": evaluated.decision,
            "success_rate": evaluated.success_rate,
            "reasons": list(evaluated.rationale),
        }
