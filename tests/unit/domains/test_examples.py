"""Each built-in domain's curated examples classify into it; its negatives rule it out."""

from __future__ import annotations

import polars as pl
import pytest

from superset_review.domains.catalog import Domain, builtin_catalog
from superset_review.domains.classify import Band, DomainClassifier

CLASSIFIER = DomainClassifier()
DOMAINS = builtin_catalog().assignable


def _header(domain: Domain) -> str:
    return dict(domain.aliases)["en"][0]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_the_examples_under_the_domains_first_alias_classify_into_it(domain: Domain) -> None:
    verdict = CLASSIFIER.classify_column(_header(domain), pl.Series(list(domain.examples)))
    assert (verdict.domain, verdict.band) == (domain.name, Band.HIGH), verdict.evidence["candidates"]
    assert verdict.pii is domain.pii


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_the_examples_under_the_domains_russian_alias_classify_into_it(domain: Domain) -> None:
    header = dict(domain.aliases)["ru"][0]
    verdict = CLASSIFIER.classify_column(header, pl.Series(list(domain.examples)))
    assert verdict.domain == domain.name, verdict.evidence["candidates"]


NEGATIVES = [(domain, negative) for domain in DOMAINS for negative in domain.negatives]


@pytest.mark.parametrize(("domain", "negative"), NEGATIVES, ids=[f"{d.name}-{n}" for d, n in NEGATIVES])
def test_a_header_that_is_a_negative_rules_the_domain_out(domain: Domain, negative: str) -> None:
    verdict = CLASSIFIER.classify_column(negative, pl.Series(list(domain.examples)))
    assert verdict.domain != domain.name
    assert domain.name in verdict.evidence["ruled_out_by_negatives"]
