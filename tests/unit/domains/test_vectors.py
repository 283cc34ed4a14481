"""The catalog's embedding centroids in memory: what they say of headers and values, and their cache."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from superset_review.domains.catalog import builtin_catalog, parse_catalog
from superset_review.domains.classify import TP_DEFAULT_V1, DomainClassifier
from superset_review.domains.embeddings import DIMENSIONS, offline_embedder
from superset_review.domains.vectors import NAME, VALUE, CentroidIndex, header_phrase

INDEX = CentroidIndex.for_catalog(builtin_catalog())


def top(row: dict[str, float]) -> str:
    return max(row, key=row.__getitem__)


def test_each_assignable_domain_has_a_normalised_name_centroid_and_one_for_values_where_it_has_examples() -> None:
    catalog = builtin_catalog()
    assert INDEX.domains == tuple(d.name for d in catalog.assignable)
    assert INDEX.name.shape == (len(INDEX.domains), DIMENSIONS)
    assert np.allclose(np.linalg.norm(INDEX.name, axis=1), 1.0, atol=1e-5)
    with_examples = [bool(d.examples or d.values) for d in catalog.assignable]
    assert INDEX.has_value.tolist() == with_examples
    kinds = {(c.domain, c.kind) for c in INDEX.centroids()}
    assert ("contact.email", NAME) in kinds and ("contact.email", VALUE) in kinds
    assert len(kinds) == len(INDEX.domains) + sum(with_examples)


def test_the_index_is_built_once_per_content_hash() -> None:
    # Not compared with the module's INDEX: other tests in the same process may have pushed it out of the cache.
    first = CentroidIndex.for_catalog(builtin_catalog())
    assert CentroidIndex.for_catalog(builtin_catalog()) is first
    text = """
name: tiny
version: "1"
domains:
  - {name: fruit, description: A fruit., aliases: {en: [fruit], ru: [фрукт]}, examples: [apple, pear, plum]}
"""
    tiny = CentroidIndex.for_catalog(parse_catalog(text))
    assert tiny is not first and tiny.domains == ("fruit",)
    assert CentroidIndex.for_catalog(parse_catalog(text)) is tiny  # same content, same hash, same index


def test_headers_abbreviations_are_spelled_out_before_embedding() -> None:
    assert header_phrase("cust_tel_no") == "customer telephone number"
    assert header_phrase("BirthMonth") == "birth month"


@pytest.mark.parametrize(
    ("header", "domain"),
    [
        ("cellphone", "contact.phone"),
        ("tel_mob", "contact.phone"),
        ("e_mail", "contact.email"),
        ("birthday", "datetime.birth_day"),
        ("website", "web.url"),
        ("salary", "money.salary"),
        ("townname", "address.city"),  # shares no token with an alias of address.city: the meaning links them
    ],
)
def test_name_similarity_ranks_the_domain_a_header_means(header: str, domain: str) -> None:
    assert top(INDEX.name_similarity([header])[0]) == domain


def test_a_header_that_says_nothing_gets_no_name_evidence() -> None:
    placeholders = ["col_7", "c", "Unnamed: 0", "field1", "value", "x"]
    raw = INDEX.raw_name_similarity([*placeholders, "email"])
    assert raw.shape == (7, len(INDEX.domains))
    assert not raw[:6].any() and raw[6].any()
    assert INDEX.name_similarity(placeholders) == [{}] * 6


@pytest.mark.parametrize(
    ("values", "domain"),
    [
        (["London", "Paris", "Berlin", "Madrid", "Tokyo"], "address.city"),
        (["male", "female", "female", "male"], "person.gender"),
        (["John Smith", "Mary Jones", "Li Wei", "Ana Souza"], "person.full_name"),
        (["shipped", "pending", "returned", "cancelled"], "category.status"),
    ],
)
def test_value_similarity_ranks_the_domain_the_values_belong_to(values: list[str], domain: str) -> None:
    assert top(INDEX.value_similarity([values])[0]) == domain


def test_no_value_evidence_for_no_values_for_numbers_or_for_a_domain_with_no_examples() -> None:
    # A card number's digits embed closest to postal codes: the static model reads no digits, so none are embedded.
    raw = INDEX.raw_value_similarity([[], ["London", "Paris"], ["4111111111111111", "5500000000000004", "n/a"]])
    assert not raw[0].any() and raw[1].any() and not raw[2].any()
    assert not raw[:, ~INDEX.has_value].any()


def test_value_evidence_goes_to_the_best_domains_only() -> None:
    evidence = INDEX.value_similarity([["London", "Paris", "Berlin", "Madrid", "Tokyo"]])[0]
    assert evidence["address.city"] == max(evidence.values())
    assert "person.gender" not in evidence and len(evidence) < 6


def test_the_embedding_evidence_names_a_column_whose_header_no_alias_shares_a_token_with() -> None:
    values = pl.Series(["London", "Paris", "Berlin", "Madrid", "Tokyo", "Oslo"])
    off = dataclasses.replace(TP_DEFAULT_V1, name_embedding=0.0, value_embedding=0.0)
    without = DomainClassifier(profile=off).classify_column("townname", values)
    found = DomainClassifier().classify_column("townname", values)
    assert found.domain == "address.city"
    assert found.evidence["name"]["embedding"] > 0 and "alias" not in found.evidence["name"]
    assert found.confidence > without.confidence
    assert found.evidence["score"]["name_sim"] > without.evidence["score"]["name_sim"] == 0.0


def test_an_embedder_is_given_texts_within_bounds() -> None:
    vectors = offline_embedder().embed(["x" * 10_000, ""])
    assert vectors.shape == (2, DIMENSIONS) and vectors.dtype == np.float32
