"""`superset-review onboard`: an onboarding run, headless, against the Superset of a data directory.

The file is registered as an upload where it is (no copy), a run is created into the target dataset with the chosen
mode, and the stages run in this process one after the other, as the given user, through the same commands as the
API's (the gate, the ledger, one transaction per stage). A mapping stage that leaves mappings on hold stops the run
before its analysis when the contract asks a person to confirm (the default): the plan is printed as it stands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

EXIT_STAGE_FAILED = 1


def run_document(run: Any) -> dict[str, Any]:
    """The run as the CLI prints it: its id, hashes, stages, the catalog and the plan (one mapping per target)."""
    from superset_review.onboarding.dao import ArtifactDAO, MappingDAO
    from superset_review.onboarding.models import ArtifactKind

    latest = ArtifactDAO.latest(run)
    catalog = latest.get(ArtifactKind.CATALOG.value)
    plan = latest.get(ArtifactKind.MAPPING_PLAN.value)
    analysis = latest.get(ArtifactKind.ANALYSIS.value)
    mappings = [
        {
            "target": mapping.target,
            "sources": list(mapping.sources or []),
            "dsl": list((mapping.dsl or {}).get("ops") or []),
            "decision": mapping.decision,
            "confidence": mapping.confidence,
            "success_rate": mapping.success_rate,
        }
        for mapping in MappingDAO.of_run(run)
    ]
    return {
        "run_id": run.run_id,
        "name": run.name,
        "mode": run.mode,
        "status": run.status,
        "stage": run.stage,
        "contract_hash": run.contract_hash,
        "stages": run.stages,
        "error": run.error,
        "artifacts": {kind: artifact.content_hash for kind, artifact in sorted(latest.items())},
        "catalog": catalog.body if catalog is not None else None,
        "plan": {"content_hash": plan.content_hash if plan is not None else None, "mappings": mappings},
        "analysis": analysis.body if analysis is not None else None,
    }


def run_text(document: dict[str, Any]) -> str:
    lines = [
        f"run {document['run_id']} ({document['mode']}): {document['status']}, stage {document['stage']}",
        f"contract {document['contract_hash']}",
    ]
    for stage, entry in (document["stages"] or {}).items():
        error = entry.get("error") or {}
        said = f" ({error.get('code')}: {error.get('message')})" if error else ""
        lines.append(f"  {stage:<9} {entry.get('state')}{said}")
    catalog = document["catalog"] or {}
    for table in catalog.get("tables") or []:
        lines.append(f"table {table.get('name')}: {table.get('row_count')} rows, {len(table.get('columns') or [])} "
                     "columns")  # fmt: skip
    lines.append(f"plan: {len(document['plan']['mappings'])} mapping(s)")
    for mapping in document["plan"]["mappings"]:
        ops = ", ".join(str(op.get("op")) for op in mapping["dsl"] if isinstance(op, dict)) or "-"
        rate = f", success {mapping['success_rate']:.0%}" if mapping["success_rate"] is not None else ""
        lines.append(
            f"  {mapping['target']} <- {', '.join(mapping['sources']) or '-'}: {mapping['decision']} "
            f"(confidence {mapping['confidence']:.2f}{rate}) [{ops}]"
        )
    return "\n".join(lines) + "\n"


def onboard_file(path: Path, target: int, mode: str) -> tuple[dict[str, Any], bool]:
    """Register, create, run every stage the gate lets through; the run's document and whether a stage failed.
    Runs inside the app and request context, as the acting user."""
    from superset_review.onboarding.commands.create import CreateRunCommand
    from superset_review.onboarding.commands.stage import ExecuteStageCommand, StartStageCommand, stage_state
    from superset_review.onboarding.commands.upload import RegisterFileCommand
    from superset_review.onboarding.dao import OnboardingRunDAO
    from superset_review.onboarding.models import STAGES, Stage, StageState

    upload = RegisterFileCommand(path).run()
    contract = {
        "mode": mode,
        "lhs": {"source": {"type": "file"}, "location": upload.upload_id},
        "rhs": {"source": {"type": "sql"}, "location": f"dataset:{target}"},
        "audit_tags": {"origin": "cli"},
    }
    run = CreateRunCommand(f"onboard {upload.filename}", contract).run()
    run_id = run.run_id
    failed = False
    for stage in STAGES:
        current = OnboardingRunDAO.find(run_id, None, any_owner=True)
        assert current is not None
        held = stage is Stage.ANALYSIS and stage_state(current, Stage.MAPPING) == StageState.HELD.value
        if held and current.contract.get("human_confirm_required", True):
            click.echo(
                "superset-review: mappings are on hold and the contract asks a person to confirm them: the analysis "
                "is not started (decide them in the workspace, or through the API)",
                err=True,
            )
            break
        StartStageCommand(run_id, stage.value).run()
        result = ExecuteStageCommand(run_id, stage.value).run()
        if result.state not in (StageState.PASSED.value, StageState.HELD.value):
            click.echo(f"superset-review: stage {stage.value} failed: {result.message} ({result.error_code})",
                       err=True)  # fmt: skip
            failed = True
            break
    final = OnboardingRunDAO.find(run_id, None, any_owner=True)
    assert final is not None
    return run_document(final), failed


@click.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--target", "target", type=int, required=True, help="The Superset dataset the data goes into.")
@click.option("--mode", type=click.Choice(["metadata_only", "data_mode"]), default="metadata_only", show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The data directory of `superset-review up` (default: REVIEW_DATA_DIR or ./.superset-review).",
)
@click.option("--user", "username", default=None, help="Run as this Superset user (default: REVIEW_ADMIN_USER).")
def onboard(
    file: Path, target: int, mode: str, output_format: str, data_dir: Path | None, username: str | None
) -> None:
    """Onboard FILE (CSV, TSV, Parquet, JSON lines) into dataset --target: ingest, domains, mapping and analysis,
    headless; prints the run (exit 1 when a stage failed)."""
    from superset_review.cli.main import _fail
    from superset_review.cli.review import acting_in_stack

    path = file.resolve()
    with acting_in_stack(data_dir, username):
        from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError
        from superset_review.extension.errors import ReviewError
        from superset_review.extension.i18n import message_of

        try:
            document, failed = onboard_file(path, target, mode)
        except ReviewError as error:
            _fail(f"{error.message} ({error.code})")
        except (DatasetNotFoundError, DatasetAccessError) as error:
            _fail(f"{message_of(error)}")
    text = json.dumps(document, indent=2, default=str) + "\n" if output_format == "json" else run_text(document)
    sys.stdout.write(text)
    sys.exit(EXIT_STAGE_FAILED if failed else 0)
