"""What an accepted or overridden mapping teaches the domain catalog: the source header as an alias of the target
column's domain, staged as an ``add_alias`` delta (issue 12's staged deltas, promoted by a curator after the
catalog's auto-test), so the next file with that header is domained and mapped without a person.

Only a mapping that reads one column as it is (atomic, type alignment, unit) says the header *is* the target's
domain; a part of a composite (compose, decompose) is not the whole, and teaches nothing. A header the domain
already knows (one of its aliases, as domaining tokenizes them) or refuses (a negative) gives no delta.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from superset_review.domains.catalog import Catalog
from superset_review.domains.classify import expanded_tokens, header_tokens
from superset_review.domains.live import live_catalog
from superset_review.domains.models import DeltaKind
from superset_review.domains.staging import MAX_ALIAS
from superset_review.extension.linear_regex import compile_linear
from superset_review.onboarding.mapping.columns import source_columns, target_columns
from superset_review.onboarding.stages import MappingOut

TEACHING_STRATEGIES = frozenset({"atomic", "type_alignment", "unit"})
_CYRILLIC = compile_linear(r"[\p{Cyrillic}]")


def _field(mapping: Mapping[str, Any] | MappingOut, name: str) -> Any:
    return getattr(mapping, name, None) if isinstance(mapping, MappingOut) else mapping.get(name)


def _known(catalog: Catalog, domain: str, tokens: tuple[str, ...]) -> bool:
    entry = catalog.by_name[domain]
    phrases = [*entry.alias_phrases(), *entry.negatives]
    return any(expanded_tokens(phrase) == tokens for phrase in phrases)


def feedback_deltas(
    mapping: Mapping[str, Any] | MappingOut,
    catalog_body: Mapping[str, Any],
    target_body: Mapping[str, Any],
    catalog: Catalog | None = None,
) -> list[dict[str, Any]]:
    """The deltas to stage for ``mapping`` (the preamble's Mapping JSON or a ``MappingOut``), each in the shape the
    domain catalog's stage command takes: ``{"kind", "domain", "payload", "origin"}``; [] when it teaches nothing."""
    decision, origin = _field(mapping, "decision"), _field(mapping, "origin")
    if not (decision == "accept" or (origin == "user" and decision == "hold")):
        return []
    if _field(mapping, "strategy") not in TEACHING_STRATEGIES:
        return []
    sources = _field(mapping, "sources") or []
    if not isinstance(sources, list) or len(sources) != 1:
        return []
    target = next((t for t in target_columns(target_body) if t.name == _field(mapping, "target")), None)
    source = next((s for s in source_columns(catalog_body) if s.name == sources[0]), None)
    if target is None or source is None or not target.domain:
        return []
    catalog = catalog or live_catalog().catalog
    if target.domain not in catalog.by_name or catalog.by_name[target.domain].abstract:
        return []
    phrase = " ".join(header_tokens(source.original_name))
    tokens = expanded_tokens(phrase)
    if not phrase or len(phrase) > MAX_ALIAS or not tokens or _known(catalog, target.domain, tokens):
        return []
    return [
        {
            "kind": DeltaKind.ADD_ALIAS.value,
            "domain": target.domain,
            "payload": {"alias": phrase, "language": "ru" if _CYRILLIC.search(phrase) else "en"},
            "origin": {
                "feature": "onboarding.mapping",
                "target": target.name,
                "source": source.name,
                "header": source.original_name,
                "decision": decision,
                "by": origin,
            },
        }
    ]
