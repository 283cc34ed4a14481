"""The domain catalog's tables: its versions (one live), staged deltas, the audit log, column assignments, vectors.

Schema: migration ``0010_domains``. The vectors table exists only where the metadata database has pgvector;
everything else works without it (similarity is then computed in memory).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now

VECTOR_DIMENSIONS = 256


class CatalogState(StrEnum):
    LIVE = "live"  # the one catalog domaining uses
    RETIRED = "retired"  # an earlier live catalog, kept for provenance and rollback


class DeltaKind(StrEnum):
    ADD_ALIAS = "add_alias"  # payload: {"alias": str, "language": "en"|"ru"|...}
    ADD_REGEX = "add_regex"  # payload: {"regex": str, "strength": float}
    ADD_EXAMPLE = "add_example"  # payload: {"example": str}
    ADD_NEGATIVE = "add_negative"  # payload: {"negative": str}
    ADD_DOMAIN = "add_domain"  # payload: a whole domain entry, as in a catalog file
    UPDATE_DOMAIN = "update_domain"  # payload: the fields to replace, as in a catalog file
    REMOVE_DOMAIN = "remove_domain"  # payload: {}


class DeltaState(StrEnum):
    STAGED = "staged"
    PROMOTED = "promoted"
    DISCARDED = "discarded"


class AssignmentStatus(StrEnum):
    PROPOSED = "proposed"  # what domaining found; nobody has looked yet
    ACCEPTED = "accepted"  # a person approved the proposed domain
    OVERRIDDEN = "overridden"  # a person chose another domain
    UNKNOWN = "unknown"  # a person (or a low band) says: none of the catalog's domains


class DomainCatalogVersion(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_domain_catalogs"

    id = sa.Column(sa.Integer, primary_key=True)
    version = sa.Column(sa.Integer, nullable=False, unique=True)
    content_hash = sa.Column(sa.String(64), nullable=False, index=True)
    document = sa.Column(sa.JSON, nullable=False)  # Catalog.to_json(with_hash=False)
    state = sa.Column(sa.String(20), nullable=False)
    source = sa.Column(sa.String(200), nullable=False)  # builtin | import:<file name> | promotion
    parent_version = sa.Column(sa.Integer, nullable=True)
    # What made this version: the deltas promoted, the auto-test's result, the import's mode.
    provenance = sa.Column(sa.JSON, nullable=True)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    promoted_by = sa.Column(sa.Integer, nullable=True)
    promoted_on = sa.Column(sa.DateTime, nullable=True)

    __table_args__ = (
        # One live catalog, whoever promotes: the database settles a race between two curators.
        sa.Index(
            "uq_dataset_review_domain_catalogs_live",
            "state",
            unique=True,
            postgresql_where=sa.text("state = 'live'"),
        ),
    )


class DomainDelta(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_domain_deltas"

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    kind = sa.Column(sa.String(40), nullable=False)
    domain = sa.Column(sa.String(120), nullable=False, index=True)
    payload = sa.Column(sa.JSON, nullable=False)
    state = sa.Column(sa.String(20), nullable=False, default=DeltaState.STAGED.value, index=True)
    base_version = sa.Column(sa.Integer, nullable=True)  # the live version it was staged against
    # Where it came from: {"dataset_id", "column", "session_id", "feedback": "accepted"|"overridden"|...}.
    origin = sa.Column(sa.JSON, nullable=True)
    test = sa.Column(sa.JSON, nullable=True)  # the last auto-test of the staged catalog with this delta
    promoted_in_version = sa.Column(sa.Integer, nullable=True)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)


class DomainAuditEntry(ReviewModel):  # type: ignore[misc,valid-type]
    """Every curating action and every assignment decision, with the state before and after."""

    __tablename__ = "dataset_review_domain_audit"

    id = sa.Column(sa.Integer, primary_key=True)
    action = sa.Column(sa.String(60), nullable=False, index=True)  # import | stage | discard | promote | assign | ...
    subject = sa.Column(sa.String(200), nullable=False, index=True)  # "catalog:7", "delta:<uuid>", "dataset:3:email"
    actor_id = sa.Column(sa.Integer, nullable=True)
    before = sa.Column(sa.JSON, nullable=True)
    after = sa.Column(sa.JSON, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)


class ColumnDomainAssignment(ReviewModel):  # type: ignore[misc,valid-type]
    """The domain of one column of one Superset dataset: what domaining proposed and what a person decided."""

    __tablename__ = "dataset_review_column_domains"

    id = sa.Column(sa.Integer, primary_key=True)
    database_id = sa.Column(sa.Integer, nullable=True, index=True)
    dataset_id = sa.Column(sa.Integer, nullable=False)
    column_name = sa.Column(sa.String(255), nullable=False)
    domain = sa.Column(sa.String(120), nullable=True)  # None: unknown
    confidence = sa.Column(sa.Float, nullable=False)
    band = sa.Column(sa.String(20), nullable=False)  # high | borderline | low | empty
    pii = sa.Column(sa.String(40), nullable=True)  # the PII class the domain carries, None when not personal
    evidence = sa.Column(sa.JSON, nullable=True)  # ColumnDomain.to_dict()["evidence"], masked
    status = sa.Column(sa.String(20), nullable=False, default=AssignmentStatus.PROPOSED.value)
    catalog_version = sa.Column(sa.Integer, nullable=True)
    catalog_hash = sa.Column(sa.String(64), nullable=False)
    profile_id = sa.Column(sa.String(60), nullable=False)  # the threshold profile, e.g. tp_default_v1
    decided_by = sa.Column(sa.Integer, nullable=True)
    decided_on = sa.Column(sa.DateTime, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)

    __table_args__ = (sa.UniqueConstraint("dataset_id", "column_name", name="uq_dataset_review_column_domains_column"),)


class Vector(sa.types.UserDefinedType):  # type: ignore[type-arg]
    """pgvector's ``vector(n)`` for SQLAlchemy 1.4 (Superset's): pgvector's own SQLAlchemy type needs 2.x. Bound as
    pgvector's text form ``[1.0,2.0]``; read back as a list of floats; ``cosine_distance`` is its ``<=>``."""

    cache_ok = True

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions

    def get_col_spec(self, **kw: Any) -> str:
        return f"vector({self.dimensions})"

    def bind_processor(self, dialect: Any) -> Callable[[Any], str | None]:
        def process(value: Any) -> str | None:
            if value is None:
                return None
            return "[" + ",".join(repr(float(x)) for x in value) + "]"

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], list[float] | None]:
        def process(value: Any) -> list[float] | None:
            if value is None:
                return None
            return [float(x) for x in str(value).strip("[]").split(",") if x]

        return process

    class comparator_factory(sa.types.UserDefinedType.Comparator):  # type: ignore[type-arg]
        def cosine_distance(self, other: Any) -> Any:
            return self.op("<=>", return_type=sa.Float)(sa.bindparam(None, other, type_=self.type))


@functools.cache
def vectors_table() -> sa.Table:
    """The pgvector table (PostgreSQL with pgvector only), as a Core table: the ORM's metadata never creates it.
    One object per process, so SQLAlchemy's statement cache serves every query on it."""
    metadata = sa.MetaData()
    return sa.Table(
        "dataset_review_domain_vectors",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("catalog_hash", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),  # name | value
        sa.Column("embedding", Vector(VECTOR_DIMENSIONS), nullable=False),
    )
