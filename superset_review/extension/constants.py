"""Names shared by the wiring: the view menu that carries every permission, the feature flags, the menus."""

from typing import Final

VIEW_MENU: Final = "DatasetReview"
API_ROUTE_BASE: Final = "/api/v1/dataset_review"

# Permission names without FAB's "can_" prefix, as used in ``method_permission_name``.
READ: Final = "read"
MANAGE: Final = "manage"
APPROVE: Final = "approve"
PREVIEW: Final = "preview"
LAUNCH: Final = "launch"
LAUNCH_PROD: Final = "launch_prod"
MIGRATE: Final = "migrate"
ADMIN: Final = "admin"
CURATE: Final = "curate"  # stage-to-live of the domain catalog: promote, discard others' deltas, read the audit
PERMISSIONS: Final = (READ, MANAGE, APPROVE, PREVIEW, LAUNCH, LAUNCH_PROD, MIGRATE, ADMIN, CURATE)

FLAG_EXTENSION: Final = "DATASET_REVIEW"
FLAG_CLARIFICATION: Final = "DATASET_REVIEW_CLARIFICATION"
FLAG_EXECUTION: Final = "DATASET_REVIEW_EXECUTION"
FEATURE_FLAG_DEFAULTS: Final = {FLAG_EXTENSION: True, FLAG_CLARIFICATION: True, FLAG_EXECUTION: True}

MENU_CATEGORY: Final = "Dataset Review"
MENU_WORKSPACE: Final = "Review Workspace"
MENU_ONBOARDING: Final = "Onboarding"
MENU_NAMES: Final = (MENU_CATEGORY, MENU_WORKSPACE, MENU_ONBOARDING)

CELERY_TASK_MODULES: Final = ("superset_review.tasks",)
