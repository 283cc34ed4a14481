"""Where the live server of this test session writes its log (set by the ``live_server`` fixture), so that a helper
such as ``log_in`` can quote it when something fails."""

from __future__ import annotations

from pathlib import Path

WEB_LOG: list[Path] = []
