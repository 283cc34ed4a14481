"""Pre-flight: what is checked before a migration writes anything, each check with ``ok`` and a message.

- ``target``: the run's target is a Superset dataset (a YAML target schema has no table to migrate into).
- ``run_active``: the run is not stopped nor failed.
- ``plan_present``: the mapping stage made a plan (passed, or held for a person) with at least one mapping.
- ``mappings_accepted``: every mapping is accepted (a mapping on hold or to fix is named): only an accepted plan
  is executed.
- ``key``: the key of the upsert. Asked for (``key_columns``): each a target column of the plan, one column
  (natural) unique in the source, several (composite) without nulls. Not asked for: the first target column mapped
  from one source column that the catalog finds unique and never null (names that say id or key first), else a
  surrogate key the migration adds to the target.
- ``validations``: the checks asked for, or the threshold profile's ``migration.validation_checks``.
- ``batch_size``: the profile's ``migration.batch_size`` (rows per chunk).
- ``mode``: a full execution needs data_mode; a metadata_only run (or a dry run) is planned only.
- ``schema_change``: the source's schema against the previous run into the same target, under the run's
  schema-change policy (``evolution``): a ``stop`` decision refuses; one that waits for a person is approved by the
  person who starts the migration (recorded in the ledger).

The target the user may write is checked before these (403 ``TARGET_FORBIDDEN``, onboarding's own check): a
refusal of who asks, not of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from superset_review.extension.i18n import Text, keep_texts
from superset_review.migration.models import KeyStrategy
from superset_review.onboarding.models import MappingDecision, RunMode, RunStatus, StageState
from superset_review.onboarding.profiles import VALIDATION_CHECKS

# Mapping strategies whose target column is one source column's values (a key can be taken from them).
ONE_TO_ONE = frozenset({"atomic", "type_alignment", "unit"})
# The catalog's distinct count is an estimate (HyperLogLog on large sources): within this share of the row count,
# a column is taken as unique, and the engine's upsert on the key settles it row by row.
DISTINCT_TOLERANCE = 0.01
KEY_HINTS = ("id", "key", "code", "number", "no")
NAMED_LIMIT = 20  # mappings named in one check's message


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        """As stored: the message's Text kept beside it, so each reader gets it in their language."""
        return dict(keep_texts({"check": self.check, "ok": self.ok}, message=self.message))


@dataclass(frozen=True)
class Preflight:
    checks: list[Check]
    key_strategy: str
    key_columns: list[str]
    validations: list[str]
    batch_size: int
    execute: bool  # a full execution (data_mode, not a dry run); otherwise the plan only
    key_source_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.check for check in self.checks if not check.ok]

    def to_json(self) -> list[dict[str, Any]]:
        return [check.to_json() for check in self.checks]


def _source_stats(catalog: Mapping[str, Any] | None) -> tuple[int | None, dict[str, Mapping[str, Any]]]:
    tables = list((catalog or {}).get("tables") or [])
    if not tables:
        return None, {}
    table = tables[0]
    rows = table.get("row_count")
    return (int(rows) if isinstance(rows, int) else None), {
        str(column.get("name")): column for column in table.get("columns") or [] if isinstance(column, Mapping)
    }


def _unique(column: Mapping[str, Any] | None, rows: int | None) -> bool | None:
    """Whether the catalog finds the column unique and never null; None when it has no statistics."""
    if column is None or rows is None:
        return None
    distinct, nulls = column.get("distinct_estimate"), column.get("null_count")
    if distinct is None or nulls is None:
        return None
    return int(nulls) == 0 and int(distinct) >= rows * (1 - DISTINCT_TOLERANCE)


def _hinted(name: str) -> bool:
    lowered = name.lower()
    return any(lowered == hint or lowered.endswith(f"_{hint}") or lowered.endswith(hint) for hint in KEY_HINTS)


def _choose_key(
    mappings: Sequence[Any], rows: int | None, stats: Mapping[str, Mapping[str, Any]]
) -> tuple[str, list[str], list[str], str]:
    """(strategy, target columns, source columns, why) of the key the pre-flight picks."""
    candidates = [
        mapping
        for mapping in mappings
        if mapping.decision == MappingDecision.ACCEPT.value
        and mapping.strategy in ONE_TO_ONE
        and len(mapping.sources or []) == 1
        and _unique(stats.get(str(mapping.sources[0])), rows)
    ]
    candidates.sort(key=lambda mapping: (not _hinted(mapping.target), mapping.id or 0))
    if candidates:
        chosen = candidates[0]
        why = Text(
            "natural key %(column)s: its source column %(source)s is unique and never null in the source's %(rows)d "
            "rows",
            column=chosen.target,
            source=str(chosen.sources[0]),
            rows=rows or 0,
        )
        return KeyStrategy.NATURAL.value, [chosen.target], [str(chosen.sources[0])], why
    why = Text(
        "surrogate key: no target column is mapped from a source column that is unique and never null; the migration "
        "adds a key computed from each source row"
    )
    return KeyStrategy.SURROGATE.value, [], [], why


def _given_key(
    asked: Sequence[str], mappings: Sequence[Any], rows: int | None, stats: Mapping[str, Mapping[str, Any]]
) -> tuple[Check, str, list[str], list[str]]:
    by_target = {mapping.target: mapping for mapping in mappings}
    unknown = [name for name in asked if name not in by_target]
    if unknown:
        message = Text(
            "key column(s) %(columns)s are not target columns of the plan",
            columns=", ".join(unknown[:NAMED_LIMIT]),
        )
        return Check("key", False, message), KeyStrategy.COMPOSITE.value, list(asked), []
    sources = [str(source) for name in asked for source in by_target[name].sources or []]
    strategy = KeyStrategy.NATURAL.value if len(asked) == 1 else KeyStrategy.COMPOSITE.value
    one_source = {
        name: str(by_target[name].sources[0])
        for name in asked
        if len(by_target[name].sources or []) == 1 and by_target[name].strategy in ONE_TO_ONE
    }
    if strategy == KeyStrategy.NATURAL.value and asked[0] in one_source:
        unique = _unique(stats.get(one_source[asked[0]]), rows)
        if unique is False:
            message = Text(
                "key %(column)s is not unique in the source (or has nulls): its source column %(source)s has "
                "%(distinct)s distinct values and %(nulls)s nulls in %(rows)d rows",
                column=asked[0],
                source=one_source[asked[0]],
                distinct=str(stats[one_source[asked[0]]].get("distinct_estimate")),
                nulls=str(stats[one_source[asked[0]]].get("null_count")),
                rows=rows or 0,
            )
            return Check("key", False, message), strategy, list(asked), sources
    with_nulls = [
        name for name, source in one_source.items() if (stats.get(source) or {}).get("null_count") not in (None, 0)
    ]
    if with_nulls:
        message = Text("key column(s) %(columns)s have nulls in the source", columns=", ".join(with_nulls))
        return Check("key", False, message), strategy, list(asked), sources
    message = Text(
        "%(strategy)s key %(columns)s as asked; the upsert on it settles each row",
        strategy=strategy,
        columns=", ".join(asked),
    )
    return Check("key", True, message), strategy, list(asked), sources


def run_preflight(
    *,
    run: Any,
    mappings: Sequence[Any],
    catalog: Mapping[str, Any] | None,
    profile: Mapping[str, Any],
    key_columns: Sequence[str] | None,
    validations: Sequence[str] | None,
    dry_run: bool,
    has_target: bool = True,
    schema_change: Check | None = None,
) -> Preflight:
    """Every check, in the order they are shown (none stops the others: the user sees all that is wrong)."""
    checks: list[Check] = []
    checks.append(
        Check(
            "target",
            has_target,
            Text("the target is Superset dataset %(dataset)s", dataset=str(run.target_dataset_id))
            if has_target
            else Text("the run's target is a YAML schema: a migration needs a Superset dataset as its target"),
        )
    )
    active = run.status not in (RunStatus.STOPPED.value, RunStatus.FAILED.value)
    checks.append(
        Check(
            "run_active",
            active,
            Text("the run is %(status)s", status=run.status)
            if active
            else Text("the run is %(status)s: it takes no migration", status=run.status),
        )
    )
    mapping_state = str(((run.stages or {}).get("mapping") or {}).get("state") or StageState.PENDING.value)
    present = mapping_state in (StageState.PASSED.value, StageState.HELD.value) and bool(mappings)
    checks.append(
        Check(
            "plan_present",
            present,
            Text("the mapping plan has %(count)d mapping(s)", count=len(mappings))
            if present
            else Text("the run has no mapping plan yet (the mapping stage is %(state)s)", state=mapping_state),
        )
    )
    not_accepted = [mapping for mapping in mappings if mapping.decision != MappingDecision.ACCEPT.value]
    checks.append(
        Check(
            "mappings_accepted",
            not not_accepted,
            Text("every mapping is accepted")
            if not not_accepted
            else Text(
                "%(count)d mapping(s) are not accepted: %(targets)s (accept them, or fix them and accept)",
                count=len(not_accepted),
                targets=", ".join(f"{m.target} ({m.decision})" for m in not_accepted[:NAMED_LIMIT]),
            ),
        )
    )
    rows, stats = _source_stats(catalog)
    if key_columns:
        key_check, strategy, columns, sources = _given_key(list(key_columns), mappings, rows, stats)
    else:
        strategy, columns, sources, why = _choose_key(mappings, rows, stats)
        key_check = Check("key", True, why)
    checks.append(key_check)
    migration_profile = dict(profile.get("migration") or {})
    chosen = list(validations) if validations is not None else list(migration_profile.get("validation_checks") or [])
    unknown = [name for name in chosen if name not in VALIDATION_CHECKS]
    checks.append(
        Check(
            "validations",
            not unknown,
            Text(
                "validations: %(checks)s (%(origin)s)",
                checks=", ".join(chosen) or "none",
                origin="as asked" if validations is not None else "the threshold profile's",
            )
            if not unknown
            else Text("unknown validation(s) %(checks)s", checks=", ".join(unknown)),
        )
    )
    batch_size = int(migration_profile.get("batch_size") or 0)
    checks.append(
        Check(
            "batch_size",
            batch_size > 0,
            Text("%(rows)d rows per chunk (the threshold profile's migration.batch_size)", rows=batch_size),
        )
    )
    data_mode = run.mode == RunMode.DATA_MODE.value
    execute = data_mode and not dry_run
    if execute:
        mode_message = Text("data_mode: the migration executes")
    elif data_mode:
        mode_message = Text("a dry run: the plan, its SQL and its chunks; nothing is written")
    else:
        mode_message = Text("metadata_only: the plan only (a full execution needs a data_mode run)")
    checks.append(Check("mode", True, mode_message))
    if schema_change is not None:
        checks.append(schema_change)
    return Preflight(
        checks=checks,
        key_strategy=strategy,
        key_columns=columns,
        validations=chosen,
        batch_size=batch_size,
        execute=execute,
        key_source_columns=sources,
    )
