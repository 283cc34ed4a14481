"""The catalog's embedding centroids: in memory for domaining, in pgvector for nearest-domain queries.

Per assignable domain of a catalog, two centroids (the normalised mean of the member texts' embeddings):

- ``name``: its aliases in every language, its leaf name and its description: what a header meaning it says;
- ``value``: its curated examples (and the first of its closed value set): what its values look like.

:class:`CentroidIndex` holds them in memory, built once per catalog content hash and embedder, and answers
``name_similarity(headers)`` and ``value_similarity(value_sketches)`` per domain. Both turn the raw cosine into
evidence in [0, 1]: ``FLOOR``..``FLOOR + SPAN`` maps onto 0..1 (a static-embedding cosine of unrelated short strings
is rarely below 0.3, so the raw figure would lend every domain some weight), and a domain whose cosine trails the
column's best by ``RELATIVE`` or more gets none (the model ranks well; its absolute levels vary by kind of text).
Only values with a letter are embedded: the model's digit tokens say nothing (a card number is closest to postal
codes); numbers are the regexes' and ranges' business.

``refresh_vectors`` writes a catalog's centroids into ``dataset_review_domain_vectors`` (HNSW cosine index, migration
0010) and ``nearest`` is the top-k query on it. The database parts import SQLAlchemy's pgvector type only when
called; the in-memory index needs neither Flask nor a database.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from superset_review.domains.catalog import Catalog, Domain
from superset_review.domains.embeddings import (
    DIMENSIONS,
    Embedder,
    Vectors,
    configured_embedder,
    cosine,
    offline_embedder,
)

NAME, VALUE = "name", "value"
KINDS = (NAME, VALUE)
# Raw cosine -> evidence (see the module's docstring), measured on the catalog's own aliases and examples.
FLOOR = 0.3
NAME_SPAN = 0.5
VALUE_SPAN = 0.4
RELATIVE = 0.2
MIN_TEXT_SHARE = 0.5  # of a column's sampled values with a letter, for its values to be embedded
# Distinct values embedded per column: the mean of 16 short strings is nearly as steady as that of 300, at a
# twentieth of the cost (200 columns x 16 values embed in ~0.15 s on one core).
VALUES_PER_SKETCH = 16
MAX_VALUE_TEXTS = 40  # examples and vocabulary per value centroid
MAX_K = 20  # neighbours per nearest() query


# Headers made only of these (and digits, single letters) say nothing of a column: "col_7", "Unnamed: 0", "field1".
PLACEHOLDER_WORDS = frozenset({"col", "column", "field", "var", "attr", "unnamed", "value", "data", "item", "f", "c"})


def header_phrase(column: str) -> str:
    """The header as words (``cust_tel_no`` -> ``customer telephone number``): what is embedded for a name; empty
    for a placeholder header."""
    from superset_review.domains.classify import expanded_tokens

    words = expanded_tokens(column)
    if all(word in PLACEHOLDER_WORDS or word.isdigit() or len(word) == 1 for word in words):
        return ""
    return " ".join(words)


def name_texts(domain: Domain) -> list[str]:
    texts = [*domain.alias_phrases(), domain.name.split(".")[-1].replace("_", " ")]
    if domain.description:
        texts.append(domain.description)
    return texts


def value_texts(domain: Domain) -> list[str]:
    texts = list(dict.fromkeys([*domain.examples, *domain.values]))
    return texts[:MAX_VALUE_TEXTS]


def _centroid(vectors: Vectors) -> Vectors:
    if not len(vectors):
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else DIMENSIONS, dtype=np.float32)
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm if norm else mean, dtype=np.float32)


def _evidence(similarity: npt.NDArray[np.float32], span: float) -> npt.NDArray[np.float32]:
    absolute = np.clip((similarity - FLOOR) / span, 0.0, 1.0)
    best = similarity.max(axis=1, keepdims=True) if similarity.size else similarity
    relative = np.clip(1.0 - (best - similarity) / RELATIVE, 0.0, 1.0)
    return np.asarray(absolute * relative, dtype=np.float32)


def _has_letter(value: str) -> bool:
    return any(character.isalpha() for character in value)


@dataclass(frozen=True)
class Centroid:
    domain: str
    kind: str
    vector: Vectors


class CentroidIndex:
    """A catalog's name and value centroids, in memory. Build with :meth:`for_catalog` (cached)."""

    _cache: ClassVar[dict[tuple[str, str], CentroidIndex]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, catalog: Catalog, embedder: Embedder) -> None:
        self.catalog_hash = catalog.content_hash
        self.embedder = embedder
        self.domains: tuple[str, ...] = tuple(domain.name for domain in catalog.assignable)
        names = [name_texts(domain) for domain in catalog.assignable]
        values = [value_texts(domain) for domain in catalog.assignable]
        flat = [text for texts in (*names, *values) for text in texts]
        embedded = embedder.embed(flat) if flat else np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.dimensions = int(embedded.shape[1]) if embedded.ndim == 2 and embedded.shape[1] else DIMENSIONS
        rows: list[Vectors] = []
        start = 0
        for texts in (*names, *values):
            rows.append(_centroid(embedded[start : start + len(texts)]))
            start += len(texts)
        count = len(self.domains)
        self.name = np.stack(rows[:count]) if count else np.zeros((0, self.dimensions), dtype=np.float32)
        self.value = np.stack(rows[count:]) if count else np.zeros((0, self.dimensions), dtype=np.float32)
        # A domain with no examples has no value centroid: its value similarity is 0, not a zero vector's cosine.
        self.has_value = np.array([bool(texts) for texts in values], dtype=bool)

    @classmethod
    def for_catalog(cls, catalog: Catalog, embedder: Embedder | None = None) -> CentroidIndex:
        """The index of ``catalog`` for ``embedder`` (by default the one the settings choose, see
        ``embeddings.configured_embedder``), built once per content hash and embedder."""
        embedder = embedder or configured_embedder()
        key = (catalog.content_hash, embedder.model_id)
        with cls._lock:
            found = cls._cache.get(key)
            if found is None:
                found = cls(catalog, embedder)
                if len(cls._cache) >= 8:  # a few catalogs live at once (the live one, a staged one, a test's)
                    cls._cache.pop(next(iter(cls._cache)))
                cls._cache[key] = found
            return found

    def centroids(self) -> list[Centroid]:
        out = [Centroid(domain, NAME, self.name[i]) for i, domain in enumerate(self.domains)]
        out += [Centroid(domain, VALUE, self.value[i]) for i, domain in enumerate(self.domains) if self.has_value[i]]
        return out

    def raw_name_similarity(self, headers: Sequence[str]) -> npt.NDArray[np.float32]:
        """Cosine of each header's phrase with each domain's name centroid: (len(headers), len(domains))."""
        phrases = [header_phrase(header) for header in headers]
        out = np.zeros((len(headers), len(self.domains)), dtype=np.float32)
        said = [row for row, phrase in enumerate(phrases) if phrase]
        if said:
            out[said] = cosine(self.embedder.embed([phrases[row] for row in said]), self.name)
        return out

    def raw_value_similarity(self, value_sketches: Sequence[Sequence[str]]) -> npt.NDArray[np.float32]:
        """Cosine of each column's value sketch (the mean of its distinct values' embeddings) with each value
        centroid; 0 for a column with no values (or mostly numbers) and for a domain with no examples."""
        sketches = []
        for values in value_sketches:
            texts = [value for value in dict.fromkeys(values) if _has_letter(value)]
            distinct = len(set(values))
            sketches.append(texts[:VALUES_PER_SKETCH] if distinct and len(texts) >= MIN_TEXT_SHARE * distinct else [])
        flat = [value for values in sketches for value in values]
        out = np.zeros((len(sketches), len(self.domains)), dtype=np.float32)
        if not flat:
            return out
        embedded = self.embedder.embed_values(flat)
        means = np.zeros((len(sketches), self.dimensions), dtype=np.float32)
        start = 0
        for row, values in enumerate(sketches):
            if values:
                means[row] = _centroid(embedded[start : start + len(values)])
            start += len(values)
        out = cosine(means, self.value)
        out[:, ~self.has_value] = 0.0
        out[[not values for values in sketches], :] = 0.0
        return out

    def name_similarity(self, headers: Sequence[str]) -> list[dict[str, float]]:
        """Per header, {domain: evidence in [0, 1]} for the domains with any."""
        return self._as_mappings(_evidence(self.raw_name_similarity(headers), NAME_SPAN))

    def value_similarity(self, value_sketches: Sequence[Sequence[str]]) -> list[dict[str, float]]:
        """Per column's sampled values, {domain: evidence in [0, 1]} for the domains with any."""
        return self._as_mappings(_evidence(self.raw_value_similarity(value_sketches), VALUE_SPAN))

    def _as_mappings(self, matrix: npt.NDArray[np.float32]) -> list[dict[str, float]]:
        out = []
        for row in matrix:
            hits = np.nonzero(row > 0)[0]
            out.append({self.domains[i]: float(row[i]) for i in hits})
        return out


# --- pgvector ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    domain: str
    kind: str
    similarity: float  # cosine, 1 - pgvector's cosine distance


def has_vectors_table(connection: Any) -> bool:
    """Whether the metadata database holds the vectors table (PostgreSQL with pgvector, migration 0010)."""
    import sqlalchemy as sa

    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.execute(sa.text("SELECT to_regclass('dataset_review_domain_vectors') IS NOT NULL")).scalar())


def stored_hashes(connection: Any) -> dict[str, int]:
    """The catalog hashes the vectors table holds, with their row counts."""
    import sqlalchemy as sa

    from superset_review.domains.models import vectors_table

    table = vectors_table()
    rows = connection.execute(sa.select(table.c.catalog_hash, sa.func.count()).group_by(table.c.catalog_hash))
    return {str(catalog_hash): int(count) for catalog_hash, count in rows}


def vectors_current(connection: Any, catalog: Catalog, embedder: Embedder | None = None) -> bool:
    """Whether the table holds exactly ``catalog``'s centroids (true, too, where there is no table to hold them)."""
    if not has_vectors_table(connection):
        return True
    index = CentroidIndex.for_catalog(catalog, embedder or offline_embedder())
    return stored_hashes(connection) == {index.catalog_hash: len(index.centroids())}


def refresh_vectors(connection: Any, catalog: Catalog, embedder: Embedder | None = None) -> int:
    """Write ``catalog``'s centroids (keyed by its content hash) and drop those of every other catalog, in the
    caller's transaction. Returns the rows written; 0 (and nothing done) where the table does not exist. The table
    holds the offline model's vectors (its column is ``vector(256)``), whatever embedder domaining is set to."""
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import insert

    from superset_review.domains.models import vectors_table

    if not has_vectors_table(connection):
        return 0
    index = CentroidIndex.for_catalog(catalog, embedder or offline_embedder())
    table = vectors_table()
    connection.execute(sa.delete(table).where(table.c.catalog_hash != index.catalog_hash))
    rows = [
        {"catalog_hash": index.catalog_hash, "domain": c.domain, "kind": c.kind, "embedding": c.vector.tolist()}
        for c in index.centroids()
    ]
    if not rows:
        return 0
    # A catalog's centroids are a function of its content hash and the offline model: rows already there are the
    # same, and rewriting them would only leave dead rows in the HNSW index (which lower its recall until vacuum).
    connection.execute(insert(table).values(rows).on_conflict_do_nothing(constraint="uq_dataset_review_domain_vectors"))
    return len(rows)


def nearest(
    connection: Any, vector: Sequence[float] | Vectors, kind: str, k: int = 5, catalog_hash: str | None = None
) -> list[Neighbour]:
    """The ``k`` domains whose ``kind`` centroid is closest to ``vector`` by cosine, through the HNSW index
    (``ORDER BY embedding <=> :v LIMIT :k``, bound parameters); only ``catalog_hash``'s rows when given."""
    import sqlalchemy as sa

    from superset_review.domains.models import vectors_table

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    k = max(1, min(int(k), MAX_K))
    values = [float(x) for x in (vector.tolist() if isinstance(vector, np.ndarray) else vector)]
    if len(values) != DIMENSIONS:
        raise ValueError(f"vector must have {DIMENSIONS} dimensions, got {len(values)}")
    table = vectors_table()
    distance = table.c.embedding.cosine_distance(values)  # pgvector's <=>, the operator the HNSW index serves
    statement = sa.select(table.c.domain, table.c.kind, (1 - distance).label("similarity")).where(table.c.kind == kind)
    if catalog_hash:
        statement = statement.where(table.c.catalog_hash == catalog_hash)
    # An HNSW scan stops after hnsw.ef_search (40) candidates, filtered afterwards: once promotions have left dead
    # rows in the index, or the kind filter drops half, fewer than k (even none) would come back. pgvector 0.8's
    # iterative scan goes on until k rows pass, in distance order; SET LOCAL keeps it to this transaction.
    # A wider candidate list (ef_search 200, pgvector's default 40) keeps the recall up while dead rows linger.
    connection.execute(sa.text("SET LOCAL hnsw.iterative_scan = strict_order"))
    connection.execute(sa.text("SET LOCAL hnsw.ef_search = 200"))
    result = connection.execute(statement.order_by(distance).limit(k))
    return [Neighbour(row.domain, row.kind, float(row.similarity)) for row in result]
