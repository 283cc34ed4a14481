"""The fixture cases of ``fixtures/*.yaml`` (sqlglot's style: title, schema, plan, rows, SQL, expected rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[dict[str, Any]] = [
    case for path in sorted(FIXTURES.glob("*.yaml")) for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]
IDS = [case["title"][:80] for case in CASES]
