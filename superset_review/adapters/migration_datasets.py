"""The Superset dataset a migration promotes into, refreshed through Superset's own ``RefreshDatasetCommand`` as the
current user (an owner of the dataset, or an admin): its columns are read again from the final table, and what the
dataset already says of them (verbose names, descriptions, the domains written back in ``extra``) stays, as
Superset's refresh keeps the metadata of a column that is still there. Called inside the promotion's unit of work:
Superset's nested ``@transaction`` commits with it."""

from __future__ import annotations

from superset.commands.exceptions import CommandException

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text


def refresh_target_dataset(dataset_id: int) -> int:
    """Refresh dataset ``dataset_id`` from its table; its id. 403 when the user may not change it, 404 when it is
    gone."""
    from superset.commands.dataset.exceptions import DatasetForbiddenError, DatasetNotFoundError
    from superset.commands.dataset.refresh import RefreshDatasetCommand

    try:
        dataset = RefreshDatasetCommand(dataset_id).run()
    except DatasetNotFoundError as error:
        raise ReviewError(
            Text("the target dataset %(dataset)s no longer exists", dataset=dataset_id), ErrorCode.DATASET_NOT_FOUND
        ) from error
    except DatasetForbiddenError as error:
        raise ReviewError(
            Text("you may not change dataset %(dataset)s, the migration's target", dataset=dataset_id),
            ErrorCode.TARGET_FORBIDDEN,
        ) from error
    except CommandException as error:
        raise ReviewError(
            Text("Superset could not refresh dataset %(dataset)s: %(error)s", dataset=dataset_id,
                 error=str(error.message)[:300]),
            ErrorCode.DATABASE_UNAVAILABLE,
        ) from error  # fmt: skip
    return int(dataset.id)
