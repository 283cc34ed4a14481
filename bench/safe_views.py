"""AI-safe views, the pure compiler and its SQL: row-filter parse p95 (a typical filter and the longest allowed
ones), compile_view p95 for a 500-column view, and the cost of the redactions on DuckDB (1M rows: the view against a
plain SELECT of the same columns).

Run alone (``.venv/bin/python bench/safe_views.py``): no service needed; prints one JSON list of rows on its last
line, as the other bench modules do.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RUNS = 50
ROWS = 1_000_000


def p95_ms(call: Callable[[], Any], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(times, n=100)[94]


def main() -> None:
    import duckdb

    from superset_review.safe_views.compiler import ViewSource, compile_view
    from superset_review.safe_views.definition import Grain, Operator, Redaction, ViewDefinition
    from superset_review.safe_views.filters import parse_row_filter

    columns = {"id": "BIGINT", "email": "VARCHAR(255)", "born": "DATE", "amount": "NUMERIC(10,2)", "country": "TEXT"}
    typical = "country IN ('FR', 'DE', 'NO') AND born >= DATE '1990-01-01' AND lower(email) LIKE '%@example.com'"
    long_or = " OR ".join(f"id = {n}" for n in range(400))[:4000].rsplit(" OR ", 1)[0]
    long_in = "id IN (" + ", ".join(str(n) for n in range(700)) + ")"
    deep = "(" * 20 + "id = 1" + ")" * 20
    filters = {"typical": typical, "4000-char OR chain": long_or, "700-value IN": long_in, "20-deep parentheses": deep}
    rows = [
        {
            "name": f"row filter parse p95, {name}",
            "value": p95_ms(lambda text=text: parse_row_filter(text, columns, "postgres")),
        }
        for name, text in filters.items()
    ]
    wide = {f"c{i:03d}": ("BIGINT" if i % 3 == 0 else "TEXT") for i in range(500)}
    redactions = {
        name: Redaction(Operator.HASH) if i % 3 == 0 else Redaction(Operator.MASK, keep_prefix=1, keep_suffix=2)
        for i, name in enumerate(wide)
        if i % 2 == 0
    }
    definition = ViewDefinition(1, "wide", tuple(wide), "c000 > 0", redactions)
    rows.append(
        {
            "name": "compile_view p95, 500 columns (250 redacted)",
            "value": p95_ms(
                lambda: compile_view(definition, ViewSource(table="t"), wide, dialect="postgres", salt="s"), runs=20
            ),
        }
    )
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE people AS SELECT i AS id, 'user' || i || '@example.com' AS email, "
        "DATE '1950-01-01' + CAST(i % 20000 AS INTEGER) AS born, CAST(i % 100000 AS DECIMAL(10,2)) / 7 AS amount, "
        "CASE WHEN i % 3 = 0 THEN 'FR' ELSE 'US' END AS country FROM range(?) t(i)",
        [ROWS],
    )
    view = compile_view(
        ViewDefinition(
            1,
            "v",
            ("id", "email", "born", "amount"),
            "country = 'FR'",
            {
                "id": Redaction(Operator.HASH),
                "email": Redaction(Operator.MASK, keep_prefix=2, keep_suffix=4),
                "born": Redaction(Operator.GENERALIZE, grain=Grain.YEAR),
                "amount": Redaction(Operator.GENERALIZE, bucket=100),
            },
        ),
        ViewSource(table="people"),
        columns,
        dialect="duckdb",
        salt="bench-salt",
    )
    plain = "SELECT id, email, born, amount FROM people WHERE country = 'FR'"
    count = "SELECT count(*), count(DISTINCT id), min(email), max(born), sum(amount) FROM ({}) v"
    rows.append({"name": f"DuckDB plain SELECT p95, {ROWS} rows", "value": p95_ms(
        lambda: connection.execute(count.format(plain)).fetchall(), runs=7)})  # fmt: skip
    rows.append({"name": f"DuckDB AI-safe view p95 (hash, mask, generalize x2), {ROWS} rows", "value": p95_ms(
        lambda: connection.execute(count.format(view.sql)).fetchall(), runs=7)})  # fmt: skip
    for row in rows:
        row["value"] = round(row["value"], 2)
        row["unit"] = "ms"
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
