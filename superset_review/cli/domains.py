"""`superset-review domains catalog|classify`: the domain catalog, and the domain of each column of a file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
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


@domains.command()
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--catalog", "catalog_file", type=click.Path(path_type=Path, dir_okay=False), help=_CATALOG_HELP)
def catalog(output: str, catalog_file: Path | None) -> None:
    """Print the live catalog: its name, version, content hash and domains."""
    live = _catalog(catalog_file)
    if output == "json":
        click.echo(json.dumps(live.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{live.name} {live.version}  sha256:{live.content_hash}  {len(live.assignable)} domains")
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
