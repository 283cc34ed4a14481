"""Accepted and overridden mappings stage the source header as an alias of the target's domain."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.domains.catalog import builtin_catalog
from superset_review.domains.models import DeltaKind
from superset_review.domains.staging import Change, apply_change
from superset_review.onboarding.mapping import feedback_deltas
from tests.unit.onboarding.mapping_bodies import catalog, source, target, target_schema

BODY = catalog(
    source("e_post", original_name="E-Post Adresse", domain=None),
    source("mail", domain="contact.email"),
    source("first", domain="person.first_name"),
    source("ящик_клиента", original_name="Ящик клиента"),
)
SCHEMA = target_schema(
    target("email", domain="contact.email"), target("full_name", domain="person.full_name"), target("notes")
)


def mapping(target_name: str, sources: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "target": target_name,
        "sources": sources,
        "strategy": extra.get("strategy", "atomic"),
        "decision": extra.get("decision", "accept"),
        "origin": extra.get("origin", "rules"),
    }


def test_an_accepted_header_becomes_an_alias() -> None:
    [delta] = feedback_deltas(mapping("email", ["e_post"]), BODY, SCHEMA)
    assert delta["kind"] == "add_alias" and delta["domain"] == "contact.email"
    assert delta["payload"] == {"alias": "e post adresse", "language": "en"}
    assert delta["origin"]["header"] == "E-Post Adresse" and delta["origin"]["target"] == "email"
    # The delta is one the catalog's staging takes as it is.
    staged = apply_change(builtin_catalog(), Change(DeltaKind(delta["kind"]), delta["domain"], delta["payload"]))
    assert "e post adresse" in list(staged.by_name["contact.email"].alias_phrases())


def test_the_language_follows_the_script() -> None:
    [delta] = feedback_deltas(mapping("email", ["ящик_клиента"], origin="user", decision="hold"), BODY, SCHEMA)
    assert delta["payload"] == {"alias": "ящик клиента", "language": "ru"} and delta["origin"]["by"] == "user"


@pytest.mark.parametrize(
    ("case", "kwargs", "target_name", "sources"),
    [
        ("held by the rules", {"decision": "hold"}, "email", ["e_post"]),
        ("to be fixed", {"decision": "fix", "origin": "user"}, "email", ["e_post"]),
        ("a header the domain knows already", {}, "email", ["mail"]),
        ("a part is not the whole", {"strategy": "compose"}, "full_name", ["first"]),
        ("a target without a domain", {}, "notes", ["e_post"]),
        ("two sources", {}, "email", ["e_post", "mail"]),
        ("an unknown source", {}, "email", ["nope"]),
        ("an unknown target", {}, "nope", ["e_post"]),
    ],
)
def test_nothing_to_teach(case: str, kwargs: dict[str, Any], target_name: str, sources: list[str]) -> None:
    assert feedback_deltas(mapping(target_name, sources, **kwargs), BODY, SCHEMA) == [], case
