"""The domain audit log: every curating action and assignment decision, with the state before and after.

``record`` adds the row to the caller's transaction: it commits with the action it describes, or not at all.
"""

from __future__ import annotations

from typing import Any

from superset_review.domains.dao import DomainAuditDAO
from superset_review.domains.models import DomainAuditEntry


def record(action: str, subject: str, actor_id: int | None, before: Any, after: Any) -> DomainAuditEntry:
    """``action``: import | stage | discard | test | promote | assign | ...; ``subject``: "catalog:7",
    "delta:<uuid>", "dataset:3:email". ``before``/``after``: JSON-shaped states (None when there was none)."""
    return DomainAuditDAO.add(action, subject, actor_id, before, after)
