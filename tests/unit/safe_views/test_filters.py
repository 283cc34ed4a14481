"""The row filter of an AI-safe view: what it accepts (and the SQL it becomes), what it refuses and where.

Every refused filter is checked for its code, its 0-based position and its fragment; every accepted one is also run
on DuckDB against a table of the same columns, so that what is accepted is SQL an engine reads.
"""

from __future__ import annotations

import duckdb
import pytest

from superset_review.extension.errors import ErrorCode
from superset_review.safe_views.filters import MAX_DEPTH, RowFilterError, filter_sql, parse_row_filter
from tests.unit.safe_views.cases import ACCEPTED, COLUMNS

HINT = "use comparisons, AND/OR/NOT, IN"
DEEP = "(" * 200 + "id = 1" + ")" * 200
LONG = "id = 1 OR " * 500
NOTS = "NOT " * 100 + "id = 1"
CALLS = "lower(" * 30 + "name" + ")" * 30 + " = 'a'"
PLUSES = "id = 1" + " + 1" * 100

REFUSED = [
    # (filter, position, fragment, words of the message)
    ("1=1; DROP TABLE x", 3, "; DROP TABLE x", "a second statement"),
    ("id = 1 -- c", 7, "-- c", "a comment"),
    ("id = 1 /* c */", 7, "/* c */", "a comment"),
    ("/* c */ id = 1", 0, "/* c */ id = 1", "a comment"),
    ("id IN (SELECT id FROM t)", 7, "SELECT id FROM t)", "a subquery"),
    ("id = (SELECT 1)", 6, "SELECT 1)", "a subquery"),
    ("EXISTS (SELECT 1)", 0, "EXISTS (SELECT 1)", "a subquery"),
    ("id = 1 UNION SELECT 1", 7, "UNION SELECT 1", "a subquery"),
    ("id IN (VALUES (1))", 7, "VALUES (1))", "a subquery"),
    ("other.col = 1", 0, "other.col = 1", "a qualified name (another table)"),
    ("id = t.5", 5, "t.5", "a qualified name (another table)"),
    ("id = (t).x", 8, ".x", "a qualified name (another table)"),
    ("id = 1 AND public.t.id = 1", 11, "public.t.id = 1", "a qualified name (another table)"),
    ("pg_sleep(10) = 1", 0, "pg_sleep(10) = 1", "the function pg_sleep"),
    ("version() = 'x'", 0, "version() = 'x'", "the function version"),
    ("id = ANY(ARRAY[1])", 5, "ANY(ARRAY[1])", "ANY"),
    ("{{ 7*7 }}", 0, "{{ 7*7 }}", "a template (Jinja)"),
    ("id = {{ user }}", 5, "{{ user }}", "a template (Jinja)"),
    ("id = 1 {# a #} OR {{ x }}", 7, "{# a #} OR {{ x }}", "a template (Jinja)"),  # the first marker
    ("{% if 1 %}id = 1{% endif %}", 0, "{% if 1 %}id = 1{% endif %}", "a template (Jinja)"),
    ("id", 0, "id", "not a condition"),
    ("1", 0, "1", "not a condition"),
    ("TRUE", 0, "TRUE", "not a condition"),
    ("id = 1 AND 5", 11, "5", "not a condition, as an operand of AND"),
    ("count(*) > 1", 0, "count(*) > 1", "an aggregate function (count)"),
    ("sum(id) OVER () > 1", 8, "OVER () > 1", "a window function"),
    ("zz = 1", 0, "zz", "the column 'zz', which the base dataset does not have"),
    ('"ID" = 1', 0, '"ID"', "the column 'ID'"),  # quoted: the exact name only
    ("id = $1", 5, "$1", "a parameter"),
    ("id = :x", 5, ":x", "a parameter"),
    ("id = ?", 5, "?", "a parameter"),
    ("name || 'a' = 'b'", 5, "|| 'a' = 'b'", "string concatenation"),
    ("id\u202e = 1", 2, "\u202e = 1", "U+202E"),  # a bidirectional override (Trojan Source)
    ("id\u200b = 1", 2, "\u200b = 1", "U+200B"),  # a zero-width space
    ("id = 1\x00", 6, "\x00", "U+0000"),
    ("id = 1\u00a0", 6, "\u00a0", "U+00A0"),
    ("id\uff1b= 1", 0, "id\uff1b", "the column 'id\uff1b'"),  # a fullwidth semicolon is no statement separator
    (DEEP, MAX_DEPTH, DEEP[MAX_DEPTH : MAX_DEPTH + 60], "nesting deeper than 20 levels"),
    (CALLS, 6 * (MAX_DEPTH + 1) - 1, CALLS[6 * (MAX_DEPTH + 1) - 1 :], "nesting deeper than 20 levels"),
    (PLUSES, 153, "1", "an expression nested deeper than 64 operations"),  # the first operand found too deep
    (NOTS, 0, NOTS[:60], "an expression nested deeper than 64 operations"),
    ("x" * 5000, 4000, "x" * 60, "longer than 4000 characters"),
    (LONG, 4000, LONG[4000:4060], "longer than 4000 characters"),
    ("id = 'abc", 5, "'abc", "an unterminated string"),
    ("id = 1 b", 7, "b", "does not read as SQL"),
    ("CAST(id AS INT[]) = 1", 0, "CAST(id AS INT[]) = 1", "a cast to this type"),
    ("", 0, "", "an empty filter"),
    ("   ", 0, "   ", "an empty filter"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_accepted_filter_is_sql_of_the_base_columns(text: str, expected: str) -> None:
    assert filter_sql(text, COLUMNS, "postgresql") == expected


@pytest.fixture(scope="module")
def people() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE people (id BIGINT, name VARCHAR, email VARCHAR, created_at TIMESTAMP, birth_date DATE, "
        '"Amount" DECIMAL(10,2), active BOOLEAN, score DOUBLE, "region code" VARCHAR)'
    )
    connection.execute(
        "INSERT INTO people VALUES (1, 'bob', 'bob@example.com', now(), DATE '1990-02-03', 5, TRUE, 0.5, 'EU'), "
        "(2, 'O''Brien', NULL, TIMESTAMP '2020-01-01', DATE '2001-01-01', 1.25, FALSE, -2, 'US')"
    )
    return connection


@pytest.mark.parametrize(("text", "_expected"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_accepted_filter_runs_on_duckdb(people: duckdb.DuckDBPyConnection, text: str, _expected: str) -> None:
    where = filter_sql(text, COLUMNS, "duckdb")
    rows = people.execute(f"SELECT id FROM people WHERE {where}").fetchall()
    assert {row[0] for row in rows} <= {1, 2}


@pytest.mark.parametrize(("text", "position", "fragment", "words"), REFUSED, ids=[t[:40] for t, *_ in REFUSED])
def test_refused_filter_says_where_and_what(text: str, position: int, fragment: str, words: str) -> None:
    with pytest.raises(RowFilterError) as raised:
        parse_row_filter(text, COLUMNS, "postgresql")
    error = raised.value
    assert error.code == ErrorCode.BAD_ROW_FILTER
    assert error.status == 422
    assert (error.position, error.fragment) == (position, fragment[:60])
    assert error.details == {"field": "row_filter", "position": position, "fragment": fragment[:60]}
    assert words in error.message
    assert error.message.startswith("row_filter: ")
    assert f"at position {position} " in error.message


def test_refusal_hint_lists_what_is_allowed() -> None:
    with pytest.raises(RowFilterError) as raised:
        parse_row_filter("pg_sleep(10) = 1", COLUMNS, "postgresql")
    assert HINT in raised.value.message
    assert "lower, upper, trim" in raised.value.message


def test_unknown_column_lists_known_ones() -> None:
    with pytest.raises(RowFilterError) as raised:
        parse_row_filter("salary > 1", COLUMNS, "postgresql")
    assert "use one of its columns: Amount, active, birth_date" in raised.value.message


def test_a_name_two_columns_share_whatever_the_case_must_be_quoted() -> None:
    columns = {"code": "TEXT", "CODE": "TEXT"}
    assert filter_sql("code = 'a'", columns, "postgres") == "\"code\" = 'a'"  # the exact name first
    assert filter_sql("\"CODE\" = 'a'", columns, "postgres") == "\"CODE\" = 'a'"
    with pytest.raises(RowFilterError) as raised:
        parse_row_filter("Code = 'a'", columns, "postgres")
    assert raised.value.fragment == "Code"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", '"created_at" > CURRENT_TIMESTAMP AND "name" ILIKE \'a%\''),
        ("duckdb", '"created_at" > CURRENT_TIMESTAMP AND "name" ILIKE \'a%\''),
        ("sqlite", '"created_at" > CURRENT_TIMESTAMP AND LOWER("name") LIKE LOWER(\'a%\')'),
    ],
)
def test_filter_is_written_for_the_dialect(dialect: str, expected: str) -> None:
    assert filter_sql("created_at > now() AND name ILIKE 'a%'", COLUMNS, dialect) == expected


def test_a_long_flat_chain_of_conditions_is_not_nesting() -> None:
    text = " OR ".join(f"id = {n}" for n in range(300))
    assert filter_sql(text, COLUMNS, "postgres").count(" OR ") == 299


def test_checks_stay_linear_in_the_filters_length() -> None:
    """Four times the text costs about four times the time (best of three each; quadratic would be sixteen)."""
    import time

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            parse_row_filter(text, COLUMNS, "postgres")
            times.append(time.perf_counter() - started)
        return min(times)

    def chain(count: int) -> str:
        return " OR ".join(f"(name = 'n{n}' AND id IN ({n}, {n + 1}))" for n in range(count))

    short, long = chain(25), chain(100)
    assert len(long) < 4000
    assert best(long) / best(short) < 8


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("id = 1\nAND zz = 2", 11, "zz"),
        ("id = 1\r\nOR\r\n  other.x = 1", 14, "other.x = 1"),
        ("id = 1\nAND\n(name = 'a' b)", 23, "b"),  # an alias
        ("name = 'x'\n-- drop", 11, "-- drop"),
        ("id = 1\nOR \u0456d = 2", 10, "\u0456d"),  # a Cyrillic i: another name, not the column id
    ],
)
def test_positions_count_characters_across_lines(text: str, position: int, fragment: str) -> None:
    with pytest.raises(RowFilterError) as raised:
        parse_row_filter(text, COLUMNS, "postgresql")
    assert (raised.value.position, raised.value.fragment) == (position, fragment)
    assert text[position:].startswith(fragment)
