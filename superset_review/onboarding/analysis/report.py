"""The analysis report: what the mappings would make of the source, and what to fix before a migration runs.

metadata_only (no row read):

- **consistency**: per mapping, the type its pipeline gives against the target column's type;
- **coverage**: the target columns a mapping fills, the required ones left empty, and every personal-data column of
  either side with how it is treated (mapped into a column marked as PII, or not);
- **feasibility**: a matrix target x strategy: ``chosen`` (and whether it ``needs_fix``), ``feasible`` (the rules
  found a valid pipeline of that strategy), or nothing.

data_mode adds, on the Sample Pack run through the mappings' plan (Polars):

- **nulls** per target (against ``analysis.null_rate_max``), **duplicate keys** (identifier columns, against
  ``analysis.dup_key_rate_max``), **sanity** of units and dates (a date before 1900 or after 2100, a birth date in the
  future, a negative weight, a value outside the domain's range), **cross-field rules** (a start after its end);
- **distribution**: PSI and KS (``stats``) between each transformed column and the target dataset's own sample,
  read through Superset's query path as the run's owner (a YAML target has no sample: the report says so), against
  ``analysis.psi_max`` and ``analysis.ks_max``.

Every anomaly carries a recommended fix with a stable id (a hash of what it changes), which ``fix_to_mapping``
turns into the mapping change the API stages (e.g. ``trim`` before a ``type_cast`` whose failures are padded
numbers, the other day/month order of a ``date_parse``, a ``unit_convert`` when the target's values are the source's
times a unit factor).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from superset_review.domains.catalog import Catalog
from superset_review.domains.units import UNITS
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.onboarding.analysis.stats import ks_statistic, psi_categorical, psi_numeric
from superset_review.onboarding.mapping.columns import (
    NUMERIC,
    TEMPORAL,
    SourceColumn,
    TargetColumn,
    source_schema,
)
from superset_review.onboarding.mapping.stage import MappingRun, as_mapping
from superset_review.onboarding.mapping.strategies import DSL_UNIT_NAMES, finishing_ops
from superset_review.onboarding.models import RunMode
from superset_review.onboarding.stages import MappingOut
from superset_review.transform_dsl import DSL_VERSION, DslError, apply_polars, parse_pipeline, parse_plan

if TYPE_CHECKING:
    import polars as pl

logger = logging.getLogger(__name__)

REPORT_VERSION = 1
STRATEGIES = ("atomic", "compose", "decompose", "unit", "type_alignment")
KEY_TOKENS = frozenset({"id", "key", "uuid", "identifier"})
START_TOKENS = frozenset({"start", "begin", "from", "opened", "created", "checkin", "since"})
END_TOKENS = frozenset({"end", "finish", "to", "until", "closed", "expiry", "expires", "checkout"})
NON_NEGATIVE_FAMILIES = (
    "measure.weight",
    "measure.length",
    "measure.volume",
    "measure.area",
    "measure.duration",
    "measure.data_size",
    "measure.quantity",
    "money.price",
    "person.age",
)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
MIN_DISTRIBUTION_VALUES = 5  # a PSI or KS on fewer values of either side says nothing
UNIT_MATCH = 0.03  # a median ratio within 3% of a unit factor suggests that unit_convert
# Units by dimension with their factor to the dimension's base: what a ratio of medians is compared with.
FACTORS: dict[str, float] = {
    "mg": 1e-6,
    "g": 1e-3,
    "kg": 1.0,
    "t": 1e3,
    "oz": 0.028349523125,
    "lb": 0.45359237,
    "mm": 1e-3,
    "cm": 1e-2,
    "m": 1.0,
    "km": 1e3,
    "in": 0.0254,
    "ft": 0.3048,
    "mi": 1609.344,
    "ml": 1e-3,
    "l": 1.0,
    "m3": 1e3,
    "gal": 3.785411784,
    "ms": 1e-3,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
DAY_MONTH_SWAPS = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y", "%d-%m-%Y": "%m-%d-%Y", "%m-%d-%Y": "%d-%m-%Y"}
NUMBER_PATTERN = "-?[0-9]+(?:[.][0-9]+)?"


@dataclass(frozen=True)
class AnalysisThresholds:
    null_rate_max: float
    dup_key_rate_max: float
    psi_max: float
    ks_max: float

    @classmethod
    def of(cls, profile: Mapping[str, Any]) -> AnalysisThresholds:
        analysis = profile.get("analysis") or {}
        return cls(
            float(analysis.get("null_rate_max", 0.2)),
            float(analysis.get("dup_key_rate_max", 0.0)),
            float(analysis.get("psi_max", 0.25)),
            float(analysis.get("ks_max", 0.2)),
        )


def _fix(kind: str, target: str, action: str, description: str, change: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "fx_" + stable_hash([kind, target, change])[:16],
        "action": action,
        "description": description,
        "change": {"target": target, **change},
    }


def _anomaly(
    kind: str, severity: str, target: str, message: str, fix: dict[str, Any], **measured: Any
) -> dict[str, Any]:
    return {"kind": kind, "severity": severity, "target": target, "message": message, "fix": fix, **measured}


def _hold(kind: str, target: str, why: str) -> dict[str, Any]:
    return _fix(kind, target, "hold", f"hold the mapping of {target} for a person: {why}", {"decision": "hold"})


def _ops(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    ops = (mapping.get("dsl") or {}).get("ops") or []
    return [dict(op) for op in ops if isinstance(op, Mapping)]


def pipeline_of(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping's pipeline named by its target (a stored ``dsl`` may leave the target out)."""
    dsl = mapping.get("dsl") or {}
    return {"target": mapping.get("target"), "source": dsl.get("source"), "ops": dsl.get("ops") or []}


def _with_ops(mapping: Mapping[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    dsl = mapping.get("dsl") or {}
    return {"dsl": {"target": mapping["target"], "source": dsl.get("source"), "ops": ops}}


class Report:
    """One analysis: built from the run's inputs, section by section; ``body()`` is the artifact."""

    def __init__(
        self,
        stage: MappingRun,
        mappings: Sequence[MappingOut | Mapping[str, Any]],
        target_sample: pl.DataFrame | None,
        target_sample_note: str | None,
    ) -> None:
        self.stage = stage
        self.catalog: Catalog = stage.catalog
        self.mappings = [as_mapping(mapping) for mapping in mappings]
        self.mappings = [mapping for mapping in self.mappings if isinstance(mapping.get("target"), str)]
        self.by_target = {mapping["target"]: mapping for mapping in self.mappings}
        self.targets: list[TargetColumn] = stage.targets
        self.sources: dict[str, SourceColumn] = {column.name: column for column in stage.sources}
        self.schema = source_schema(stage.sources)
        self.thresholds = AnalysisThresholds.of(stage.ctx.profile)
        self.target_sample = target_sample
        self.target_sample_note = target_sample_note
        self.anomalies: list[dict[str, Any]] = []
        self.output_types: dict[str, str] = {}
        for mapping in self.mappings:
            if mapping.get("strategy") == "none":
                continue
            try:
                parsed = parse_pipeline(pipeline_of(mapping), self.schema)
            except DslError:
                continue
            self.output_types[mapping["target"]] = parsed.output_type

    # --- metadata_only ---------------------------------------------------------------------------------------

    def consistency(self) -> list[dict[str, Any]]:
        rows = []
        for target in self.targets:
            mapping = self.by_target.get(target.name)
            if mapping is None or mapping.get("strategy") == "none":
                continue
            output = self.output_types.get(target.name)
            consistent = output == target.dtype
            rows.append(
                {
                    "target": target.name,
                    "sources": mapping.get("sources") or [],
                    "strategy": mapping.get("strategy"),
                    "output_type": output,
                    "target_dtype": target.dtype,
                    "consistent": consistent,
                }
            )
            if consistent:
                continue
            finish = finishing_ops(output, target.dtype) if output else None
            fix = (
                _fix(
                    "type",
                    target.name,
                    "cast",
                    f"end the pipeline with a cast to {target.dtype}",
                    _with_ops(mapping, [*_ops(mapping), *finish]),
                )
                if finish
                else _hold("type", target.name, f"no operation turns {output} into {target.dtype}")
            )
            message = (
                f"{target.name}: the pipeline gives {output or 'nothing the DSL accepts'}, the column is {target.dtype}"
            )
            self.anomalies.append(_anomaly("type_mismatch", "high", target.name, message, fix))
        return rows

    def coverage(self) -> dict[str, Any]:
        mapped = [
            t.name for t in self.targets if (self.by_target.get(t.name) or {}).get("strategy") not in (None, "none")
        ]
        unmapped = [t.name for t in self.targets if t.name not in mapped]
        required = [t.name for t in self.targets if t.required and t.name not in mapped]
        for name in required:
            self.anomalies.append(
                _anomaly(
                    "required_unmapped",
                    "high",
                    name,
                    f"{name} is required and no source column fills it",
                    _fix("required_unmapped", name, "write", f"write a pipeline for {name}", {"decision": "fix"}),
                )
            )
        decisions = {d: sum(1 for m in self.mappings if m.get("decision") == d) for d in ("accept", "hold", "fix")}
        return {
            "targets": len(self.targets),
            "mapped": len(mapped),
            "share": round(len(mapped) / len(self.targets), 4) if self.targets else None,
            "unmapped": unmapped,
            "required_unmapped": required,
            "decisions": decisions,
            "with_domain": sum(1 for t in self.targets if t.domain),
            "pii": self._pii(),
        }

    def _pii(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        reads: dict[str, list[str]] = {}
        for mapping in self.mappings:
            for name in mapping.get("sources") or []:
                reads.setdefault(name, []).append(mapping["target"])
        targets = {t.name: t for t in self.targets}
        for column in self.sources.values():
            if not column.pii:
                continue
            into = reads.get(column.name, [])
            unmarked = [name for name in into if name in targets and not targets[name].pii]
            treatment = (
                "not mapped: stays in the source"
                if not into
                else f"mapped into {', '.join(into)}"
                + ("" if not unmarked else f" ({', '.join(unmarked)} not marked as PII)")
            )
            rows.append(
                {
                    "column": column.name,
                    "side": "source",
                    "pii": column.pii,
                    "into": into,
                    "treatment": treatment,
                    "masked_in_samples": True,
                }
            )
            for name in unmarked:
                self.anomalies.append(
                    _anomaly(
                        "pii_unmarked",
                        "high",
                        name,
                        f"{name} would hold {column.pii} data from {column.name}; the target does not mark it "
                        "as personal data",
                        _hold("pii_unmarked", name, f"{column.pii} flows into {name}"),
                    )
                )
        for target in self.targets:
            if target.pii:
                rows.append(
                    {
                        "column": target.name,
                        "side": "target",
                        "pii": target.pii,
                        "into": [],
                        "treatment": "personal data in the target",
                        "masked_in_samples": True,
                    }
                )
        return rows

    def feasibility(self) -> dict[str, Any]:
        ranked, _ = self.stage.propose()
        rows = []
        for target, candidates in zip(self.targets, ranked, strict=True):
            mapping = self.by_target.get(target.name) or {}
            chosen = mapping.get("strategy")
            cells: dict[str, str | None] = dict.fromkeys(STRATEGIES)
            for candidate in candidates:
                cells[candidate.strategy] = "feasible"
            if chosen in cells:
                cells[chosen] = "needs_fix" if mapping.get("decision") == "fix" else "chosen"
            rows.append({"target": target.name, "chosen": chosen, "decision": mapping.get("decision"), "cells": cells})
        return {"strategies": list(STRATEGIES), "rows": rows}

    # --- data_mode -------------------------------------------------------------------------------------------

    def transformed(self) -> pl.DataFrame | None:
        sample = self.stage.sample
        pipelines = [pipeline_of(m) for m in self.mappings if m.get("target") in self.output_types]
        if sample is None or not pipelines:
            return None
        plan = parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, self.schema)
        frame: pl.DataFrame = apply_polars(plan, sample)
        return frame

    def data(self, frame: pl.DataFrame) -> dict[str, Any]:
        return {
            "rows": frame.height,
            "nulls": self.nulls(frame),
            "duplicates": self.duplicates(frame),
            "sanity": self.sanity(frame),
            "cross_field": self.cross_field(frame),
            "distribution": self.distribution(frame),
        }

    def nulls(self, frame: pl.DataFrame) -> list[dict[str, Any]]:
        rows = []
        for target in self.targets:
            if target.name not in frame.columns or not frame.height:
                continue
            values = frame.get_column(target.name)
            rate = round(values.null_count() / frame.height, 4)
            reasons = frame.get_column(f"{target.name}__reason").drop_nulls()
            failed = round(reasons.len() / frame.height, 4)
            rows.append(
                {
                    "target": target.name,
                    "null_rate": rate,
                    "failed_rate": failed,
                    "over": rate > self.thresholds.null_rate_max,
                }
            )
            if rate <= self.thresholds.null_rate_max:
                continue
            top = reasons.value_counts(sort=True).head(1).to_dicts()
            fix = self._null_fix(self.by_target[target.name], top[0][reasons.name] if top else None)
            self.anomalies.append(
                _anomaly(
                    "null_rate",
                    "high" if target.required else "medium",
                    target.name,
                    f"{target.name} is NULL in {rate:.1%} of the sample (at most "
                    f"{self.thresholds.null_rate_max:.0%}); {failed:.1%} are failed conversions",
                    fix,
                    value=rate,
                    threshold=self.thresholds.null_rate_max,
                )
            )
        return rows

    def _null_fix(self, mapping: Mapping[str, Any], reason: str | None) -> dict[str, Any]:
        """Failed casts of a pipeline with no ``trim`` before them get one; of one that has it, the number is
        extracted before the cast; anything else is held for a person."""
        ops = _ops(mapping)
        target = str(mapping["target"])
        converting = [i for i, op in enumerate(ops) if op.get("op") in ("type_cast", "date_parse")]
        if reason and converting:
            first = converting[0]
            if not any(op.get("op") == "trim" for op in ops[:first]):
                change = _with_ops(mapping, [*ops[:first], {"op": "trim"}, *ops[first:]])
                return _fix("null_rate", target, "add_op", f"add trim before {ops[first]['op']}", change)
            op = ops[first]
            if (
                op.get("op") == "type_cast"
                and op.get("to") in NUMERIC
                and not any(o.get("op") == "regex_extract" for o in ops[:first])
            ):
                extract = {"op": "regex_extract", "pattern": NUMBER_PATTERN, "group": 0}
                change = _with_ops(mapping, [*ops[:first], extract, *ops[first:]])
                return _fix("null_rate", target, "add_op", "extract the number before the cast", change)
        return _hold("null_rate", target, "the source has many missing values")

    def duplicates(self, frame: pl.DataFrame) -> list[dict[str, Any]]:
        rows = []
        for target in self.targets:
            if target.name not in frame.columns:
                continue
            is_key = (target.domain or "").startswith("identifier.") or (target.stem and target.stem[-1] in KEY_TOKENS)
            if not is_key:
                continue
            values = frame.get_column(target.name).drop_nulls()
            if values.len() == 0:
                continue
            rate = round((values.len() - values.n_unique()) / values.len(), 4)
            rows.append(
                {"target": target.name, "duplicate_rate": rate, "over": rate > self.thresholds.dup_key_rate_max}
            )
            if rate > self.thresholds.dup_key_rate_max:
                self.anomalies.append(
                    _anomaly(
                        "duplicate_keys",
                        "high",
                        target.name,
                        f"{target.name} looks like a key and repeats in {rate:.1%} of the sample's values",
                        _hold("duplicate_keys", target.name, "resolve the duplicates or choose another key"),
                        value=rate,
                        threshold=self.thresholds.dup_key_rate_max,
                    )
                )
        return rows

    def sanity(self, frame: pl.DataFrame) -> list[dict[str, Any]]:
        import polars as pl

        rows = []
        today = dt.datetime.now(dt.UTC).date()
        for target in self.targets:
            output = self.output_types.get(target.name)
            if target.name not in frame.columns or output is None:
                continue
            values = frame.get_column(target.name).drop_nulls()
            if values.len() == 0:
                continue
            domain = self.catalog.by_name.get(target.domain) if target.domain else None
            if output in TEMPORAL:
                days = values.cast(pl.Date)
                early, late = int((days < EARLIEST).sum()), int((days > LATEST).sum())
                future = int((days > today).sum()) if (target.domain or "").startswith("datetime.date_of_birth") else 0
                bad = early + late + future
                rows.append(
                    {
                        "target": target.name,
                        "check": "dates",
                        "before_1900": early,
                        "after_2100": late,
                        "future_birth_dates": future,
                        "values": values.len(),
                    }
                )
                if bad:
                    self.anomalies.append(
                        _anomaly(
                            "date_range",
                            "medium",
                            target.name,
                            f"{bad} of {values.len()} dates of {target.name} are implausible (before 1900, after "
                            "2100 or a birth date in the future)",
                            self._date_fix(target.name),
                            value=bad,
                        )
                    )
            elif output in NUMERIC:
                numbers = values.cast(pl.Float64)
                negative = int((numbers < 0).sum()) if (target.domain or "") in NON_NEGATIVE_FAMILIES else 0
                outside = 0
                if domain is not None and domain.value_range is not None:
                    low, high = domain.value_range
                    outside = int(((numbers < low) | (numbers > high)).sum())
                rows.append(
                    {
                        "target": target.name,
                        "check": "numbers",
                        "negative": negative,
                        "outside_range": outside,
                        "values": values.len(),
                    }
                )
                if negative or outside:
                    self.anomalies.append(
                        _anomaly(
                            "value_range",
                            "medium",
                            target.name,
                            f"{negative} negative and {outside} out-of-range values of {target.name} ({target.domain})",
                            _hold("value_range", target.name, "implausible values"),
                            value=negative + outside,
                        )
                    )
        return rows

    def _date_fix(self, target: str) -> dict[str, Any]:
        mapping = self.by_target[target]
        ops = _ops(mapping)
        for index, op in enumerate(ops):
            swapped = DAY_MONTH_SWAPS.get(str(op.get("format"))) if op.get("op") == "date_parse" else None
            if swapped:
                changed = [*ops[:index], {**op, "format": swapped}, *ops[index + 1 :]]
                return _fix(
                    "date_range", target, "change_op", f"read the dates as {swapped}", _with_ops(mapping, changed)
                )
        return _hold("date_range", target, "implausible dates")

    def cross_field(self, frame: pl.DataFrame) -> list[dict[str, Any]]:
        temporal = [t for t in self.targets if self.output_types.get(t.name) in TEMPORAL and t.name in frame.columns]
        rows = []
        for start in temporal:
            start_rest = tuple(token for token in start.stem if token not in START_TOKENS)
            if start_rest == start.stem:
                continue
            for end in temporal:
                end_rest = tuple(token for token in end.stem if token not in END_TOKENS)
                if end is start or end_rest == end.stem or end_rest != start_rest:
                    continue
                both = frame.select(start.name, end.name).drop_nulls()
                broken = int((both.get_column(start.name) > both.get_column(end.name)).sum()) if both.height else 0
                rows.append({"rule": f"{start.name} <= {end.name}", "rows": both.height, "broken": broken})
                if broken:
                    self.anomalies.append(
                        _anomaly(
                            "cross_field",
                            "medium",
                            end.name,
                            f"{broken} of {both.height} rows have {start.name} after {end.name}",
                            _hold("cross_field", end.name, f"{start.name} after {end.name}"),
                            value=broken,
                        )
                    )
        return rows

    def distribution(self, frame: pl.DataFrame) -> dict[str, Any]:
        import polars as pl

        section: dict[str, Any] = {"target_sample": {"rows": None, "note": self.target_sample_note}, "columns": []}
        theirs = self.target_sample
        if theirs is None:
            return section
        section["target_sample"]["rows"] = theirs.height
        for target in self.targets:
            output = self.output_types.get(target.name)
            if output is None or target.name not in frame.columns or target.name not in theirs.columns:
                continue
            ours, expected = frame.get_column(target.name).drop_nulls(), theirs.get_column(target.name).drop_nulls()
            if ours.len() < MIN_DISTRIBUTION_VALUES or expected.len() < MIN_DISTRIBUTION_VALUES:
                continue
            row: dict[str, Any] = {"target": target.name, "values": ours.len(), "target_values": expected.len()}
            if output in NUMERIC or output in TEMPORAL:
                as_number = pl.Float64 if output in NUMERIC else pl.Int64
                left = ours.cast(pl.Date).cast(pl.Int64) if output in TEMPORAL else ours.cast(as_number)
                right = (
                    expected.cast(pl.Date, strict=False).cast(pl.Int64)
                    if output in TEMPORAL
                    else expected.cast(pl.Float64, strict=False)
                ).drop_nulls()
                a, e = left.cast(pl.Float64).to_list(), right.cast(pl.Float64).to_list()
                row.update(kind="numeric", psi=psi_numeric(e, a), ks=ks_statistic(a, e))
            else:
                a = ours.cast(pl.String).to_list()
                e = expected.cast(pl.String, strict=False).drop_nulls().to_list()
                row.update(kind="categorical", psi=psi_categorical(e, a), ks=None)
            section["columns"].append(row)
            psi, ks = row.get("psi"), row.get("ks")
            if (psi is not None and psi > self.thresholds.psi_max) or (ks is not None and ks > self.thresholds.ks_max):
                fix = self._shift_fix(target, row, ours, expected, output)
                self.anomalies.append(
                    _anomaly(
                        "distribution_shift",
                        "medium",
                        target.name,
                        f"{target.name} is distributed unlike the target's own values (PSI {psi}, KS {ks}; "
                        f"at most {self.thresholds.psi_max} and {self.thresholds.ks_max})",
                        fix,
                        psi=psi,
                        ks=ks,
                    )
                )
        return section

    def _shift_fix(
        self, target: TargetColumn, row: Mapping[str, Any], ours: pl.Series, expected: pl.Series, output: str
    ) -> dict[str, Any]:
        """A shift whose medians differ by a unit factor of the target's dimension gets that ``unit_convert``."""
        import polars as pl

        mapping = self.by_target[target.name]
        if row.get("kind") == "numeric" and output in NUMERIC:
            mine = ours.cast(pl.Float64).median()
            theirs = expected.cast(pl.Float64, strict=False).median()
            if isinstance(mine, float) and isinstance(theirs, float) and mine > 0 and theirs > 0:
                found = _unit_pair(theirs / mine, self._dimension(target))
                if found is not None:
                    frm, to = found
                    step = {"op": "unit_convert", "from": DSL_UNIT_NAMES[frm], "to": DSL_UNIT_NAMES[to]}
                    ops = _ops(mapping)
                    if output == "integer":
                        ops = [*ops, {"op": "type_cast", "to": "float"}]
                    ops.append(step)
                    ops += finishing_ops("float", target.dtype) or []
                    return _fix(
                        "distribution_shift",
                        target.name,
                        "add_op",
                        f"convert from {frm} to {to}: the target's values are {theirs / mine:.4g} times the source's",
                        _with_ops(mapping, ops),
                    )
        return _hold("distribution_shift", target.name, "the values are distributed unlike the target's")

    def _dimension(self, target: TargetColumn) -> str | None:
        if target.units:
            return UNITS[target.units[0]].dimension
        domain = self.catalog.by_name.get(target.domain) if target.domain else None
        if domain is not None and domain.units:
            return UNITS[domain.units[0]].dimension if domain.units[0] in UNITS else None
        return None

    def body(self) -> dict[str, Any]:
        mode = self.stage.ctx.mode
        notes: list[str] = []
        body: dict[str, Any] = {
            "report_version": REPORT_VERSION,
            "mode": str(mode),
            "contract_hash": self.stage.ctx.contract_hash,
            "thresholds": asdict(self.thresholds),
            "consistency": self.consistency(),
            "coverage": self.coverage(),
            "feasibility": self.feasibility(),
            "data": None,
        }
        if mode == RunMode.DATA_MODE:
            frame = self.transformed()
            if frame is None:
                notes.append("no Sample Pack or no mapping to run on it: no data checks")
            else:
                body["data"] = self.data(frame)
        else:
            notes.append(
                "metadata only: no row was read; nulls, duplicates, distributions and cross-field rules need data_mode"
            )
        if self.target_sample_note:
            notes.append(self.target_sample_note)
        body["columns"], body["duplicate_keys"] = _column_summary(self.targets, body["data"])
        for anomaly in self.anomalies:
            anomaly["id"] = "an_" + stable_hash([anomaly["kind"], anomaly["target"], anomaly["message"]])[:16]
        severities = [anomaly["severity"] for anomaly in self.anomalies]
        body["anomalies"] = self.anomalies
        body["summary"] = {
            "anomalies": len(self.anomalies),
            "by_severity": {level: severities.count(level) for level in ("high", "medium", "low")},
            "fixes": len({anomaly["fix"]["id"] for anomaly in self.anomalies}),
        }
        body["notes"] = notes
        return body


def _column_summary(
    targets: Sequence[TargetColumn], data: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One row per target with its null rate, PSI and KS (what a chart of the report draws), and the worst key's
    duplicates; the sections keep the detail."""
    if data is None:
        return [{"target": t.name, "null_rate": None, "psi": None, "ks": None} for t in targets], None
    nulls = {row["target"]: row["null_rate"] for row in data["nulls"]}
    shifts = {row["target"]: row for row in data["distribution"]["columns"]}
    columns = [
        {
            "target": t.name,
            "null_rate": nulls.get(t.name),
            "psi": (shifts.get(t.name) or {}).get("psi"),
            "ks": (shifts.get(t.name) or {}).get("ks"),
        }
        for t in targets
    ]
    worst = max(data["duplicates"], key=lambda row: row["duplicate_rate"], default=None)
    duplicates = {"key": worst["target"], "rate": worst["duplicate_rate"]} if worst else None
    return columns, duplicates


def _unit_pair(ratio: float, dimension: str | None) -> tuple[str, str] | None:
    """(from, to) whose factor ``from/to`` is within ``UNIT_MATCH`` of ``ratio`` (1 excluded), in ``dimension``."""
    if dimension is None or abs(ratio - 1.0) <= UNIT_MATCH:
        return None
    units = [code for code in FACTORS if code in UNITS and UNITS[code].dimension == dimension]
    best: tuple[float, str, str] | None = None
    for frm in units:
        for to in units:
            if frm == to:
                continue
            error = abs(FACTORS[frm] / FACTORS[to] / ratio - 1.0)
            if error <= UNIT_MATCH and (best is None or error < best[0]):
                best = (error, frm, to)
    return (best[1], best[2]) if best else None


def fix_to_mapping(report: Mapping[str, Any], fix_id: str) -> dict[str, Any]:
    """The mapping change a recommended fix stages: ``{"target", "decision"?, "dsl"?, "fix_id", "reason"}`` (the
    body of a mapping's PUT, its target named). MAPPING_NOT_FOUND (404) when the report has no such fix."""
    for anomaly in report.get("anomalies") or []:
        fix = anomaly.get("fix") if isinstance(anomaly, Mapping) else None
        if isinstance(fix, Mapping) and fix.get("id") == fix_id:
            return {**dict(fix["change"]), "fix_id": fix_id, "reason": fix.get("description")}
    raise ReviewError(
        Text("The analysis has no fix %(fix)s.", fix=str(fix_id)[:64]),
        ErrorCode.MAPPING_NOT_FOUND,
        {"fix_id": str(fix_id)[:64]},
    )
