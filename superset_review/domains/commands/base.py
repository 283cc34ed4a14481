"""What the catalog's commands share: one unit of work per action, who may curate, a delta as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import g, has_request_context
from superset.extensions import security_manager
from superset.utils.core import override_user
from superset.utils.decorators import transaction

from superset_review.domains.models import DomainCatalogVersion, DomainDelta
from superset_review.extension.constants import CURATE, VIEW_MENU
from superset_review.extension.transaction import reraise_as_is

P = ParamSpec("P")
R = TypeVar("R")


def unit_of_work(run: Callable[P, R]) -> Callable[P, R]:
    """Superset's ``@transaction``: the command's writes and its audit rows commit together, or none does."""
    atomic: Callable[P, R] = transaction(on_error=reraise_as_is)(run)
    return atomic


def may_curate(actor_id: int | None) -> bool:
    """Whether ``actor_id`` holds can_curate on DatasetReview. No actor is the CLI, run by whoever runs the server:
    it may."""
    if actor_id is None:
        return True
    user = getattr(g, "user", None) if has_request_context() else None
    if user is not None and getattr(user, "id", None) == actor_id:
        return bool(security_manager.can_access(f"can_{CURATE}", VIEW_MENU))
    actor = security_manager.get_user_by_id(actor_id)
    if actor is None:
        return False
    with override_user(actor):
        return bool(security_manager.can_access(f"can_{CURATE}", VIEW_MENU))


def delta_json(delta: DomainDelta) -> dict[str, Any]:
    """A delta as the audit log and the provenance keep it."""
    return {
        "uuid": delta.uuid,
        "kind": delta.kind,
        "domain": delta.domain,
        "payload": delta.payload,
        "state": delta.state,
        "base_version": delta.base_version,
        "origin": delta.origin,
        "created_by": delta.created_by,
        "promoted_in_version": delta.promoted_in_version,
    }


def version_json(version: DomainCatalogVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "version": version.version,
        "content_hash": version.content_hash,
        "source": version.source,
        "state": version.state,
        "domains": len((version.document or {}).get("domains", [])),
    }
