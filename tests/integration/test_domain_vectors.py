"""The catalog's centroids in pgvector on the real embedded PostgreSQL: seeded by `superset-review init`, queried
through the HNSW cosine index, and the answers those of the in-memory index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from superset_review.domains.catalog import builtin_catalog, parse_catalog
from superset_review.domains.embeddings import cosine, offline_embedder
from superset_review.domains.vectors import (
    NAME,
    VALUE,
    CentroidIndex,
    header_phrase,
    nearest,
    refresh_vectors,
    stored_hashes,
    vectors_current,
)
from tests.conftest import run_cli
from tests.services import Services

INDEX = CentroidIndex.for_catalog(builtin_catalog())
HEADERS = ["customer_email", "cust_tel_no", "birthday", "ship_city", "price_each", "surname", "website", "townname"]
VALUES = [["London", "Paris", "Berlin"], ["male", "female"], ["shipped", "pending", "returned"], ["USD", "EUR"]]


@pytest.fixture(scope="module")
def engine(services: Services, initialized: Any) -> Iterator[Engine]:
    engine = create_engine(services.postgres.uri("superset"))
    yield engine
    engine.dispose()


def test_init_seeds_the_catalogs_vectors_and_a_second_init_leaves_them(
    engine: Engine, initialized: Any, service_env: dict[str, str]
) -> None:
    assert "the domain catalog's vectors in pgvector: applied" in initialized.stdout
    with engine.connect() as connection:
        assert stored_hashes(connection) == {INDEX.catalog_hash: len(INDEX.centroids())}
        assert vectors_current(connection, builtin_catalog())
    second = run_cli(["init"], service_env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "the domain catalog's vectors in pgvector: already up to date" in second.stdout


def big_catalog(count: int) -> Any:
    """A glossary the size of a large organisation's: ``count`` domains with aliases and examples."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"]
    lines = ['name: big\nversion: "1"\ndomains:']
    for i in range(count):
        a, b, c = words[i % 11], words[(i // 11) % 11], words[(i // 121) % 11]
        lines.append(
            f"  - {{name: g{i}, description: 'The {a} {b} of {c}.', aliases: {{en: [{a} {b} {c} {i}], ru: [{b}{i}]}},"
            f" examples: [{a}{i}, {b}{i}, {c}{i}]}}"
        )
    return parse_catalog("\n".join(lines))


def plan_of(connection: Any, kind: str, probe: list[float]) -> str:
    rows = connection.execute(
        text(
            "EXPLAIN SELECT domain FROM dataset_review_domain_vectors WHERE kind = :kind "
            "ORDER BY embedding <=> CAST(:v AS vector) LIMIT 5"
        ),
        {"kind": kind, "v": str(probe)},
    )
    return "\n".join(row[0] for row in rows)


def test_the_top_k_query_uses_the_hnsw_index_once_the_catalog_is_large(engine: Engine) -> None:
    big = big_catalog(2000)
    probe = CentroidIndex.for_catalog(big).name[0].tolist()
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            assert refresh_vectors(connection, big) == 4000
            connection.execute(text("ANALYZE dataset_review_domain_vectors"))
            for kind in (NAME, VALUE):
                plan = plan_of(connection, kind, probe)
                assert "Index Scan using ix_dataset_review_domain_vectors" in plan, plan
            found = nearest(connection, probe, NAME, 5)
            assert found[0].domain == "g0" and len(found) == 5
        finally:
            transaction.rollback()


def expected(queries: np.ndarray, centroids: np.ndarray, domains: list[str], k: int) -> list[list[str]]:
    similarity = cosine(queries, centroids)
    return [[domains[i] for i in np.argsort(-row, kind="stable")[:k]] for row in similarity]


def test_nearest_matches_the_in_memory_index_for_headers_and_values(engine: Engine) -> None:
    names = offline_embedder().embed([header_phrase(header) for header in HEADERS])
    value_domains = [d for d, has in zip(INDEX.domains, INDEX.has_value, strict=True) if has]
    value_centroids = INDEX.value[INDEX.has_value]
    sketches = np.stack([offline_embedder().embed(values).mean(axis=0) for values in VALUES])
    sketches /= np.linalg.norm(sketches, axis=1, keepdims=True)
    with engine.connect() as connection:
        for query, want in zip(names, expected(names, INDEX.name, list(INDEX.domains), 5), strict=True):
            found = nearest(connection, query, NAME, 5)
            # HNSW is approximate (the planner takes it once earlier refreshes left rows behind): the nearest domain
            # and its similarity must be right, and at least 4 of the 5.
            got = [n.domain for n in found]
            assert got[0] == want[0] and len(set(got) & set(want)) >= 4, (got, want)
            assert found[0].similarity == pytest.approx(float(cosine(query[None], INDEX.name).max()), abs=1e-4)
        for query, want in zip(sketches, expected(sketches, value_centroids, value_domains, 3), strict=True):
            got = [n.domain for n in nearest(connection, query, VALUE, 3)]
            assert got[0] == want[0] and len(set(got) & set(want)) >= 2, (got, want)
        assert nearest(connection, names[0], NAME, 1, catalog_hash="0" * 64) == []


def test_nearest_refuses_a_wrong_vector_or_kind(engine: Engine) -> None:
    with engine.connect() as connection:
        with pytest.raises(ValueError, match="256 dimensions"):
            nearest(connection, [0.1, 0.2], NAME)
        with pytest.raises(ValueError, match="kind must be one of"):
            nearest(connection, INDEX.name[0], "name; DROP TABLE x")


def test_refreshing_for_another_catalog_replaces_the_rows_in_the_callers_transaction(engine: Engine) -> None:
    tiny = parse_catalog(
        'name: tiny\nversion: "1"\ndomains:\n'
        "  - {name: fruit, description: A fruit., aliases: {en: [fruit], ru: [фрукт]}, examples: [apple, pear]}\n"
        "  - {name: car, description: A car make., aliases: {en: [car make], ru: [марка]}}\n"
    )
    with engine.connect() as connection:
        transaction = connection.begin()
        assert refresh_vectors(connection, tiny) == 3  # two name centroids, one value centroid (car has no examples)
        assert stored_hashes(connection) == {tiny.content_hash: 3}
        query = CentroidIndex.for_catalog(tiny).name[0]
        assert [n.domain for n in nearest(connection, query, NAME, 2)] == ["fruit", "car"]
        transaction.rollback()  # a failed promotion leaves the live catalog's vectors as they were
        assert stored_hashes(connection) == {INDEX.catalog_hash: len(INDEX.centroids())}
    with engine.begin() as connection:  # refreshing the same catalog twice writes the same rows, no duplicates
        refresh_vectors(connection, builtin_catalog())
        assert stored_hashes(connection) == {INDEX.catalog_hash: len(INDEX.centroids())}


def test_nearest_still_gives_k_rows_after_many_refreshes_left_dead_rows_in_the_index(engine: Engine) -> None:
    """Each promotion rewrites the vectors; until autovacuum runs, the HNSW index still holds the dead versions, and
    a plain HNSW scan (ef_search candidates, then filtered) returned none of the live rows (seen after the catalog
    suite's promotions)."""
    tiny = parse_catalog(
        'name: tiny\nversion: "1"\ndomains:\n'
        "  - {name: fruit, description: A fruit., aliases: {en: [fruit], ru: [фрукт]}, examples: [apple, pear]}\n"
    )
    for _ in range(3):
        for catalog in (tiny, builtin_catalog()):
            with engine.begin() as connection:
                refresh_vectors(connection, catalog)
    query = offline_embedder().embed([header_phrase("customer_email")])[0]
    with engine.connect() as connection:
        dead = connection.execute(
            text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'dataset_review_domain_vectors'")
        ).scalar()
        found = nearest(connection, query, NAME, 5)
    want = expected(query[None], INDEX.name, list(INDEX.domains), 5)[0]
    got = [n.domain for n in found]
    # HNSW is approximate: the nearest domain must be right and at least 4 of the 5 shared.
    assert len(got) == 5 and got[0] == want[0] and len(set(got) & set(want)) >= 4, (got, want, dead)
