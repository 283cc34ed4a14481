"""`superset-review domains catalog|classify`: the domain catalog, and the domain of each column of a file."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from flask import Flask

    from superset_review.domains.catalog import Catalog
    from superset_review.domains.classify import ColumnDomain

_CATALOG_HELP = (
    "An organisation's catalog (YAML or JSON): 'extends: builtin' adds to the built-in catalog, without it the "
    "file replaces it."
)


@click.group()
def domains() -> None:
    """Business domains: what each column means."""


def _catalog(path: Path | None) -> Catalog:
    # Imported here: Polars and the catalog are not needed by the other commands, which start faster without.
    from superset_review.domains.catalog import CatalogError, builtin_catalog, load_catalog

    try:
        return builtin_catalog() if path is None else load_catalog(path)
    except CatalogError as ex:
        click.echo(f"superset-review: {ex}", err=True)
        sys.exit(2)


def _app() -> Flask:
    """Superset's app with the extension, for the commands that read or change the stored catalog."""
    from superset_review.cli.main import _check_metadata_db, _create_app

    with contextlib.redirect_stdout(sys.stderr):  # Superset announces its config on stdout: keep it for the output
        app = _create_app()
        with app.app_context():
            _check_metadata_db(app)
    return app


def _stored_catalog_configured() -> bool:
    """A database holds the live catalog when a Superset configuration is named (as for ``superset-review init``)."""
    return bool(os.environ.get("SUPERSET_CONFIG_PATH"))


@domains.command()
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--catalog", "catalog_file", type=click.Path(path_type=Path, dir_okay=False), help=_CATALOG_HELP)
def catalog(output: str, catalog_file: Path | None) -> None:
    """Print the live catalog: its name, version, content hash and domains. With a Superset configuration
    (SUPERSET_CONFIG_PATH), the one live in its database; otherwise, or with --catalog, the file's or the built-in."""
    stored: int | None = None
    if catalog_file is None and _stored_catalog_configured():
        app = _app()
        from superset_review.domains.live import live_catalog

        with app.app_context():
            current = live_catalog()
        live, stored = current.catalog, current.version
    else:
        live = _catalog(catalog_file)
    if output == "json":
        document = live.to_json()
        if stored is not None:
            document["live_version"] = stored
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    where = f"  live version {stored}" if stored is not None else ""
    click.echo(f"{live.name} {live.version}  sha256:{live.content_hash}  {len(live.assignable)} domains{where}")
    width = max(len(domain.name) for domain in live.domains)
    for domain in live.domains:
        if domain.abstract:
            click.echo(f"{domain.name}/  {domain.description}")
            continue
        pii = f"  PII {domain.pii.value}" if domain.pii else ""
        click.echo(f"  {domain.name:<{width}}  {domain.kind:<8} {domain.description}{pii}")


@domains.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--catalog", "catalog_file", type=click.Path(path_type=Path, dir_okay=False), help=_CATALOG_HELP)
def classify(file: Path, output: str, catalog_file: Path | None) -> None:
    """Domain FILE (CSV or Parquet): per column the domain, confidence, band, PII class and evidence."""
    from superset_review.domains.classify import DomainClassifier
    from superset_review.pii.scanner import PiiScanError, read_table

    live = _catalog(catalog_file)
    try:
        frame = read_table(file)
    except PiiScanError as ex:
        click.echo(f"superset-review: {ex}", err=True)
        sys.exit(2)
    verdicts = DomainClassifier(live).classify_frame(frame)
    if output == "json":
        click.echo(json.dumps([v.to_dict() for v in verdicts], indent=2, ensure_ascii=False))
    else:
        click.echo(_as_text(verdicts))


def _as_text(verdicts: list[ColumnDomain]) -> str:
    if not verdicts:
        return "no columns"
    width = max(len(v.column) for v in verdicts)
    lines: list[str] = []
    for v in verdicts:
        domain = v.domain or "unknown"
        pii = v.pii.value if v.pii else "-"
        lines.append(f"{v.column:<{width}}  {domain:<26} {v.band.value:<10} {v.confidence:.2f}  PII {pii}")
        evidence = v.evidence
        if evidence.get("empty"):
            hint = evidence.get("name_hint")
            said = f"; the name suggests {hint['domain']}" if hint else ""
            lines.append(f"    empty: no non-empty value{said} (no verdict from the name alone)")
            continue
        tokens = " ".join(evidence.get("header_tokens", []))
        alias = evidence.get("name", {}).get("alias")
        lines.append(f"    header [{tokens}]" + (f" ~ alias '{alias}'" if alias else ""))
        for hit in evidence.get("regexes", []):
            if hit["matched"]:
                lines.append(f"    regex {hit['matched']}/{evidence['sampled']:<6} {hit['pattern'][:70]}")
        if evidence.get("unit_cues"):
            lines.append("    units " + ", ".join(f"{cue} ({dim})" for cue, dim in evidence["unit_cues"].items()))
        score = evidence.get("score")
        if score:
            lines.append("    score " + " ".join(f"{key}={value}" for key, value in score.items()))
    return "\n".join(lines)


def _refused(error: Exception) -> NoReturn:
    """A refusal of the stored catalog's commands: the message, each problem on its line, exit code 2."""
    from superset_review.extension.errors import ReviewError

    click.echo(f"superset-review: {error}", err=True)
    if isinstance(error, ReviewError):
        for problem in error.details.get("problems", []):
            where = f"line {problem['line']}: " if problem.get("line") else ""
            click.echo(f"  {where}{problem['field']}: {problem['message']}", err=True)
        for name, failures in (error.details.get("failures") or {}).items():
            for failure in failures:
                click.echo(
                    f"  {name}: {failure['check']} under '{failure['header']}' read as {failure['got']}", err=True
                )
    sys.exit(2)


@domains.command(name="import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--replace", is_flag=True, help="The file replaces the live catalog (default: it extends it).")
def import_(file: Path, replace: bool) -> None:
    """Import an organisation's glossary (YAML, or JSON for a .json file) as the next live catalog version. A file
    with any problem is refused whole, with its lines and fields; the live catalog is then unchanged."""
    from superset_review.domains.catalog import MAX_FILE_BYTES

    if file.stat().st_size > MAX_FILE_BYTES:
        click.echo(f"superset-review: {file}: over {MAX_FILE_BYTES} bytes; split or trim the catalog", err=True)
        sys.exit(2)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        click.echo(f"superset-review: {file}: not UTF-8 text; save it as UTF-8", err=True)
        sys.exit(2)
    app = _app()  # before the commands' imports: Superset's models need the app
    from superset_review.domains.commands.import_catalog import ImportCatalogCommand
    from superset_review.domains.exceptions import DomainCatalogError

    with app.app_context():
        command = ImportCatalogCommand(None, text, file.name, replace=replace, as_json=file.suffix.lower() == ".json")
        try:
            version = command.run()
        except DomainCatalogError as error:
            _refused(error)
        if not command.changed:
            click.echo(f"nothing changed: version {version.version} stays live (sha256:{version.content_hash})")
            return
        domains_changed = (version.provenance or {}).get("domains", {})
        counts = ", ".join(f"{len(names)} {kind}" for kind, names in domains_changed.items())
        click.echo(f"catalog version {version.version} is live ({version.source}, "
                   f"{'replace' if replace else 'extend'}: {counts}) sha256:{version.content_hash}")  # fmt: skip
        for name, failures in command.failures.items():
            click.echo(f"warning: {name}: {len(failures)} auto-test check(s) fail; fix them with staged deltas")


@domains.command()
@click.option("--state", type=click.Choice(["staged", "promoted", "discarded", "all"]), default="staged",
              show_default=True)  # fmt: skip
def deltas(state: str) -> None:
    """List the catalog's deltas (staged ones by default), oldest first."""
    app = _app()
    from superset_review.domains.dao import DomainDeltaDAO

    with app.app_context():
        rows = DomainDeltaDAO.in_state(None if state == "all" else state)
        if not rows:
            click.echo(f"no {state} delta")
        for delta in rows:
            payload = json.dumps(delta.payload, ensure_ascii=False)[:100]
            click.echo(f"{delta.uuid}  {delta.state:<9} {delta.kind:<14} {delta.domain:<28} {payload}")


@domains.command()
@click.option("--expected-version", type=int, default=None, help="Refuse unless this is the live version "
              "(default: whichever is live).")  # fmt: skip
def promote(expected_version: int | None) -> None:
    """Auto-test the staged deltas on the live catalog and, when every check passes, promote them as the next
    version."""
    app = _app()
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.exceptions import DomainCatalogError
    from superset_review.domains.live import live_catalog

    with app.app_context():
        expected = expected_version if expected_version is not None else live_catalog().version
        try:
            version = PromoteCatalogCommand(None, expected).run()
        except DomainCatalogError as error:
            _refused(error)
        applied = len((version.provenance or {}).get("deltas", []))
        click.echo(
            f"catalog version {version.version} is live (from {version.parent_version}, {applied} deltas) "
            f"sha256:{version.content_hash}"
        )
