"""Feature flags switched for one block of a test, through Superset's own flag manager."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def flag_off(flag: str) -> Iterator[None]:
    from superset.extensions import feature_flag_manager

    flags = feature_flag_manager._feature_flags
    flags[flag] = False
    try:
        yield
    finally:
        flags[flag] = True
