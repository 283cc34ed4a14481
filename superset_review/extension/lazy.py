"""A module imported on its first attribute access.

Polars is a large import, and the catalog, the classifier and the PII code it serves are imported by the API
modules Superset loads in every web worker's start (test_startup holds this). A module-level proxy keeps their
code reading ``pl.col(...)`` while the import happens at the first real use.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)
