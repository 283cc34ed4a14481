"""Values stay data: only literals may differ between the real and the inert compilation."""

from __future__ import annotations

import pytest

from superset_review.execution.structure import same_shape

INERT = "SELECT * FROM t WHERE s >= 0 AND d = 'x' AND c IN ('x', 'x')"


@pytest.mark.parametrize(
    ("real", "same"),
    [
        ("SELECT * FROM t WHERE s >= 5000 AND d = 'Large' AND c IN ('FR', 'US')", True),
        ("SELECT * FROM t WHERE s >= 0 AND d = 'x'' OR ''1''=''1' AND c IN ('a', 'b')", True),
        ("SELECT * FROM t WHERE s >= 0 OR 1=1 AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= total AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= 0; DROP TABLE t; SELECT 1 AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= 0 AND d = 'x' AND c IN ('x', 'x') --", True),
    ],
)
def test_shapes(real: str, same: bool) -> None:
    check = same_shape(real, INERT, "postgresql")
    assert check.same is same and check.verified


def test_unreadable_template_sql_is_not_verified() -> None:
    check = same_shape("SELECT (", "SELECT (", "postgresql")
    assert check.same and not check.verified and "sqlglot" in (check.detail or "")
