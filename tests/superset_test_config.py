"""The reference superset_config.py, plus what a test app needs (CSRF off, testing mode)."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "superset_review_reference_config", Path(__file__).resolve().parents[1] / "superset_config.py"
)
assert _spec is not None and _spec.loader is not None
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)
globals().update({name: getattr(_reference, name) for name in dir(_reference) if name.isupper()})

TESTING = True
WTF_CSRF_ENABLED = False
PREVENT_UNSAFE_DB_CONNECTIONS = False
TALISMAN_ENABLED = False
