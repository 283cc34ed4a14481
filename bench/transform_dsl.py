"""The transform DSL against the same transforms written by hand (issue 14): Polars on 1M rows x 10 columns x 13
operations, and PostgreSQL on the same rows; target: the generated code at >= 0.95x the hand-written throughput.

Both sides compute the same outputs, values and reasons (the hand-written code as a person would write it: one
expression per column, a ``when`` for the reason), and are checked equal before timing. Runs alternate, DSL and hand
written, ``RUNS`` times after a warm-up; the figure is the ratio of the medians. PostgreSQL is measured when
``BENCH_EXAMPLES_DSN`` names a database (bench/run.py passes the embedded one): ``CREATE TEMP TABLE ... AS`` of each
query, so the server computes every row without shipping them to the client.

``python bench/transform_dsl.py`` prints the rows (last line JSON) for bench/run.py.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from superset_review.transform_dsl import DSL_VERSION, apply_polars, compile_sql, parse_plan  # noqa: E402

ROWS = int(os.environ.get("BENCH_DSL_ROWS", "1000000"))
PG_ROWS = int(os.environ.get("BENCH_DSL_PG_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_DSL_RUNS", "5"))
TARGET = 0.95
SCHEMA = {
    "name": "string",
    "phone": "string",
    "email": "string",
    "qty": "string",
    "weight": "float",
    "temp": "float",
    "day": "string",
    "code": "string",
    "price": "float",
    "units": "integer",
}
PLAN = {
    "dsl_version": DSL_VERSION,
    "pipelines": [
        {"target": "name_clean", "source": "name",
         "ops": [{"op": "trim"}, {"op": "case", "to": "upper"}, {"op": "collapse_whitespace"}]},
        {"target": "area", "source": "phone", "ops": [{"op": "regex_extract", "pattern": r"\((\d{3})\)", "group": 1}]},
        {"target": "domain", "source": "email",
         "ops": [{"op": "regex_extract", "pattern": r"@([a-z0-9.-]+)", "group": 1}]},
        {"target": "qty_n", "source": "qty", "ops": [{"op": "type_cast", "to": "integer"}]},
        {"target": "weight_lb", "source": "weight", "ops": [{"op": "unit_convert", "from": "kg", "to": "lb"}]},
        {"target": "temp_f", "source": "temp", "ops": [{"op": "unit_convert", "from": "celsius", "to": "fahrenheit"}]},
        {"target": "day_d", "source": "day", "ops": [{"op": "date_parse", "format": "%d/%m/%Y"}]},
        {"target": "gender", "source": "code",
         "ops": [{"op": "map_dict", "mapping": {"M": "male", "F": "female"}, "default": "null"}]},
        {"target": "unit_price", "source": "price",
         "ops": [{"op": "safe_math", "fn": "div", "operand": {"column": "units"}},
                 {"op": "safe_math", "fn": "round", "digits": 2}]},
        {"target": "label", "source": "code",
         "ops": [{"op": "concat", "parts": [{"literal": "-"}, {"column": "qty"}]}]},
    ],
}  # fmt: skip
OPERATIONS = sum(len(p["ops"]) for p in PLAN["pipelines"])  # type: ignore[arg-type]


def frame(rows: int) -> pl.DataFrame:
    index = pl.int_range(rows, eager=True)
    return pl.DataFrame(
        {
            "name": ("  jane   " + (index % 97).cast(pl.String) + "  doe\t"),
            "phone": ("(" + (100 + index % 900).cast(pl.String) + ") 555-0" + (index % 10).cast(pl.String)),
            "email": ("user" + index.cast(pl.String) + "@mail" + (index % 7).cast(pl.String) + ".example.org"),
            "qty": pl.Series([str(i % 50) if i % 13 else "n/a" for i in range(rows)]),
            "weight": (index % 1000).cast(pl.Float64) / 7.0,
            "temp": (index % 80).cast(pl.Float64) - 20.0,
            "day": pl.Series([f"{1 + i % 31:02d}/{1 + i % 12:02d}/{1990 + i % 30}" for i in range(rows)]),
            "code": pl.Series(["M", "F", "X", ""][i % 4] for i in range(rows)),
            "price": (index % 5000).cast(pl.Float64) / 3.0,
            "units": (index % 6).cast(pl.Int64),
        }
    )


# --- by hand ---------------------------------------------------------------------------------------------------

IN_RANGE_MAX, IN_RANGE_MIN = 1e150, 1e-150


def in_range(x: pl.Expr) -> pl.Expr:
    return (x.abs() <= IN_RANGE_MAX) & ((x == 0.0) | (x.abs() >= IN_RANGE_MIN))


def failed(before: pl.Expr, after: pl.Expr, code: str) -> pl.Expr:
    return pl.when(before.is_not_null() & after.is_null()).then(pl.lit(code))


def by_hand_polars(df: pl.DataFrame) -> pl.DataFrame:
    """What a person writes for the same outputs: one expression per output, the reasons beside."""
    lower, upper = list("abcdefghijklmnopqrstuvwxyz"), list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    area = pl.col("phone").str.extract(r"\(([0-9]{3})\)", 1)
    domain = pl.col("email").str.extract(r"@([0-9a-z.-]+)", 1)
    qty = pl.when(pl.col("qty").str.contains(r"^[+-]?[0-9]{1,18}$")).then(pl.col("qty").cast(pl.Int64, strict=False))
    weight = pl.when(in_range(pl.col("weight"))).then(pl.col("weight") * 2.20462262184878)
    temp = pl.when(in_range(pl.col("temp"))).then(pl.col("temp") * 1.8 + 32.0)
    guard = r"^(?:0[1-9]|[12][0-9]|3[01])/(?:0[1-9]|1[0-2])/(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$"
    day = pl.when(pl.col("day").str.contains(guard)).then(
        pl.col("day").str.strptime(pl.Date, "%d/%m/%Y", strict=False, exact=True)
    )
    gender = pl.col("code").replace_strict(["M", "F"], ["male", "female"], default=None, return_dtype=pl.String)
    units = pl.col("units").cast(pl.Float64)
    quotient = pl.when(in_range(pl.col("price")) & in_range(units) & (units != 0.0)).then(pl.col("price") / units)
    rounded = pl.when(in_range(quotient)).then((quotient * 100.0 + 0.5).floor() / (quotient * 0.0 + 100.0))
    return df.select(
        pl.col("name").str.strip_chars(" \t\n\r").str.replace_many(lower, upper).str.replace_all(r"[\t\n\r ]+", " ")
        .alias("name_clean"),
        pl.lit(None, pl.String).alias("name_clean__reason"),
        area.alias("area"), failed(pl.col("phone"), area, "ops[0]:regex_extract").alias("area__reason"),
        domain.alias("domain"), failed(pl.col("email"), domain, "ops[0]:regex_extract").alias("domain__reason"),
        qty.alias("qty_n"), failed(pl.col("qty"), qty, "ops[0]:type_cast").alias("qty_n__reason"),
        weight.alias("weight_lb"), failed(pl.col("weight"), weight, "ops[0]:unit_convert").alias("weight_lb__reason"),
        temp.alias("temp_f"), failed(pl.col("temp"), temp, "ops[0]:unit_convert").alias("temp_f__reason"),
        day.alias("day_d"), failed(pl.col("day"), day, "ops[0]:date_parse").alias("day_d__reason"),
        gender.alias("gender"), failed(pl.col("code"), gender, "ops[0]:map_dict").alias("gender__reason"),
        rounded.alias("unit_price"),
        pl.coalesce(
            failed(pl.col("price"), quotient, "ops[0]:safe_math"), failed(quotient, rounded, "ops[1]:safe_math")
        ).alias("unit_price__reason"),
        pl.concat_str([pl.col("code"), pl.lit("-"), pl.col("qty")], ignore_nulls=True).alias("label"),
        pl.lit(None, pl.String).alias("label__reason"),
    )  # fmt: skip


BY_HAND_SQL = r"""
SELECT
  regexp_replace(translate(btrim(name, ' ' || chr(9) || chr(10) || chr(13)), 'abcdefghijklmnopqrstuvwxyz',
                 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '[\t\n\r ]+', ' ', 'g') AS name_clean,
  NULL::text AS name_clean__reason,
  area, CASE WHEN phone IS NOT NULL AND area IS NULL THEN 'ops[0]:regex_extract' END AS area__reason,
  domain, CASE WHEN email IS NOT NULL AND domain IS NULL THEN 'ops[0]:regex_extract' END AS domain__reason,
  qty_n, CASE WHEN qty IS NOT NULL AND qty_n IS NULL THEN 'ops[0]:type_cast' END AS qty_n__reason,
  weight_lb, CASE WHEN weight IS NOT NULL AND weight_lb IS NULL THEN 'ops[0]:unit_convert' END AS weight_lb__reason,
  temp_f, CASE WHEN temp IS NOT NULL AND temp_f IS NULL THEN 'ops[0]:unit_convert' END AS temp_f__reason,
  day_d, CASE WHEN day IS NOT NULL AND day_d IS NULL THEN 'ops[0]:date_parse' END AS day_d__reason,
  gender, CASE WHEN code IS NOT NULL AND gender IS NULL THEN 'ops[0]:map_dict' END AS gender__reason,
  unit_price,
  CASE WHEN price IS NOT NULL AND quotient IS NULL THEN 'ops[0]:safe_math'
       WHEN quotient IS NOT NULL AND unit_price IS NULL THEN 'ops[1]:safe_math' END AS unit_price__reason,
  concat_ws('', code, '-', qty) AS label, NULL::text AS label__reason
FROM (
  SELECT *, CASE WHEN abs(quotient) <= 1e150 AND (quotient = 0 OR abs(quotient) >= 1e-150)
                 THEN floor(quotient * 100.0 + 0.5) / 100.0 END AS unit_price
  FROM (
    SELECT name, phone, email, qty, weight, temp, day, code, price,
      (regexp_match(phone, '\(([0-9]{3})\)'))[1] AS area,
      (regexp_match(email, '@([0-9a-z.-]+)'))[1] AS domain,
      CASE WHEN qty ~ '^[+-]?[0-9]{1,18}$' THEN qty::bigint END AS qty_n,
      CASE WHEN abs(weight) <= 1e150 AND (weight = 0 OR abs(weight) >= 1e-150) THEN weight * 2.20462262184878 END
        AS weight_lb,
      CASE WHEN abs(temp) <= 1e150 AND (temp = 0 OR abs(temp) >= 1e-150) THEN temp * 1.8 + 32.0 END AS temp_f,
      CASE WHEN day ~ '^(?:0[1-9]|[12][0-9]|3[01])/(?:0[1-9]|1[0-2])/'
                      '(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$'
           THEN CASE WHEN substr(day, 1, 2)::int <= 28
                       OR substr(day, 1, 2)::int <= CASE WHEN substr(day, 4, 2)::int IN (4, 6, 9, 11) THEN 30
                            WHEN substr(day, 4, 2)::int = 2 THEN CASE WHEN (substr(day, 7, 4)::int % 4 = 0
                              AND substr(day, 7, 4)::int % 100 <> 0) OR substr(day, 7, 4)::int % 400 = 0
                              THEN 29 ELSE 28 END ELSE 31 END
                THEN make_date(substr(day, 7, 4)::int, substr(day, 4, 2)::int, substr(day, 1, 2)::int) END END
        AS day_d,
      ('{"F": "female", "M": "male"}'::jsonb ->> code) AS gender,
      CASE WHEN abs(price) <= 1e150 AND (price = 0 OR abs(price) >= 1e-150) AND units <> 0 THEN price / units END
        AS quotient
    FROM source
    OFFSET 0
  ) AS computed
  OFFSET 0
) AS rounded
"""


def ratio_row(name: str, generated: list[float], by_hand: list[float], rows: int, note: str) -> dict[str, Any]:
    ratio = statistics.median(by_hand) / statistics.median(generated)  # throughput ratio: generated / hand written
    return {
        "name": name,
        "value": ratio,
        "unit": "x",
        "target": f">= {TARGET}x",
        "met": ratio >= TARGET,
        "note": f"{note}; medians of {RUNS}: DSL {statistics.median(generated):.3f} s "
        f"({rows / statistics.median(generated):,.0f} rows/s), by hand {statistics.median(by_hand):.3f} s "
        f"({rows / statistics.median(by_hand):,.0f} rows/s)",
    }


def bench_polars() -> dict[str, Any]:
    plan = parse_plan(PLAN, SCHEMA)
    df = frame(ROWS)
    generated, by_hand = apply_polars(plan, df), by_hand_polars(df)
    assert generated.equals(by_hand), "the DSL and the hand-written Polars disagree"
    times: dict[str, list[float]] = {"dsl": [], "hand": []}
    for _ in range(RUNS):
        for side, run in (("dsl", lambda: apply_polars(plan, df)), ("hand", lambda: by_hand_polars(df))):
            started = time.perf_counter()
            run()
            times[side].append(time.perf_counter() - started)
    return ratio_row(
        f"DSL compiled to Polars vs by hand ({ROWS:,} x {len(SCHEMA)} cols x {OPERATIONS} ops)",
        times["dsl"],
        times["hand"],
        ROWS,
        "same values and reasons checked equal",
    )


def bench_postgres(dsn: str) -> dict[str, Any]:
    import psycopg2

    plan = parse_plan(PLAN, SCHEMA)
    df = frame(PG_ROWS)
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    try:
        cursor.execute("DROP SCHEMA IF EXISTS bench_dsl CASCADE; CREATE SCHEMA bench_dsl; SET search_path TO bench_dsl")
        types = {"string": "text", "float": "double precision", "integer": "bigint"}
        cursor.execute("CREATE TABLE source (" + ", ".join(f"{n} {types[t]}" for n, t in SCHEMA.items()) + ")")
        import io

        buffer = io.StringIO()
        df.write_csv(buffer, include_header=False)
        buffer.seek(0)
        cursor.copy_expert("COPY source FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute("ANALYZE source")
        generated_sql = compile_sql(plan, "postgres", "source")
        # Both queries are this file's (the plan is a constant), nothing from outside.
        cursor.execute(f"SELECT count(*) FROM (({generated_sql}) EXCEPT ALL ({BY_HAND_SQL})) AS d")  # noqa: S608
        assert cursor.fetchone() == (0,), "the DSL's SQL and the hand-written SQL disagree"
        times: dict[str, list[float]] = {"dsl": [], "hand": []}
        for _ in range(RUNS):
            for side, sql in (("dsl", generated_sql), ("hand", BY_HAND_SQL)):
                cursor.execute("DROP TABLE IF EXISTS out")
                started = time.perf_counter()
                cursor.execute(f"CREATE TEMP TABLE out AS {sql}")
                times[side].append(time.perf_counter() - started)
    finally:
        cursor.execute("DROP SCHEMA IF EXISTS bench_dsl CASCADE")
        connection.close()
    return ratio_row(
        f"DSL compiled to SQL on PostgreSQL vs by hand ({PG_ROWS:,} rows)",
        times["dsl"],
        times["hand"],
        PG_ROWS,
        "same rows checked (EXCEPT ALL)",
    )


def rows() -> list[dict[str, Any]]:
    results = [bench_polars()]
    dsn = os.environ.get("BENCH_EXAMPLES_DSN")
    if dsn:
        results.append(bench_postgres(dsn))
    return results


if __name__ == "__main__":
    measured = rows()
    for row in measured:
        print(f"{row['name']}: {row['value']:.3f}x ({row['note']})")
    print(json.dumps(measured))
