"""Staged deltas applied to the catalog in memory, and the auto-test a catalog passes before it goes live."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.domains.catalog import CatalogError, builtin_catalog
from superset_review.domains.models import DeltaKind
from superset_review.domains.staging import Change, apply_change, apply_changes, auto_test, run_staged_test

CATALOG = builtin_catalog()
SKU = {
    "description": "A stock keeping unit",
    "aliases": {"en": ["sku code"], "ru": ["артикул товара"]},
    "examples": ["AB-1234", "CD-9999", "XY-0001", "QQ-5555", "ZZ-1000"],
    "regexes": ["[A-Z]{2}-[0-9]{4}"],
    "kind": "code",
    "parent": "product",
}

APPLIES: list[tuple[DeltaKind, str, dict[str, Any], str]] = [
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "Courriel", "language": "fr"}, "courriel"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "эл ящик"}, "эл ящик"),
    (DeltaKind.ADD_REGEX, "contact.email", {"regex": r"[a-z]+ at [a-z]+ dot com", "strength": 0.5}, "dot com"),
    (DeltaKind.ADD_EXAMPLE, "contact.email", {"example": "new.person@example.org"}, "new.person@example.org"),
    (DeltaKind.ADD_NEGATIVE, "contact.email", {"negative": "email opened"}, "email opened"),
    (DeltaKind.UPDATE_DOMAIN, "contact.email", {"description": "Where mail reaches a person"}, "reaches a person"),
    (DeltaKind.ADD_DOMAIN, "product.lot_code", SKU, "stock keeping"),
]


def _find(catalog: Any, name: str, needle: str) -> bool:
    return needle in str(catalog.by_name[name].to_json())


@pytest.mark.parametrize(
    ("kind", "domain", "payload", "needle"), APPLIES, ids=[f"{k.value}-{n}" for k, _, _, n in APPLIES]
)
def test_a_valid_delta_changes_only_its_domain(
    kind: DeltaKind, domain: str, payload: dict[str, Any], needle: str
) -> None:
    changed = apply_change(CATALOG, Change(kind, domain, payload))
    assert _find(changed, domain, needle)
    assert changed.content_hash != CATALOG.content_hash
    others = [d for d in changed.domains if d.name != domain]
    assert others == [d for d in CATALOG.domains if d.name != domain]


def test_remove_domain_of_a_leaf_removes_it() -> None:
    changed = apply_change(CATALOG, Change(DeltaKind.REMOVE_DOMAIN, "person.title", {}))
    assert "person.title" not in changed.by_name
    assert len(changed.domains) == len(CATALOG.domains) - 1


REFUSED: list[tuple[DeltaKind, str, dict[str, Any], str, str]] = [
    (DeltaKind.ADD_ALIAS, "no.such_domain", {"alias": "x"}, "domain", "unknown domain"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "Email Address"}, "payload.alias", "already"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "x" * 101}, "payload.alias", "over the limit"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": ""}, "payload.alias", "non-empty"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "mail box", "language": "english!"}, "payload.language", "code"),
    (DeltaKind.ADD_ALIAS, "contact.email", {"alias": "mbox", "colour": "red"}, "payload.colour", "not a field"),
    (DeltaKind.ADD_REGEX, "contact.email", {"regex": "(unclosed"}, "payload.regex", "broken regular expression"),
    (DeltaKind.ADD_REGEX, "contact.email", {"regex": r"(a)\1"}, "payload.regex", "broken regular expression"),
    (DeltaKind.ADD_REGEX, "contact.email", {"regex": "[a-z]+", "strength": 2}, "payload.strength", "(0, 1]"),
    (DeltaKind.ADD_EXAMPLE, "contact.email", {"example": 12}, "payload.example", "text"),
    (DeltaKind.ADD_DOMAIN, "contact.email", SKU, "domain", "already exists"),
    (DeltaKind.ADD_DOMAIN, "product.lot_code", {**SKU, "units": ["parsec"]}, "payload.units[0]", "unknown unit"),
    (DeltaKind.ADD_DOMAIN, "product.lot_code", {**SKU, "parent": "nowhere"}, "parent", "unknown parent"),
    (DeltaKind.ADD_DOMAIN, "product.lot_code", {**SKU, "regexes": ["[a-"]}, "payload.regexes[0]", "broken regular"),
    (DeltaKind.ADD_DOMAIN, "Product SKU", SKU, "payload.name", "not a domain name"),
    (DeltaKind.UPDATE_DOMAIN, "contact.email", {"name": "contact.mail"}, "payload.name", "not renamed"),
    (DeltaKind.UPDATE_DOMAIN, "contact.email", {"kind": "colour"}, "payload.kind", "must be one of"),
    (DeltaKind.UPDATE_DOMAIN, "person", {"parent": "person.first_name"}, "parent", "cycle"),
    (DeltaKind.REMOVE_DOMAIN, "person", {}, "parent", "unknown parent domain person"),
]


@pytest.mark.parametrize(
    ("kind", "domain", "payload", "field", "said"), REFUSED, ids=[f"{k.value}-{s}" for k, _, _, _, s in REFUSED]
)
def test_a_bad_delta_is_refused_naming_the_field(
    kind: DeltaKind, domain: str, payload: dict[str, Any], field: str, said: str
) -> None:
    with pytest.raises(CatalogError) as raised:
        apply_change(CATALOG, Change(kind, domain, payload))
    assert any(p.field == field and said in p.message for p in raised.value.problems), raised.value.problems


def test_an_alias_of_another_domain_is_staged_and_the_auto_test_judges_it() -> None:
    # A reviewer overrode a "customer id" column as a phone: the header is proposed for the phone as well.
    changed = apply_change(CATALOG, Change(DeltaKind.ADD_ALIAS, "contact.phone", {"alias": "customer id"}))
    assert "customer id" in set(changed.by_name["contact.phone"].alias_phrases())
    assert "customer id" in set(changed.by_name["identifier.customer_id"].alias_phrases())


def test_changes_apply_in_order_and_one_that_no_longer_applies_is_skipped() -> None:
    changes = [
        Change(DeltaKind.ADD_DOMAIN, "product.lot_code", SKU, "one"),
        Change(DeltaKind.ADD_ALIAS, "product.lot_code", {"alias": "sku number"}, "two"),  # needs the first
        Change(DeltaKind.ADD_ALIAS, "product.lot_code", {"alias": "sku number"}, "three"),  # the second has it
    ]
    applied = apply_changes(CATALOG, changes)
    assert set(applied.refused) == {"three"}
    assert "sku number" in set(applied.catalog.by_name["product.lot_code"].alias_phrases())


def test_the_built_in_catalog_passes_its_auto_test() -> None:
    assert auto_test(CATALOG) == {}


def test_a_domain_whose_examples_classify_elsewhere_fails_the_auto_test() -> None:
    # Phone numbers as the examples of a code that must match its pattern: they miss it, they are not this domain.
    phones = list(CATALOG.by_name["contact.phone"].examples)
    bad = {**SKU, "examples": phones, "pattern_required": True, "aliases": {"en": ["misc code"], "ru": ["прочий код"]}}
    result = run_staged_test(CATALOG, [Change(DeltaKind.ADD_DOMAIN, "product.misc", bad, "bad")])
    assert not result.passed
    assert "product.misc" in result.failures
    failure = result.failures["product.misc"][0]
    assert failure["check"] == "examples" and failure["header"] == "misc code" and failure["got"] != "product.misc"
    assert result.per_change["bad"]["passed"] is False and result.per_change["bad"]["applies"] is True


def test_a_negative_that_is_the_domains_own_header_fails_the_auto_test() -> None:
    # A negative rules its domain out: the domain's examples under that header must not be it, and they are not.
    result = run_staged_test(CATALOG, [Change(DeltaKind.ADD_NEGATIVE, "contact.email", {"negative": "inbox"}, "n")])
    assert result.passed, result.failures


def test_a_staged_test_reports_each_delta_and_passes_when_all_apply() -> None:
    changes = [
        Change(DeltaKind.ADD_DOMAIN, "product.lot_code", SKU, "sku"),
        Change(DeltaKind.ADD_ALIAS, "contact.email", {"alias": "courriel", "language": "fr"}, "alias"),
    ]
    result = run_staged_test(CATALOG, changes)
    assert result.passed, result.failures
    assert set(result.per_change) == {"sku", "alias"}
    assert result.tested_domains == sum(1 for d in CATALOG.assignable if d.examples) + 1
    assert result.to_json()["content_hash"] == result.catalog.content_hash
