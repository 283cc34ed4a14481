"""Which row values domaining's LLM step may put in its prompt, under ``REVIEW_LLM_DATA_SCOPE``.

``datasets``: the dataset's own masked snippets (the classifier's evidence), with the dataset as the source.
``ai_safe_views``: when the dataset has a usable AI-safe view, the values come from the view, read through its
Superset dataset as the user (only the view's columns, redacted by the view's SQL; a column the view leaves out
gets its header and type only), with the view as the source. With no usable view, the dataset's snippets are
offered with the dataset as the source, which the policy refuses (``POLICY_BLOCK`` in the ledger, saying what to
do); the step then asks with metadata only (``borderline.settle_borderline``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from superset.utils.decorators import transaction

from superset_review.domains.borderline import Samples, evidence_samples
from superset_review.domains.classify import ColumnDomain
from superset_review.domains.domaining import SNIPPET_CHARS, SNIPPETS, read_sample
from superset_review.extension.transaction import reraise_as_is
from superset_review.policy.manifest import PolicyManifest
from superset_review.policy.scope import DataScope, DataSource

if TYPE_CHECKING:
    import polars as pl

logger = logging.getLogger(__name__)


def borderline_samples(
    dataset: Any, results: Sequence[ColumnDomain], frame: pl.DataFrame | None, scope: str, policy: PolicyManifest
) -> Samples | None:
    """The samples of the borderline prompt, or None when nothing was read (``metadata_only``)."""
    if frame is None:
        return None
    own = Samples(DataSource.dataset(int(dataset.id)), evidence_samples(results))
    if DataScope(scope) is DataScope.DATASETS:
        return own
    found = _usable_view(int(dataset.id))
    if found is None:
        return own
    view_id, view_dataset_id = found
    from superset_review.adapters.datasets import (
        DatasetAccessError,
        DatasetNotFoundError,
        DatasetQueryError,
        get_dataset,
    )

    try:
        rows = read_sample(get_dataset(view_dataset_id), policy)
    except (DatasetAccessError, DatasetNotFoundError, DatasetQueryError) as ex:
        logger.info("AI-safe view %s of dataset %s could not be read: %s", view_id, dataset.id, ex)
        return own
    return Samples(DataSource.safe_view(view_id, int(dataset.id)), view_snippets(rows))


@transaction(on_error=reraise_as_is)
def _usable_view(dataset_id: int) -> tuple[int, int] | None:
    """The newest usable view of the dataset (id, its Superset dataset); a view found drifted is marked stale and
    that is committed here, in its own unit of work (nothing else is written before the LLM call)."""
    from superset_review.safe_views.access import usable_view_of

    view = usable_view_of(dataset_id)
    if view is None or view.dataset_id is None:
        return None
    return int(view.id), int(view.dataset_id)


def view_snippets(frame: pl.DataFrame | None) -> dict[str, list[str]]:
    """A few distinct values of each of the view's columns, as the view returns them (redacted by its SQL)."""
    import polars as pl

    if frame is None:
        return {}
    snippets: dict[str, list[str]] = {}
    for name in frame.columns:
        values = frame.get_column(name).drop_nulls().cast(pl.String, strict=False).drop_nulls()
        values = values.filter(values.str.strip_chars() != "").unique(maintain_order=True).head(SNIPPETS)
        snippets[name] = [str(value)[:SNIPPET_CHARS] for value in values.to_list()]
    return snippets
