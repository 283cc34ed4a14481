"""A wrong REVIEW_* value in superset_config.py stops Superset's own startup with one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_wrong_value_in_superset_config_stops_create_app(tmp_path: Path, service_env: dict[str, str]) -> None:
    config = tmp_path / "superset_config.py"
    reference = Path(__file__).resolve().parents[1] / "superset_test_config.py"
    config.write_text(
        reference.read_text().replace(
            'Path(__file__).resolve().parents[1] / "superset_config.py"',
            repr(str(Path(__file__).resolve().parents[2] / "superset_config.py")),
        )
        + "\nREVIEW_WORKER_CONCURRENCY = 100\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "from superset.app import create_app; create_app()"],
        env={**os.environ, **service_env, "SUPERSET_CONFIG_PATH": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "superset-review: REVIEW_WORKER_CONCURRENCY must be an integer from 1 to 32 (got 100)"
    )
    assert "Traceback" not in result.stderr


def test_create_app_leaves_heavy_libraries_for_first_use(service_env: dict[str, str]) -> None:
    """Polars, litellm, openpyxl and the pandas-free PII code load on first use, not in every web worker's start; the
    extension's MCP adapter only in the MCP process (Superset itself imports fastmcp at start-up, for its own
    ``superset_core.mcp`` injection)."""
    code = (
        "import sys; from superset.app import create_app; create_app(); "
        "print(sorted(m for m in ('polars', 'litellm', 'openpyxl', 'superset_review.adapters.mcp') if m in sys.modules))"
    )
    config = Path(__file__).resolve().parents[1] / "superset_test_config.py"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **service_env, "SUPERSET_CONFIG_PATH": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
