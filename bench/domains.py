"""Business-domain figures: macro-F1 per domain family on Sherlock's sample, P and R per PII entity on presidio's
corpus, and domaining time of a 200-column x 100k-row table.

``python bench/domains.py`` prints the rows and the details (per-domain F1, reliability bins); ``rows()``
returns them for ``make bench``. The development sets (``/work/shared/data``; ``DOMAINS_DATA`` and
``PII_DATASET`` override) are read here only: nothing of them is in the package or the tests.

- Sherlock (MIT): columns of a public-web table corpus with their semantic type and no header. Each column is
  domained from its VALUES alone (the header is the label, so it is withheld). Sherlock's types are mapped onto
  the catalog where one fits (``SHERLOCK``); columns of the other types (ranks, plays, classes...) should come out
  unknown, and any domain they get counts as a false positive of that domain.
- presidio-research's synthetic corpus (MIT): the gold spans of each entity, in columns of ``PII_COLUMN``
  values, domained from the values alone too; column-level P and R per PII class.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from superset_review.domains.classify import Band, DomainClassifier  # noqa: E402
from superset_review.pii.types import PiiType  # noqa: E402

DATA = Path(os.environ.get("DOMAINS_DATA", "/work/shared/data/domains"))
PII_DATASET = Path(os.environ.get("PII_DATASET", "/work/shared/data/pii/presidio_synth_dataset_v2.json"))
PII_COLUMN = 20
SPEED_COLUMNS, SPEED_ROWS, SPEED_RUNS = 200, 100_000, 3

SHERLOCK: dict[str, str] = {
    "address": "address.street_address",
    "city": "address.city",
    "birth Place": "address.city",
    "country": "address.country",
    "state": "address.region",
    "county": "address.region",
    "continent": "address.continent",
    "name": "person.full_name",
    "person": "person.full_name",
    "artist": "person.full_name",
    "jockey": "person.full_name",
    "director": "person.full_name",
    "creator": "person.full_name",
    "sex": "person.gender",
    "gender": "person.gender",
    "age": "person.age",
    "nationality": "person.nationality",
    "religion": "category.religion",
    "birth Date": "datetime.date_of_birth",
    "year": "datetime.year",
    "day": "datetime.weekday",
    "duration": "measure.duration",
    "weight": "measure.weight",
    "elevation": "measure.length",
    "depth": "measure.length",
    "file Size": "measure.data_size",
    "isbn": "identifier.isbn",
    "currency": "money.currency_code",
    "language": "category.language",
    "company": "organization.name",
    "manufacturer": "organization.name",
    "publisher": "organization.name",
    "affiliation": "organization.name",
    "organisation": "organization.name",
    "club": "organization.name",
    "brand": "product.brand",
    "industry": "organization.industry",
    "product": "product.name",
    "genre": "product.category",
    "status": "category.status",
    "description": "text.description",
    "notes": "text.description",
    "album": "text.title",
    "format": "web.mime_type",
}
PRESIDIO: dict[str, PiiType | None] = {
    "EMAIL_ADDRESS": PiiType.EMAIL,
    "PHONE_NUMBER": PiiType.PHONE,
    "PERSON": PiiType.PERSON,
    "STREET_ADDRESS": PiiType.STREET_ADDRESS,
    "CREDIT_CARD": PiiType.CREDIT_CARD,
    "IBAN_CODE": PiiType.IBAN,
    "IP_ADDRESS": PiiType.IP_ADDRESS,
    "US_SSN": PiiType.US_SSN,
    "DOMAIN_NAME": PiiType.URL,
    "ZIP_CODE": PiiType.POSTAL_CODE,
    # Not PII classes of the catalog: a column of them should get no PII verdict.
    "GPE": None,
    "ORGANIZATION": None,
    "TITLE": None,
    "NRP": None,
    "AGE": None,
}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def sherlock_columns() -> list[tuple[str, list[str | None]]]:
    csv.field_size_limit(64 << 20)
    with (DATA / "sherlock_sample_labels.csv").open(newline="") as handle:
        labels = {row[0]: row[1] for row in csv.reader(handle) if len(row) == 2}
    out: list[tuple[str, list[str | None]]] = []
    with (DATA / "sherlock_sample_values.csv").open(newline="") as handle:
        for row in csv.reader(handle):
            if len(row) != 2 or row[0] not in labels:
                continue
            try:
                values = ast.literal_eval(row[1])
            except (ValueError, SyntaxError):
                continue
            if isinstance(values, list):
                out.append((labels[row[0]], [_text(v) for v in values]))
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def sherlock_scores(classifier: DomainClassifier) -> tuple[dict[str, float], dict[str, float], list[str], list]:  # type: ignore[type-arg]
    columns = sherlock_columns()
    predictions: list[tuple[str | None, str | None, float, Band]] = []
    for label, values in columns:
        found = classifier.classify_column("c", pl.Series(values, dtype=pl.String))
        predictions.append((SHERLOCK.get(label), found.domain, found.confidence, found.band))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, predicted, _, _ in predictions:
        if gold is not None and predicted == gold:
            tp[gold] += 1
            continue
        if gold is not None:
            fn[gold] += 1
        if predicted is not None:
            fp[predicted] += 1
    golds = sorted({gold for gold, *_ in predictions if gold is not None})
    per_domain = {domain: _f1(tp[domain], fp[domain], fn[domain]) for domain in golds}
    families: dict[str, list[float]] = defaultdict(list)
    for domain, score in per_domain.items():
        families[domain.split(".", 1)[0]].append(score)
    per_family = {family: statistics.fmean(scores) for family, scores in sorted(families.items())}
    details = [f"  {d:<28} F1 {s:.2f}  (tp {tp[d]}, fp {fp[d]}, fn {fn[d]})" for d, s in per_domain.items()]
    return per_family, {"overall": statistics.fmean(per_domain.values())}, details, predictions


def presidio_columns() -> list[tuple[PiiType | None, str, list[str]]]:
    records = json.loads(PII_DATASET.read_text())
    by_entity: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for span in record["spans"]:
            by_entity[span["entity_type"]].append(str(span["entity_value"]).strip())
    rng = random.Random(0)  # noqa: S311 - a reproducible shuffle, not a secret
    out = []
    for entity, values in sorted(by_entity.items()):
        if entity not in PRESIDIO:
            continue
        rng.shuffle(values)
        for start in range(0, len(values) - PII_COLUMN // 2 + 1, PII_COLUMN):
            out.append((PRESIDIO[entity], entity, values[start : start + PII_COLUMN]))
    return out


# A header a real table would give each entity's column (the second measure: name and values together).
HEADERS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "PERSON": "name",
    "STREET_ADDRESS": "address",
    "CREDIT_CARD": "card_number",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": "ip",
    "US_SSN": "ssn",
    "DOMAIN_NAME": "website",
    "ZIP_CODE": "zip",
    "GPE": "location",
    "ORGANIZATION": "company",
    "TITLE": "title",
    "NRP": "nationality",
    "AGE": "age",
}


def presidio_scores(classifier: DomainClassifier, *, headers: bool = False) -> dict[str, tuple[float, float, int]]:
    columns = presidio_columns()
    predicted_by_class: Counter[PiiType] = Counter()
    correct: Counter[PiiType] = Counter()
    gold_count: Counter[PiiType] = Counter()
    for gold, entity, values in columns:
        header = HEADERS[entity] if headers else "c"
        found = classifier.classify_column(header, pl.Series(values, dtype=pl.String)).pii
        if gold is not None:
            gold_count[gold] += 1
        if found is not None:
            predicted_by_class[found] += 1
            if found is gold:
                correct[found] += 1
    return {
        pii.value: (
            correct[pii] / predicted_by_class[pii] if predicted_by_class[pii] else 0.0,
            correct[pii] / gold_count[pii] if gold_count[pii] else 0.0,
            gold_count[pii],
        )
        for pii in sorted(gold_count, key=str)
    }


def wide_table() -> pl.DataFrame:
    """200 columns x 100k rows of the shapes real tables hold: e-mails, phones, ids, amounts, dates, codes, text."""
    rng = random.Random(1)  # noqa: S311 - reproducible test data, not secrets
    n = SPEED_ROWS
    ids = pl.int_range(0, n, eager=True)
    makers = [
        lambda: ids.cast(pl.String).map_elements(lambda i: f"user{i}@example.com", return_dtype=pl.String),
        lambda: (ids * 7919 % 10_000_000 + 4_155_550_000).cast(pl.String).map_elements(
            lambda s: f"+1 {s[:3]} {s[3:6]} {s[6:]}", return_dtype=pl.String),
        lambda: ids,
        lambda: (ids.cast(pl.Float64) * 1.37 % 10_000).round(2),
        lambda: pl.date_range(pl.date(1800, 1, 1), pl.date(2100, 12, 31), eager=True).head(n),
        lambda: pl.Series(rng.choices(["shipped", "pending", "returned", "cancelled"], k=n)),
        lambda: pl.Series(rng.choices(["John Smith", "Mary Jones", "Ivan Petrov", "Anna Müller"], k=n)),
        lambda: pl.Series([f"note {i} " + "lorem ipsum " * (i % 7) for i in range(n)]),
    ]  # fmt: skip
    headers = ["email", "phone", "customer_id", "amount", "order_date", "status", "full_name", "notes"]
    built = [maker() for maker in makers]
    return pl.DataFrame({f"{headers[i % 8]}_{i}": built[i % 8] for i in range(SPEED_COLUMNS)})


def speed(classifier: DomainClassifier) -> float:
    frame = wide_table()
    classifier.classify_frame(frame.head(100))  # warm: Polars compiles each regex once per process
    times = []
    for _ in range(SPEED_RUNS):
        started = time.perf_counter()
        classifier.classify_frame(frame)
        times.append(time.perf_counter() - started)
    return min(times)


def reliability(predictions: list) -> list[str]:  # type: ignore[type-arg]
    """Share of correct verdicts per confidence bin (on Sherlock's catalog-mapped columns that got a domain)."""
    bins: dict[int, list[bool]] = defaultdict(list)
    for gold, predicted, confidence, _ in predictions:
        if predicted is not None:
            bins[min(9, int(confidence * 10))].append(predicted == gold)
    return [
        f"  confidence {b / 10:.1f}-{(b + 1) / 10:.1f}: {sum(v)}/{len(v)} correct ({sum(v) / len(v):.0%})"
        for b, v in sorted(bins.items())
    ]


# The dataset `superset-review up` loads (Superset's sales dashboard, read from the installed wheel): each column
# whose meaning is plain, and its domain. order_line_number (the position of a line in its order) is left out.
BUNDLED = {
    "order_date": "datetime.date",
    "price_each": "money.price",
    "sales": "money.amount",
    "address_line1": "address.street_address",
    "address_line2": "address.street_address",
    "quantity_ordered": "measure.quantity",
    "order_number": "identifier.order_id",
    "quarter": "datetime.quarter",
    "year": "datetime.year",
    "month": "datetime.month",
    "msrp": "money.price",
    "contact_last_name": "person.last_name",
    "contact_first_name": "person.first_name",
    "postal_code": "address.postal_code",
    "customer_name": "organization.name",
    "deal_size": "category.size",
    "product_code": "product.sku",
    "product_line": "product.category",
    "state": "address.region",
    "status": "category.status",
    "city": "address.city",
    "country": "address.country",
    "phone": "contact.phone",
    "territory": "address.region",
}


def bundled_scores(classifier: DomainClassifier) -> tuple[float, float, int]:
    """Share of the bundled example's known columns assigned high, and the precision of those high verdicts."""
    from importlib.resources import files

    path = files("superset") / "examples" / "sales_dashboard" / "data.parquet"
    frame = pl.read_parquet(path.read_bytes())
    verdicts = {v.column: v for v in classifier.classify_frame(frame)}
    high = [column for column in BUNDLED if verdicts[column].band is Band.HIGH]
    correct = sum(verdicts[column].domain == BUNDLED[column] for column in high)
    return len(high) / len(BUNDLED), (correct / len(high) if high else 0.0), len(BUNDLED)


TOPK_QUERIES, TOPK_K = 1000, 5


def topk_latency(catalog: object | None = None) -> tuple[float, float, str]:
    """p50 and p95 (ms) of ``nearest()`` top-5 queries on the real embedded PostgreSQL with pgvector (a fresh data
    directory, the extension's migrations, the catalog's centroids), and the plan's scan."""
    import tempfile

    from sqlalchemy import create_engine, text

    from superset_review.domains.catalog import Catalog, builtin_catalog
    from superset_review.domains.embeddings import offline_embedder
    from superset_review.domains.vectors import NAME, VALUE, header_phrase, nearest, refresh_vectors
    from superset_review.embedded.postgres import start_postgres
    from superset_review.extension.migrations import upgrade_review

    chosen = catalog if isinstance(catalog, Catalog) else builtin_catalog()
    headers = [f"{c[0]}_{c[1]}" for c in sherlock_columns()[:200]] + list(HEADERS.values()) + list(BUNDLED)
    probes = offline_embedder().embed([header_phrase(h) or h for h in headers])
    with tempfile.TemporaryDirectory(prefix="bench-pgvector-") as root:
        postgres = start_postgres(Path(root) / "postgres")
        try:
            postgres.ensure_database("vectors")
            engine = create_engine(postgres.uri("vectors"))
            upgrade_review(engine)
            with engine.begin() as connection:
                refresh_vectors(connection, chosen)
                connection.execute(text("ANALYZE dataset_review_domain_vectors"))
            times: list[float] = []
            with engine.connect() as connection:
                plan = " ".join(
                    row[0]
                    for row in connection.execute(
                        text(
                            "EXPLAIN SELECT domain FROM dataset_review_domain_vectors WHERE kind = 'name' "
                            "ORDER BY embedding <=> CAST(:v AS vector) LIMIT 5"
                        ),
                        {"v": str(probes[0].tolist())},
                    )
                )
                for i in range(TOPK_QUERIES + 50):
                    started = time.perf_counter()
                    nearest(connection, probes[i % len(probes)], NAME if i % 2 else VALUE, TOPK_K)
                    if i >= 50:  # the first queries warm the connection and the index pages
                        times.append((time.perf_counter() - started) * 1000)
            engine.dispose()
        finally:
            postgres.stop()
    times.sort()
    scan = "HNSW index scan" if "Index Scan" in plan else "sequential scan"
    return statistics.median(times), times[int(0.95 * len(times)) - 1], scan


def large_catalog(count: int = 2000) -> object:
    """A glossary at the catalog's size limit: ``count`` domains (the built-in 92 are read faster without the index)."""
    from superset_review.domains.catalog import parse_catalog

    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"]
    lines = ['name: big\nversion: "1"\ndomains:']
    for i in range(count):
        a, b, c = words[i % 11], words[(i // 11) % 11], words[(i // 121) % 11]
        lines.append(
            f"  - {{name: g{i}, description: 'The {a} {b} of {c}.', aliases: {{en: [{a} {b} {c} {i}], ru: [{b}{i}]}},"
            f" examples: [{a}{i}, {b}{i}, {c}{i}]}}"
        )
    return parse_catalog("\n".join(lines))


def rows() -> list[dict[str, object]]:
    from bench.calibrate_domains import evaluate_profile
    from superset_review.domains.classify import TP_DEFAULT_V1

    classifier = DomainClassifier()
    out: list[dict[str, object]] = []
    figures = evaluate_profile(TP_DEFAULT_V1)
    every = figures["all"]
    for key, reading in (
        ("sherlock_macro_f1", "values only"),
        ("sherlock_with_header_macro_f1", "with its type as header"),
    ):
        for family, score in every[f"{key}_per_family"].items():
            out.append({"name": f"domains: Sherlock macro-F1, family {family} ({reading})", "value": score,
                        "unit": "F1", "target": "reported", "met": None})  # fmt: skip
        for part in ("all", "fitting", "held_out"):
            out.append({"name": f"domains: Sherlock macro-F1, all mapped domains ({reading}; {part})",
                        "value": figures[part][key], "unit": "F1", "target": "reported", "met": None})  # fmt: skip
    for part in ("fitting", "held_out"):
        precision = figures[part]["high_precision"]
        out.append({"name": f"domains: precision of high verdicts, columns of known meaning ({part})",
                    "value": precision, "unit": "P", "target": ">= 0.97", "met": precision >= 0.97})  # fmt: skip
    for key, reading in (("presidio_pii_values_only", "values only"), ("presidio_pii_with_header", "with a header")):
        for entity, row in every[key].items():
            n = row["columns"]
            for unit, value in (("P", row["precision"]), ("R", row["recall"])):
                out.append({"name": f"domains: presidio PII {entity} columns ({n}) {unit} ({reading})",
                            "value": value, "unit": unit, "target": "reported", "met": None})  # fmt: skip
    share, precision, known = bundled_scores(classifier)
    out.append({"name": f"domains: bundled example, {known} known columns assigned high", "value": share,
                "unit": "share", "target": ">= 0.90", "met": share >= 0.9})  # fmt: skip
    out.append({"name": "domains: bundled example, precision of those high verdicts", "value": precision,
                "unit": "P", "target": ">= 0.97", "met": precision >= 0.97})  # fmt: skip
    elapsed = speed(classifier)
    out.append({"name": f"domains: {SPEED_COLUMNS} columns x {SPEED_ROWS:,} rows domained", "value": elapsed,
                "unit": "s", "target": "< 1 s", "met": elapsed < 1.0})  # fmt: skip
    for label, catalog in (("built-in catalog", None), ("2000-domain catalog", large_catalog())):
        p50, p95, scan = topk_latency(catalog)
        out.append({"name": f"domains: pgvector top-{TOPK_K}, {label} ({scan}), p50", "value": p50, "unit": "ms",
                    "target": "< 5 ms", "met": p50 < 5})  # fmt: skip
        out.append({"name": f"domains: pgvector top-{TOPK_K}, {label} ({scan}), p95", "value": p95, "unit": "ms",
                    "target": "< 5 ms", "met": p95 < 5})  # fmt: skip
    return out


def details() -> list[str]:
    _, _, lines, predictions = sherlock_scores(DomainClassifier())
    return ["Sherlock, per mapped domain:", *lines, "Reliability (Sherlock):", *reliability(predictions)]


if __name__ == "__main__":
    from bench.pii import line

    for result in rows():
        print(line(result))
    print()
    print("\n".join(details()))
