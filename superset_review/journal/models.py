"""The journal's table. Schema: migration ``0011_safe_views_tools_journal``; append-only (a trigger)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now


class EntityType(StrEnum):
    DOMAIN_CATALOG = "domain_catalog"  # entity_id: "live" (the catalog's live version moves)
    DOMAIN = "domain"  # entity_id: the domain's name
    SAFE_VIEW = "safe_view"  # entity_id: the view's id
    DATASET_COLUMN = "dataset_column"  # entity_id: "<dataset id>:<column name>" (a semantic write-back)
    DATASET = "dataset"  # entity_id: the dataset's id (a dataset-level write-back)


class JournalEntry(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_journal"

    id = sa.Column(sa.Integer, primary_key=True)
    entity_type = sa.Column(sa.String(40), nullable=False)
    entity_id = sa.Column(sa.String(255), nullable=False)
    field = sa.Column(sa.String(255), nullable=False)
    old_value = sa.Column(sa.JSON, nullable=True)
    new_value = sa.Column(sa.JSON, nullable=True)
    actor_id = sa.Column(sa.Integer, nullable=True)
    source = sa.Column(sa.String(60), nullable=False)  # api | cli | mcp | worker | <command name>
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)

    __table_args__ = (sa.Index("ix_dataset_review_journal_entity", "entity_type", "entity_id", "id"),)
