"""Stage one change to the catalog: checked against the live catalog now, applied at promotion."""

from __future__ import annotations

import json
from typing import Any

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains import audit
from superset_review.domains.catalog import MAX_NAME, CatalogError, Problem
from superset_review.domains.commands.base import delta_json, unit_of_work
from superset_review.domains.exceptions import BadDeltaError
from superset_review.domains.live import live_catalog
from superset_review.domains.models import DeltaKind, DeltaState, DomainDelta
from superset_review.domains.staging import Change, apply_change
from superset_review.extension.fields import json_depth
from superset_review.extension.i18n import Text

MAX_PAYLOAD_CHARS = 64_000  # a whole domain entry with its examples and regexes fits
MAX_ORIGIN_CHARS = 4_000
MAX_DEPTH = 8


def _refused(field: str, message: str) -> BadDeltaError:
    return BadDeltaError(CatalogError("<delta>", [Problem(None, field, message)]))


class StageDeltaCommand(BaseCommand):
    """``kind`` on ``domain`` with ``payload`` (see ``DeltaKind``), stored staged against the live version. The same
    change staged twice is one delta: the second call returns the first."""

    def __init__(
        self,
        actor_id: int | None,
        kind: str,
        domain: str,
        payload: dict[str, Any],
        origin: dict[str, Any] | None = None,
    ) -> None:
        self._actor_id = actor_id
        self._kind = kind
        self._domain = domain
        self._payload = payload
        self._origin = origin
        self._base_version: int | None = None

    def validate(self) -> None:
        try:
            kind = DeltaKind(self._kind)
        except ValueError:
            raise _refused(
                "kind", Text("must be one of %(kinds)s (got %(kind)s)", kinds=", ".join(DeltaKind),
                             kind=repr(self._kind)[:40])
            ) from None  # fmt: skip
        if not isinstance(self._domain, str) or not 0 < len(self._domain) <= MAX_NAME:
            raise _refused("domain", Text("must be a domain name of at most %(max)d characters", max=MAX_NAME))
        for name, value, limit in (("payload", self._payload, MAX_PAYLOAD_CHARS), ("origin", self._origin,
                                                                                    MAX_ORIGIN_CHARS)):  # fmt: skip
            if value is None and name == "origin":
                continue
            if not isinstance(value, dict):
                raise _refused(name, Text("must be an object"))
            if json_depth(value) > MAX_DEPTH or len(json.dumps(value, default=str)) > limit:
                raise _refused(
                    name, Text("is larger than %(max)d characters or nests deeper than %(depth)d levels", max=limit,
                               depth=MAX_DEPTH)
                )  # fmt: skip
        live = live_catalog()
        try:
            apply_change(live.catalog, Change(kind, self._domain, self._payload))
        except CatalogError as error:
            raise BadDeltaError(error) from error
        self._base_version = live.version

    @unit_of_work
    def run(self) -> DomainDelta:
        self.validate()
        same = (
            db.session.query(DomainDelta)
            .filter(
                DomainDelta.state == DeltaState.STAGED.value,
                DomainDelta.kind == self._kind,
                DomainDelta.domain == self._domain,
            )
            .all()
        )
        for existing in same:
            if existing.payload == self._payload:
                staged: DomainDelta = existing
                return staged
        delta = DomainDelta(
            kind=DeltaKind(self._kind).value,
            domain=self._domain,
            payload=self._payload,
            state=DeltaState.STAGED.value,
            base_version=self._base_version,
            origin=self._origin,
            created_by=self._actor_id,
        )
        db.session.add(delta)
        db.session.flush()
        audit.record("stage", f"delta:{delta.uuid}", self._actor_id, None, delta_json(delta))
        return delta
