"""What a migration runs: the spec (source, target, plan, key, batch size, validations, strategy), the names of its
tables in the target, and the execution plan derived from it (the accepted plan plus the key columns it carries).

The key columns are columns of the final table. A key column that a pipeline writes is chunked on that pipeline's
source column (chunks are cut in the source, before any transform); a key column no pipeline writes is carried
from the source unchanged (an identity pipeline, so that both generators pass it through). A surrogate key is the
source row's 1-based position in the file (stable for a given file; a table has no stable order, so a table source
needs a natural or composite key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.transform_dsl import DSL_VERSION, DslError, Plan, parse_plan

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from superset_review.pii.masking import MaskingOperator
    from superset_review.pii.types import PiiType

KeyStrategy = Literal["natural", "composite", "surrogate"]
Strategy = Literal["elt", "etl"]
VALIDATIONS: tuple[str, ...] = ("row_count", "checksum", "fk_check")
MAX_BATCH_SIZE = 1_000_000  # a chunk's rows are hashed in one string_agg (PostgreSQL's text is at most 1 GB)
CHUNK_COLUMN = "__chunk_id"  # staging's bookkeeping column: the chunk that wrote the row (dropped at promotion)
STAGE_LOAD, STAGE_PREPARE, STAGE_VALIDATE, STAGE_PROMOTE = "load", "prepare", "validate", "promote"
PG_TYPES: dict[str, str] = {
    "string": "text",
    "integer": "bigint",
    "float": "double precision",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


class MigrationError(ReviewError):
    code = ErrorCode.MIGRATION_PREFLIGHT_FAILED


class MigrationSpecError(MigrationError):
    """The spec cannot run (a key with nulls or repeats, a column the source lacks, a surrogate key on a table)."""


class MigrationSpecChangedError(MigrationError):
    code = ErrorCode.MIGRATION_SPEC_CHANGED


class MigrationNotReadyError(MigrationError):
    code = ErrorCode.MIGRATION_NOT_READY


class MigrationChunkError(MigrationError):
    code = ErrorCode.MIGRATION_CHUNK_FAILED


class NothingToRollBackError(MigrationError):
    code = ErrorCode.MIGRATION_NOTHING_TO_ROLL_BACK


@dataclass(frozen=True)
class FileSource:
    """The run's uploaded file as ingest reads it (``files.scan``): ``format`` csv | tsv | parquet | jsonl; for
    delimited text its delimiter and header (read from the file's first line when empty). ``shim`` is the ingest
    standardization plan, applied first when the accepted plan reads the shim's columns."""

    path: Path
    format: str
    delimiter: str | None = None
    header: tuple[str, ...] = ()
    shim: Plan | None = None


@dataclass(frozen=True)
class TableSource:
    """A table of a Superset database, read through its SQLAlchemy engine."""

    engine: Engine
    schema: str | None
    table: str


@dataclass(frozen=True)
class Target:
    """The target database (PostgreSQL: advisory locks, COPY, ON CONFLICT) and the final table's name."""

    engine: Engine
    schema: str
    table: str


@dataclass(frozen=True)
class MaskRule:
    """How a column of personal data is masked in quarantine previews (its PII type and its domain's operator, as
    the Sample Pack masks it); other text columns are masked span by span (``mask_text``, redact)."""

    pii: PiiType
    operator: MaskingOperator


@dataclass(frozen=True)
class MigrationSpec:
    run_id: str
    source: FileSource | TableSource
    target: Target
    plan: Plan  # the accepted pipelines (transform_dsl.parse_plan)
    key_columns: tuple[str, ...]
    key_strategy: KeyStrategy = "natural"
    batch_size: int = 50_000  # the threshold profile's migration.batch_size
    validations: tuple[str, ...] = ("row_count", "checksum")
    strategy: Strategy = "etl"
    masking: tuple[tuple[str, MaskRule], ...] = ()  # column -> its rule
    lease_seconds: int = 60  # how long a claimed chunk shows as leased (the advisory lock is what protects it)

    def __post_init__(self) -> None:
        Names.of(self.run_id)  # refuses a run id that is not a ULID's characters
        if not self.key_columns:
            raise MigrationSpecError(Text("a migration needs at least one key column"))
        if len(set(self.key_columns)) != len(self.key_columns):
            raise MigrationSpecError(Text("a key column is named twice"))
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise MigrationSpecError(Text("the batch size is 1 to %(limit)d rows", limit=MAX_BATCH_SIZE))
        unknown = [name for name in self.validations if name not in VALIDATIONS]
        if unknown:
            raise MigrationSpecError(Text("%(name)s is not a validation (row_count, checksum, fk_check)",
                                          name=str(unknown[0])[:40]))  # fmt: skip
        if self.strategy not in ("elt", "etl"):
            raise MigrationSpecError(Text("the strategy is elt or etl"))
        if self.key_strategy == "surrogate" and (len(self.key_columns) != 1 or isinstance(self.source, TableSource)):
            raise MigrationSpecError(Text("a surrogate key is one column, numbered in the order of a file's rows"))
        if self.strategy == "elt" and not isinstance(self.source, TableSource):
            raise MigrationSpecError(Text("ELT runs inside the database: the source must be a table"))

    @property
    def masking_rules(self) -> Mapping[str, MaskRule]:
        return dict(self.masking)

    @cached_property
    def names(self) -> Names:
        return Names.of(self.run_id)

    @cached_property
    def execution(self) -> Execution:
        return Execution.of(self)

    @property
    def fingerprint(self) -> str:
        """What a prepared run must keep: the plan, the key and the batch size (chunks are cut by them)."""
        text = "\x1f".join([self.plan.content_hash, self.key_strategy, *self.key_columns, str(self.batch_size)])
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Names:
    """The run's tables in the target schema, from its run id (a ULID: 26 letters and digits)."""

    staging: str
    checkpoints: str
    quarantine: str
    previous: str
    key_index: str
    chunk_index: str
    promoted_key_index: str
    lock_key: int  # the first int4 of the advisory lock of each chunk (the second is the chunk id)

    @classmethod
    def of(cls, run_id: str) -> Names:
        if not (0 < len(run_id) <= 26 and run_id.isascii() and run_id.isalnum()):
            raise MigrationSpecError(Text("a run id is 1 to 26 letters and digits"))
        stem = f"mig_{run_id.lower()}"
        lock = int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:4], "big", signed=True)
        return cls(
            staging=f"{stem}_staging",
            checkpoints=f"{stem}_checkpoints",
            quarantine=f"{stem}_quarantine",
            previous=f"{stem}_previous",
            key_index=f"{stem}_key",
            chunk_index=f"{stem}_chunk",
            promoted_key_index=f"{stem}_promoted_key",
            lock_key=lock,
        )


@dataclass(frozen=True)
class Execution:
    """The plan as both generators run it (``plan``: the accepted pipelines plus identity pipelines for the key
    columns carried from the source), the staging columns in order with their logical types, the key columns of
    staging (``keys``) and the source columns chunks are cut on (``chunk_keys``)."""

    plan: Plan
    columns: tuple[tuple[str, str], ...]
    keys: tuple[str, ...]
    chunk_keys: tuple[str, ...]
    chunk_key_types: tuple[str, ...]
    surrogate: str | None
    inputs: tuple[str, ...]  # the source columns the plan reads
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, spec: MigrationSpec) -> Execution:
        plan = spec.plan
        schema = dict(plan.schema)
        targets = {pipeline.target: pipeline for pipeline in plan.pipelines}
        surrogate = spec.key_columns[0] if spec.key_strategy == "surrogate" else None
        if surrogate is not None:
            if surrogate in schema or surrogate in targets:
                raise MigrationSpecError(Text("the surrogate key %(name)s is already a column", name=surrogate[:63]))
            schema[surrogate] = "integer"
        extra: list[dict[str, Any]] = []
        chunk_keys: list[str] = []
        for key in spec.key_columns:
            if key in targets:
                chunk_keys.append(targets[key].source)
            elif key in schema:
                extra.append({"target": key, "source": key, "ops": []})
                chunk_keys.append(key)
            else:
                raise MigrationSpecError(Text("the key column %(name)s is neither a target of the plan nor a source "
                                              "column", name=key[:63]))  # fmt: skip
        try:
            pipelines = [pipeline.to_dict() for pipeline in plan.pipelines] + extra
            full = parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, schema)
        except DslError as error:
            raise MigrationSpecError(Text("the key columns do not fit the plan: %(reason)s",
                                          reason=str(error)[:200])) from error  # fmt: skip
        columns = tuple((pipeline.target, pipeline.output_type) for pipeline in full.pipelines)
        inputs = tuple(name for name in full.input_columns() if name != surrogate)
        return cls(
            plan=full,
            columns=columns,
            keys=tuple(spec.key_columns),
            chunk_keys=tuple(chunk_keys),
            chunk_key_types=tuple(schema[name] for name in chunk_keys),
            surrogate=surrogate,
            inputs=inputs,
            reasons=tuple(pipeline.reason_column for pipeline in full.pipelines),
        )

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def hashed(self) -> bool:
        """Chunks by key hash (a composite key); by key range otherwise."""
        return len(self.chunk_keys) > 1
