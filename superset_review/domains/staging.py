"""Staged changes to the catalog, applied in memory, and the auto-test a catalog passes before it goes live.

A delta is data from a request (or a review's feedback): each kind's payload is checked here, field by field, and a
domain it adds or rewrites goes through the catalog file's own checks (``parse_domain``, ``check_tree``), so the
messages name the same fields. Nothing here touches the database: the commands store what this computes.

The auto-test: every assignable domain's curated examples, as one column headed by the domain's first alias, must
classify into that domain; the same examples headed by one of its negatives must not. Each check is a one-column
table of its own (no context from the others), all classified in one pass.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superset_review.domains.catalog import (
    MAX_NAME,
    MAX_STRING,
    Catalog,
    CatalogError,
    Domain,
    DomainPattern,
    Problem,
    check_tree,
    parse_domain,
    regex_problem,
)
from superset_review.domains.classify import TP_DEFAULT_V1, DomainClassifier, ThresholdProfile
from superset_review.domains.models import DeltaKind
from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py

MAX_ALIAS = MAX_NAME
_LANGUAGE = compile_linear(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$")

# The payload's fields per kind (add_domain and update_domain take a catalog entry's fields).
PAYLOAD_FIELDS: dict[DeltaKind, tuple[str, ...]] = {
    DeltaKind.ADD_ALIAS: ("alias", "language"),
    DeltaKind.ADD_REGEX: ("regex", "strength"),
    DeltaKind.ADD_EXAMPLE: ("example",),
    DeltaKind.ADD_NEGATIVE: ("negative",),
    DeltaKind.REMOVE_DOMAIN: (),
}


@dataclass(frozen=True)
class Change:
    """A delta as the catalog sees it; ``key`` names it in results (the stored delta's uuid)."""

    kind: DeltaKind
    domain: str
    payload: Mapping[str, Any]
    key: str = ""


def _refuse(source: str, field: str, message: str) -> CatalogError:
    return CatalogError(source, [Problem(None, field, message)])


def _text(payload: Mapping[str, Any], name: str, limit: int, source: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _refuse(source, f"payload.{name}", Text("must be non-empty text"))
    if len(value) > limit:
        raise _refuse(
            source,
            f"payload.{name}",
            Text("is %(length)s characters long, over the limit of %(limit)s", length=len(value), limit=limit),
        )
    return value.strip()


def apply_change(catalog: Catalog, change: Change, *, source: str = "<delta>") -> Catalog:
    """``catalog`` with ``change`` applied, or CatalogError naming what is wrong (``domain``, ``payload.<field>``)."""
    kind, name, payload = change.kind, change.domain, change.payload
    if not isinstance(payload, Mapping):
        raise _refuse(source, "payload", Text("must be an object"))
    known = PAYLOAD_FIELDS.get(kind)
    if known is not None:
        unknown = sorted(set(payload) - set(known))
        if unknown:
            raise _refuse(
                source,
                f"payload.{unknown[0]}",
                Text("is not a field of %(kind)s (known: %(known)s)", kind=kind.value, known=", ".join(known) or "-"),
            )
    if kind is DeltaKind.ADD_DOMAIN:
        if name in catalog.by_name:
            raise _refuse(
                source, "domain", Text("%(name)s already exists: stage update_domain to change it", name=name)
            )
        entry = {"name": name, **payload}
        if entry["name"] != name:
            raise _refuse(source, "payload.name", Text("must be the delta's domain, %(name)s", name=name))
        domains = [*catalog.domains, parse_domain(entry, source=source)]
    else:
        existing = catalog.by_name.get(name)
        if existing is None:
            raise _refuse(
                source, "domain", Text("unknown domain %(name)s: the live catalog lists the known ones", name=name)
            )
        if kind is DeltaKind.REMOVE_DOMAIN:
            domains = [domain for domain in catalog.domains if domain.name != name]
        else:
            changed = parse_domain(_changed_entry(catalog, existing, change, source), source=source)
            domains = [changed if domain.name == name else domain for domain in catalog.domains]
    result = Catalog(catalog.name, catalog.version, tuple(domains), catalog.extends)
    check_tree(result, source)
    return result


def _changed_entry(catalog: Catalog, domain: Domain, change: Change, source: str) -> dict[str, Any]:
    entry = domain.to_json()
    payload = change.payload
    if change.kind is DeltaKind.ADD_ALIAS:
        alias = _text(payload, "alias", MAX_ALIAS, source).lower()
        language = payload.get("language", "en")
        if not isinstance(language, str) or not _LANGUAGE.search(language):
            raise _refuse(source, "payload.language", Text("is not a language code (like en or ru)"))
        if alias in set(domain.alias_phrases()):
            raise _refuse(
                source, "payload.alias", Text("%(name)s already has the alias %(alias)s", name=domain.name,
                                              alias=repr(alias))
            )  # fmt: skip
        # An alias another domain has too is staged (a reviewer's override proposes it): the auto-test tells
        # whether the two still classify apart before it goes live.
        entry["aliases"].setdefault(language, []).append(alias)
    elif change.kind is DeltaKind.ADD_REGEX:
        regex = _text(payload, "regex", MAX_STRING, source)
        strength = payload.get("strength", 1.0)
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 < strength <= 1:
            raise _refuse(
                source,
                "payload.strength",
                Text("must be a number in (0, 1] (got %(value)s)", value=repr(strength)[:40]),
            )
        if any(pattern.source == regex for pattern in domain.regexes):
            raise _refuse(
                source, "payload.regex", Text("%(name)s already has this regular expression", name=domain.name)
            )
        reason = regex_problem(DomainPattern(regex, float(strength)))
        if reason is not None:
            raise _refuse(
                source,
                "payload.regex",
                Text("broken regular expression %(pattern)s: %(reason)s", pattern=repr(regex[:80]), reason=reason),
            )
        entry["regexes"].append({"pattern": regex, "weight": float(strength)})
    elif change.kind in (DeltaKind.ADD_EXAMPLE, DeltaKind.ADD_NEGATIVE):
        field = "example" if change.kind is DeltaKind.ADD_EXAMPLE else "negative"
        value = _text(payload, field, MAX_STRING, source)
        listed = entry["examples" if field == "example" else "negatives"]
        if value in listed or value.lower() in {item.lower() for item in listed}:
            raise _refuse(source, f"payload.{field}", Text("%(name)s already lists it", name=domain.name))
        listed.append(value)
    elif change.kind is DeltaKind.UPDATE_DOMAIN:
        if "name" in payload and payload["name"] != domain.name:
            raise _refuse(
                source,
                "payload.name",
                Text("a domain is not renamed: stage add_domain for the new name and remove_domain for the old"),
            )
        entry.update(payload)
    return entry


@dataclass(frozen=True)
class AppliedChanges:
    catalog: Catalog
    refused: dict[str, list[Problem]]  # by change key: the changes that did not apply (skipped)


def apply_changes(catalog: Catalog, changes: Iterable[Change]) -> AppliedChanges:
    """Each change in order onto the result of the ones before; one that no longer applies is skipped and listed."""
    refused: dict[str, list[Problem]] = {}
    for change in changes:
        try:
            catalog = apply_change(catalog, change, source=f"delta {change.key}" if change.key else "<delta>")
        except CatalogError as error:
            refused[change.key] = list(error.problems)
    return AppliedChanges(catalog, refused)


def _first_alias(domain: Domain) -> str:
    aliases = dict(domain.aliases)
    phrases = aliases.get("en") or next((p for _, p in domain.aliases if p), ())
    return phrases[0] if phrases else domain.name.rsplit(".", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class _Check:
    domain: str
    check: str  # examples | negative
    header: str


def auto_test(
    catalog: Catalog,
    *,
    profile: ThresholdProfile = TP_DEFAULT_V1,
    classifier: DomainClassifier | None = None,
    only: Sequence[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The failures of the auto-test by domain (empty: passed). ``only``: test these domains alone."""
    classifier = classifier or DomainClassifier(catalog, profile)
    wanted = set(only) if only is not None else None
    checks: list[_Check] = []
    columns: list[tuple[str, pl.Series]] = []
    for domain in catalog.assignable:
        if not domain.examples or (wanted is not None and domain.name not in wanted):
            continue
        values = pl.Series(list(domain.examples), dtype=pl.String)
        header = _first_alias(domain)
        checks.append(_Check(domain.name, "examples", header))
        columns.append((header, values))
        for negative in domain.negatives:
            checks.append(_Check(domain.name, "negative", negative))
            columns.append((negative, values))
    failures: dict[str, list[dict[str, Any]]] = {}
    for check, verdict in zip(checks, classifier.classify_columns(columns, alone=True), strict=True):
        failed = verdict.domain != check.domain if check.check == "examples" else verdict.domain == check.domain
        if failed:
            failures.setdefault(check.domain, []).append(
                {
                    "check": check.check,
                    "header": check.header,
                    "got": verdict.domain,
                    "band": verdict.band.value,
                    "confidence": verdict.confidence,
                    "candidates": verdict.evidence.get("candidates", []),
                }
            )
    return failures


@dataclass(frozen=True)
class StagedTest:
    """The auto-test of the live catalog with the staged changes: per change and per failing domain."""

    catalog: Catalog
    passed: bool
    failures: dict[str, list[dict[str, Any]]]
    per_change: dict[str, dict[str, Any]]
    tested_domains: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "content_hash": self.catalog.content_hash,
            "tested_domains": self.tested_domains,
            "failures": self.failures,
            "deltas": self.per_change,
            "seconds": round(self.seconds, 3),
        }


def run_staged_test(
    catalog: Catalog, changes: Sequence[Change], *, profile: ThresholdProfile = TP_DEFAULT_V1
) -> StagedTest:
    """Apply ``changes`` onto ``catalog`` and auto-test the result. It passes when every change applies and every
    domain passes; each change's result lists its refusal or the failures of the domain it touches."""
    started = time.perf_counter()
    applied = apply_changes(catalog, changes)
    failures = auto_test(applied.catalog, profile=profile)
    per_change: dict[str, dict[str, Any]] = {}
    for change in changes:
        problems = applied.refused.get(change.key)
        if problems is not None:
            per_change[change.key] = {
                "passed": False,
                "applies": False,
                "problems": [{"line": p.line, "field": p.field, "message": p.message} for p in problems],
            }
            continue
        own = failures.get(change.domain, [])
        per_change[change.key] = {"passed": not own, "applies": True, "failures": own}
    tested = sum(1 for domain in applied.catalog.assignable if domain.examples)
    passed = not failures and not applied.refused
    return StagedTest(applied.catalog, passed, failures, per_change, tested, time.perf_counter() - started)
