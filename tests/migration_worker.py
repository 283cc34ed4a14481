"""A migration worker as a plain process, for the drills: ``python -m tests.migration_worker CONFIG_JSON``.

CONFIG is ``{"run_id", "database_uri", "source": {"parquet": path} | {"table": name, "schema": s}, "final_table",
"batch_size", "strategy", "validations", "worker_id", "slow_chunk": int | null, "slow_seconds": float,
"marker": path | null, "commit_delay": float}``. Each committed chunk prints ``CHUNK <id> <unix time>``; the end
prints ``SUMMARY <json>``. The test hook: ``slow_chunk``'s transaction writes ``marker`` once its rows are written
and then sleeps ``slow_seconds`` before it commits (where the drills kill it); ``commit_delay`` sleeps before every
commit (so that two workers overlap).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine

from superset_review.migration.engine import FileSource, MigrationSpec, TableSource, Target, run_chunks
from tests import migration_engine as m


def main(config: dict[str, object]) -> int:
    engine = create_engine(str(config["database_uri"]))
    source_config = config["source"]
    assert isinstance(source_config, dict)
    source: FileSource | TableSource
    if "parquet" in source_config:
        source = FileSource(Path(source_config["parquet"]), "parquet")
    else:
        source = TableSource(engine, source_config.get("schema", "public"), source_config["table"])
    spec = MigrationSpec(
        run_id=str(config["run_id"]),
        source=source,
        target=Target(engine, "staging_area", str(config["final_table"])),
        plan=m.plan(),
        key_columns=("id",),
        batch_size=int(config["batch_size"]),  # type: ignore[call-overload]
        validations=tuple(config.get("validations", ("row_count", "checksum"))),  # type: ignore[arg-type]
        strategy=str(config.get("strategy", "etl")),  # type: ignore[arg-type]
    )
    slow_chunk = config.get("slow_chunk")
    marker = config.get("marker")

    def before_commit(chunk_id: int) -> None:  # the test hook
        if chunk_id == slow_chunk and marker:
            Path(str(marker)).write_text(str(chunk_id))
            time.sleep(float(config.get("slow_seconds", 60)))  # type: ignore[arg-type]
        time.sleep(float(config.get("commit_delay", 0)))  # type: ignore[arg-type]

    def progress(result: object) -> None:
        print(f"CHUNK {result.chunk_id} {time.time()}", flush=True)  # type: ignore[attr-defined]

    summary = run_chunks(spec, str(config["worker_id"]), progress=progress, before_commit=before_commit)
    print("SUMMARY " + json.dumps(summary.to_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
