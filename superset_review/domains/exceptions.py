"""The domain catalog's errors: each a code of the taxonomy (superset_review.extension.errors) and a message that
says what to do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from superset_review.domains.catalog import CatalogError, Problem
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text


def problems_json(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [{"line": p.line, "field": p.field, "message": p.message} for p in problems]


class DomainCatalogError(ReviewError):
    code = ErrorCode.CATALOG_INVALID


class CatalogRefusedError(DomainCatalogError):
    """A catalog file refused whole: every problem with its line and field; the live catalog is untouched."""

    def __init__(self, error: CatalogError) -> None:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        super().__init__(
            Text("%(source)s: catalog refused, the live catalog is unchanged: %(problems)s", source=error.source,
                 problems=shown),
            details={"problems": problems_json(error.problems)},
        )  # fmt: skip


class BadDeltaError(DomainCatalogError):
    code = ErrorCode.BAD_DELTA

    def __init__(self, error: CatalogError) -> None:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        super().__init__(
            Text("the change was not staged: %(problems)s", problems=shown),
            details={"problems": problems_json(error.problems)},
        )


class CatalogChangedError(DomainCatalogError):
    code = ErrorCode.CATALOG_CHANGED

    def __init__(self, expected: int | None, current: int | None) -> None:
        message = (
            Text("the live catalog changed (you expected version %(expected)s, it is now %(current)s): reload it, "
                 "test the staged changes again and retry", expected=expected, current=current)
            if expected is not None
            else Text("the live catalog changed meanwhile (it is now version %(current)s): retry", current=current)
        )  # fmt: skip
        super().__init__(message, details={"expected_version": expected, "current_version": current})


class CatalogTestFailedError(DomainCatalogError):
    code = ErrorCode.CATALOG_TEST_FAILED

    def __init__(self, failures: Mapping[str, list[dict[str, Any]]], deltas: Mapping[str, dict[str, Any]]) -> None:
        refused = sorted(key for key, result in deltas.items() if not result.get("applies", True))
        said = [f"{name} ({', '.join(sorted({f['header'] for f in found}))[:120]})" for name, found in failures.items()]
        super().__init__(
            Text("the staged catalog failed its auto-test, nothing was promoted: failing domains %(domains)s; deltas "
                 "that no longer apply %(refused)s. Fix or discard them and test again.",
                 domains=", ".join(said[:10]) or "-", refused=", ".join(refused[:10]) or "-"),
            details={"failures": dict(failures), "deltas": dict(deltas)},
        )  # fmt: skip


class NothingStagedError(DomainCatalogError):
    code = ErrorCode.NOTHING_STAGED

    def __init__(self) -> None:
        super().__init__(Text("no change is staged: stage a delta first (POST /deltas)"))


class DeltaNotFoundError(DomainCatalogError):
    code = ErrorCode.DELTA_NOT_FOUND

    def __init__(self, delta: str) -> None:
        super().__init__(Text("staged delta %(delta)s does not exist", delta=delta[:40]))


class DeltaNotStagedError(DomainCatalogError):
    code = ErrorCode.DELTA_NOT_STAGED

    def __init__(self, delta: str, state: str) -> None:
        super().__init__(Text("delta %(delta)s is %(state)s, not staged: it can no longer change", delta=delta,
                              state=state))  # fmt: skip


class CurateRequiredError(DomainCatalogError):
    code = ErrorCode.CURATE_REQUIRED

    def __init__(self, action: str) -> None:
        super().__init__(
            Text("%(action)s needs the permission can_curate on DatasetReview (ask an admin)", action=action)
        )
