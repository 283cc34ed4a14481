"""The extension's built-in tools. Each runs as the calling user and reads through Superset with that user's rights:
Superset's dataset access decides what exists for them, row-level security applies to every row read.

Only ``sample_safe_view`` reads rows, and only of a fresh AI-safe view. ``describe_dataset`` gives a raw dataset's
metadata, never the SQL of its metrics or calculated columns (an expression can hold literal values:
``CASE WHEN email = 'ann@…'``), nor its SQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from flask import current_app, g
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from superset_review.extension.constants import MANAGE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import Id
from superset_review.extension.i18n import Text
from superset_review.tools.registry import Tool, ToolRefused, ToolResult, register

MAX_SEARCH = 200
MAX_LISTED = 100
MAX_SCANNED_VIEWS = 2000  # views looked at for one listing (each asks Superset whether the user may read it)
SAMPLE_CAP_ROWS = 50
MAX_SAMPLE_COLUMNS = 500
MAX_FINDINGS = 200
MAX_TEXT = 2000  # characters of one description or message an answer carries


def _cut(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# list_safe_datasets ---------------------------------------------------------------------------------------------


class ListSafeDatasetsParams(Schema):
    class Meta:
        unknown = RAISE

    search = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_SEARCH),
        metadata={"description": "Text the view's name contains (case-insensitive); omit for every view"},
    )  # fmt: skip
    limit = fields.Integer(
        load_default=MAX_LISTED, strict=True, validate=validate.Range(1, MAX_LISTED),
        metadata={"description": f"At most this many views (1 to {MAX_LISTED})"},
    )  # fmt: skip


def _view_summary(view: Any) -> dict[str, Any]:
    from superset.daos.dataset import DatasetDAO

    dataset = DatasetDAO.find_by_id(view.dataset_id, skip_base_filter=True) if view.dataset_id else None
    base = DatasetDAO.find_by_id(view.base_dataset_id, skip_base_filter=True)
    return {
        "id": view.id,
        "dataset_id": view.dataset_id,
        "name": view.name,
        "base_dataset_name": base.table_name if base is not None else None,
        "state": view.state,
        "version": view.version,
        "columns": list((view.definition or {}).get("columns") or []),
        "description": _cut(getattr(dataset, "description", None)),
    }


def list_safe_datasets(params: dict[str, Any]) -> ToolResult:
    from superset.extensions import db

    from superset_review.adapters.datasets import may_read
    from superset_review.safe_views.models import SafeView, ViewState

    query = db.session.query(SafeView).filter(SafeView.state != ViewState.ARCHIVED.value)
    if params["search"]:
        pattern = params["search"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.filter(SafeView.name.ilike(f"%{pattern}%", escape="\\"))
    found: list[dict[str, Any]] = []
    for view in query.order_by(SafeView.name, SafeView.id).limit(MAX_SCANNED_VIEWS):
        if may_read(view.dataset_id):
            found.append(_view_summary(view))
            if len(found) >= params["limit"]:
                break
    return ToolResult({"views": found}, rows=0, rows_key="views")


# describe_dataset -----------------------------------------------------------------------------------------------


class DescribeDatasetParams(Schema):
    class Meta:
        unknown = RAISE

    dataset_id = Id(required=True, metadata={"description": "The Superset dataset's id"})


def describe_dataset(params: dict[str, Any]) -> ToolResult:
    from superset.extensions import db

    from superset_review.adapters.datasets import get_dataset
    from superset_review.domains.models import ColumnDomainAssignment
    from superset_review.safe_views.models import SafeView, ViewState

    dataset = get_dataset(params["dataset_id"])  # 404 or 403 as the user
    assignments = {
        row.column_name: row
        for row in db.session.query(ColumnDomainAssignment).filter(ColumnDomainAssignment.dataset_id == dataset.id)
    }
    columns = []
    for column in dataset.columns:
        assignment = assignments.get(column.column_name)
        columns.append({
            "name": column.column_name, "type": _cut(column.type, 200), "verbose_name": _cut(column.verbose_name),
            "description": _cut(column.description), "calculated": bool(column.expression),
            "domain": assignment.domain if assignment is not None else None,
            "pii": assignment.pii if assignment is not None else None,
            "domain_status": assignment.status if assignment is not None else None,
        })  # fmt: skip
    metrics = [
        {"name": metric.metric_name, "verbose_name": _cut(metric.verbose_name), "description": _cut(metric.description),
         "d3format": _cut(metric.d3format, 200)}
        for metric in dataset.metrics
    ]  # fmt: skip
    views = (
        db.session.query(SafeView)
        .filter(SafeView.base_dataset_id == dataset.id, SafeView.state != ViewState.ARCHIVED.value)
        .order_by(SafeView.id)
        .limit(MAX_LISTED)
        .all()
    )
    view = db.session.query(SafeView).filter(SafeView.dataset_id == dataset.id).first()
    data = {
        "id": dataset.id,
        "name": dataset.table_name,
        "description": _cut(dataset.description),
        "database": dataset.database.database_name if dataset.database is not None else None,
        "schema": dataset.schema,
        "kind": "virtual" if dataset.sql else "physical",
        "is_safe_view": view is not None,
        "columns": columns,
        "metrics": metrics,
        "safe_views": [
            {"id": v.id, "dataset_id": v.dataset_id, "name": v.name, "state": v.state, "version": v.version}
            for v in views
        ],
    }
    return ToolResult(data)


# sample_safe_view -----------------------------------------------------------------------------------------------


class SampleSafeViewParams(Schema):
    class Meta:
        unknown = RAISE

    view_id = Id(load_default=None, allow_none=True, metadata={"description": "The AI-safe view's id"})
    dataset_id = Id(
        load_default=None, allow_none=True,
        metadata={"description": "Or the id of the Superset dataset an AI-safe view created (not a raw dataset)"},
    )  # fmt: skip
    rows = fields.Integer(
        load_default=10, strict=True, validate=validate.Range(min=1),
        metadata={"description": f"How many rows, 1 to {SAMPLE_CAP_ROWS} and at most the policy's sample_caps.rows",
                  "maximum": SAMPLE_CAP_ROWS},
    )  # fmt: skip
    columns = fields.List(
        fields.String(validate=validate.Length(1, 255)), load_default=None, allow_none=True,
        validate=validate.Length(1, MAX_SAMPLE_COLUMNS),
        metadata={"description": "A subset of the view's columns; omit for all"},
    )  # fmt: skip

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("view_id") is None) == (data.get("dataset_id") is None):
            raise ValidationError("give view_id or dataset_id (of an AI-safe view), one of them", "view_id")


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return None  # binary values are not text a model reads
    return str(value)


# Between the values of one column masked in one pass: a control character no PII pattern matches, on its own line.
_SEPARATOR = "\n\x1f\n"


def _masked_texts(values: list[str]) -> tuple[list[str], int]:
    """The values with every PII span redacted (``mask_text``, the gateway's free-text masking) and the number of
    spans. One pass over the column's values joined, which costs what one value does; when a span would reach across
    two values (or a value holds the separator), each value is masked on its own."""
    from superset_review.pii.masking import RedactOperator, mask_text

    operator = RedactOperator()
    if not any("\x1f" in value for value in values):
        result = mask_text(_SEPARATOR.join(values), operator)
        if not any("\x1f" in replacement.original_span.text for replacement in result.replacements):
            parts = result.text.split(_SEPARATOR)
            if len(parts) == len(values):
                return parts, len(result.replacements)
    results = [mask_text(value, operator) for value in values]
    return [result.text for result in results], sum(len(result.replacements) for result in results)


def _target_view(params: dict[str, Any]) -> Any:
    from superset_review.safe_views.access import find_view, require_usable_view

    if params["view_id"] is not None:
        return require_usable_view(params["view_id"])
    dataset_id = params["dataset_id"]
    if find_view(dataset_id=dataset_id) is None:
        from superset_review.llm.errors import ErrorCode as LlmErrorCode

        raise ReviewError(
            Text(
                "dataset %(dataset)s is not an AI-safe view: use an AI-safe view of it (list_safe_datasets lists "
                "them; describe_dataset names a dataset's views), or ask its owner to create one",
                dataset=dataset_id,
            ),
            LlmErrorCode.POLICY_BLOCK.value,
        )
    return require_usable_view(dataset_id=dataset_id)


def sample_safe_view(params: dict[str, Any]) -> ToolResult:
    from superset_review.adapters.datasets import get_dataset, sample_rows

    policy_rows = int(current_app.config["REVIEW_POLICY"].sample_caps.rows)
    if params["rows"] > min(SAMPLE_CAP_ROWS, policy_rows):
        which, cap = (
            (Text("the tool's cap"), SAMPLE_CAP_ROWS) if params["rows"] > SAMPLE_CAP_ROWS
            else (Text("the policy's sample_caps.rows"), policy_rows)
        )  # fmt: skip
        allowed = min(SAMPLE_CAP_ROWS, policy_rows)
        raise ToolRefused(
            Text("rows is %(rows)d, more than %(which)s of %(cap)d: ask for %(allowed)d rows or fewer",
                 rows=params["rows"], which=which, cap=cap, allowed=allowed),
            ErrorCode.TOOL_CAP_EXCEEDED,
            details={"field": "rows", "tool_cap": SAMPLE_CAP_ROWS, "policy_cap": policy_rows},
        )  # fmt: skip
    view = _target_view(params)  # 404 not yours or missing, 409 stale or archived
    view_columns = list((view.definition or {}).get("columns") or [])
    wanted = params["columns"] or view_columns
    unknown = [column for column in wanted if column not in view_columns]
    if unknown:
        raise ToolRefused(
            Text("columns %(columns)s are not in AI-safe view %(view)s; its columns are: %(known)s",
                 columns=", ".join(unknown[:10]), view=view.id, known=", ".join(view_columns[:50])),
            details={"errors": {"columns": unknown[:50]}},
        )  # fmt: skip
    dataset = get_dataset(view.dataset_id)
    frame = sample_rows(dataset, params["rows"], columns=wanted)
    raw = frame.to_dicts()
    records = [{column: _json_value(record.get(column)) for column in wanted} for record in raw]
    masked: dict[str, int] = {}
    for column in wanted:
        # Text as the database gave it; a date, a number or a decimal written out as text holds no free text.
        texts = [(index, row[column]) for index, row in enumerate(records) if isinstance(raw[index].get(column), str)]
        if not texts:
            continue
        values, found = _masked_texts([text for _, text in texts])
        if found:
            masked[column] = found
            for (index, _), value in zip(texts, values, strict=True):
                records[index][column] = value
    rows = records
    redactions = (view.definition or {}).get("redactions") or {}
    masking = {
        "view_id": view.id,
        "view_version": view.version,
        "redacted": {column: redactions[column]["operator"] for column in sorted(redactions) if column in wanted},
        "pii_masked": masked,
        "pii_masked_total": sum(masked.values()),
    }
    data = {"view_id": view.id, "dataset_id": view.dataset_id, "name": view.name, "columns": wanted, "rows": rows}
    return ToolResult(data, rows=len(rows), masking=masking, rows_key="rows")


# review_dataset -------------------------------------------------------------------------------------------------


class ReviewDatasetParams(Schema):
    class Meta:
        unknown = RAISE

    dataset_id = Id(required=True, metadata={"description": "The Superset dataset's id"})


def _semantics_status(semantics: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    entries = semantics.get("fields") if isinstance(semantics, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            status = str(entry.get("status") or "empty")
            counts[status] = counts.get(status, 0) + 1
    return counts


def review_dataset(params: dict[str, Any]) -> ToolResult:
    from superset.extensions import db

    from superset_review.adapters.datasets import get_dataset
    from superset_review.extension.i18n import restore_text
    from superset_review.pii.masking import RedactOperator, mask_text
    from superset_review.sessions.commands.start import StartReviewSessionCommand
    from superset_review.sessions.models import ReviewSession

    dataset = get_dataset(params["dataset_id"])  # 404 or 403 as the user, before anything is written
    session = (
        db.session.query(ReviewSession)
        .filter(
            ReviewSession.owner_id == g.user.id,
            ReviewSession.dataset_id == dataset.id,
            ReviewSession.archived.is_(False),
        )
        .order_by(ReviewSession.id.desc())
        .first()
    )
    started = session is None
    if session is None:
        session = StartReviewSessionCommand(str(dataset.id), dataset_id=dataset.id, background=False).run()
        db.session.flush()
    findings = []
    for finding in list(session.findings)[:MAX_FINDINGS]:
        message = restore_text({"message": finding.message, "i18n": finding.i18n}, "message") or finding.message
        findings.append({
            "code": finding.code, "severity": finding.severity, "target_kind": finding.target_kind,
            "target": _cut(finding.target, 500), "status": finding.status,
            "message": _cut(mask_text(str(message), RedactOperator()).text),
        })  # fmt: skip
    data = {
        "session_id": session.id,
        "started": started,
        "dataset_id": dataset.id,
        "dataset_name": dataset.table_name,
        "state": session.state,
        "readiness": session.readiness,
        "next_action": _cut(session.next_action),
        "findings": findings,
        "semantics": _semantics_status(session.semantics),
        "link": f"/dataset_review/session/{session.id}",
    }
    return ToolResult(data)


LIST_SAFE_DATASETS = register(Tool(
    name="list_safe_datasets",
    description="Lists the AI-safe views you may read (whitelisted, redacted projections of Superset datasets): id, "
    "dataset_id, name, base dataset, state (fresh or stale), columns, description. Use it first to find what data "
    "you may sample; only fresh views can be sampled.",
    params=ListSafeDatasetsParams, permission=READ, max_rows=MAX_LISTED, max_bytes=262_144,
    handler=list_safe_datasets,
))  # fmt: skip
DESCRIBE_DATASET = register(Tool(
    name="describe_dataset",
    description="Describes a Superset dataset without reading its rows: name, description, columns (type, verbose "
    "name, description, business domain and PII class), metrics (name, description, format; not their SQL) and "
    "its AI-safe views. Use it to understand what a dataset means before asking for data.",
    params=DescribeDatasetParams, permission=READ, max_rows=0, max_bytes=524_288, handler=describe_dataset,
))  # fmt: skip
SAMPLE_SAFE_VIEW = register(Tool(
    name="sample_safe_view",
    description=f"Returns up to {SAMPLE_CAP_ROWS} rows (and at most the policy's sample cap) of a fresh AI-safe "
    "view, read through Superset with your row-level security, redacted columns as the view defines them and "
    "any remaining personal data masked. Raw datasets are refused: sample their AI-safe view.",
    params=SampleSafeViewParams, permission=READ, max_rows=SAMPLE_CAP_ROWS, max_bytes=65_536,
    handler=sample_safe_view, reads_rows=True,
))  # fmt: skip
REVIEW_DATASET = register(Tool(
    name="review_dataset",
    description="The review of a Superset dataset (starts one for you if you have none open): its state, readiness, "
    "the next action, the findings (problems in its metadata, SQL and filters) and the state of its semantic "
    "layer. Metadata only; use it to judge whether a dataset is ready to use.",
    params=ReviewDatasetParams, permission=MANAGE, max_rows=0, max_bytes=262_144, handler=review_dataset,
))  # fmt: skip
