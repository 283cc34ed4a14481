"""The target side of a run (``rhs``): the ``target_schema`` artifact, from a Superset dataset or from YAML.

``dataset:<id>``: the dataset's columns (calculated columns left out: nothing is written into them), read as the run's
owner (Superset's ``raise_for_access``: ``TARGET_FORBIDDEN``, ``DATASET_NOT_FOUND``), their logical types from the
database types, descriptions, nullability from the physical table where the database says it, and the domains
already assigned to them (``dataset_review_column_domains``). ``writable`` says whether the owner may change the
dataset (owner or admin), which a migration will need.

``yaml``: the schema in ``rhs.schema_ref``, read with ``yaml.safe_load`` after a bounded look at its events (no
aliases, bounded depth and size: an alias bomb is refused before anything is built), then checked with marshmallow;
a bad field is ``TARGET_INVALID`` naming it (``columns[2].dtype``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from superset_review.extension.i18n import Text
from superset_review.onboarding.ingest.catalog import logical_of_sql, schema_hash
from superset_review.onboarding.ingest.exceptions import (
    TargetForbiddenError,
    TargetInvalidError,
    TargetNotFoundError,
)
from superset_review.onboarding.ingest.shim import LOGICAL_TYPES
from superset_review.pii.types import PiiType

YAML_MAX_CHARS = 200_000
YAML_MAX_DEPTH = 12
YAML_MAX_EVENTS = 200_000
MAX_COLUMNS = 5_000


class TargetColumnSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    dtype = fields.String(required=True, validate=validate.OneOf(LOGICAL_TYPES))
    physical_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    nullable = fields.Boolean(load_default=True)
    domain = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    pii = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([t.value for t in PiiType]))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    required = fields.Boolean(load_default=False)


class TargetSchemaSchema(Schema):
    """A target schema written by hand: a name and its columns (unique names)."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    columns = fields.List(fields.Nested(TargetColumnSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_COLUMNS))  # fmt: skip

    @validates_schema
    def _unique(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        for index, column in enumerate(data["columns"]):
            if column["name"] in seen:
                raise ValidationError({index: {"name": [f"{column['name']!r} is already a column"]}}, "columns")
            seen.add(column["name"])


def _first_problem(messages: Any, path: str = "") -> tuple[str, str]:
    """marshmallow's nested messages as the first field's path (``columns[2].dtype``) and its message."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                return _first_problem(value, path)
            step = f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
            return _first_problem(value, f"{path}{step}")
    if isinstance(messages, list) and messages:
        if all(isinstance(item, str) for item in messages):
            return path or "schema", str(messages[0])
        return _first_problem(messages[0], path)
    return path or "schema", str(messages)


def _bounded_events(text: str) -> None:
    """Refuse YAML that would be costly to build: aliases (an alias bomb), deep nesting, too many nodes."""
    import yaml

    depth = events = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            events += 1
            if isinstance(event, yaml.AliasEvent):
                raise TargetInvalidError(Text("the target schema may not use YAML aliases (*name)"), "schema")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > YAML_MAX_DEPTH:
                    raise TargetInvalidError(Text("the target schema is nested deeper than %(limit)d levels",
                                                  limit=YAML_MAX_DEPTH), "schema")  # fmt: skip
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if events > YAML_MAX_EVENTS:
                raise TargetInvalidError(Text("the target schema is too large"), "schema")
    except yaml.YAMLError as ex:
        mark = getattr(ex, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise TargetInvalidError(
            Text("the target schema is not valid YAML (line %(line)s)", line=line or "?"), "schema"
        ) from ex


def yaml_target(text: str | None) -> dict[str, Any]:
    """The ``target_schema`` body of a YAML target schema; ``TARGET_INVALID`` naming the first bad field."""
    import yaml

    if not text or not text.strip():
        raise TargetInvalidError(Text("the target schema (rhs.schema_ref) is empty"), "schema_ref")
    if len(text) > YAML_MAX_CHARS:
        raise TargetInvalidError(Text("the target schema is longer than %(limit)d characters", limit=YAML_MAX_CHARS),
                                 "schema_ref")  # fmt: skip
    _bounded_events(text)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as ex:  # a tag safe_load does not build (!!python/object...)
        raise TargetInvalidError(Text("the target schema uses a YAML tag that is not plain data"), "schema") from ex
    if not isinstance(document, dict):
        raise TargetInvalidError(Text("the target schema is a mapping with name and columns"), "schema")
    try:
        loaded: dict[str, Any] = TargetSchemaSchema().load(document)
    except ValidationError as ex:
        field, message = _first_problem(ex.messages)
        raise TargetInvalidError(Text("target schema: %(field)s: %(message)s", field=field, message=message[:300]),
                                 field) from ex  # fmt: skip
    columns = [
        {"name": c["name"], "dtype": c["dtype"], "physical_type": c["physical_type"], "nullable": c["nullable"],
         "domain": c["domain"], "pii": c["pii"], "description": c["description"], "required": c["required"]}
        for c in loaded["columns"]
    ]  # fmt: skip
    return {"name": loaded["name"], "dataset_id": None, "columns": columns, "schema_hash": schema_hash(columns)}


def _dataset_id(location: str) -> int:
    text = location.removeprefix("dataset:")
    if not text.isdigit() or len(text) > 18:
        raise TargetInvalidError(Text('the target is "dataset:<id>" with a numeric id'), "rhs.location")
    return int(text)


def _physical_nullability(dataset: Any) -> dict[str, bool]:
    """Whether each physical column may be NULL, as the database says (nothing for a virtual dataset or a
    database that does not answer: the columns then count as nullable)."""
    if dataset.sql:
        return {}
    from superset.sql.parse import Table

    try:
        described = dataset.database.get_columns(Table(dataset.table_name, dataset.schema, dataset.catalog))
    except Exception:  # noqa: BLE001 - an introspection failure leaves nullability unknown, never fails the run
        return {}
    return {str(column["column_name"]): bool(column.get("nullable", True)) for column in described}


def _writable(dataset: Any) -> bool:
    from superset.exceptions import SupersetSecurityException
    from superset.extensions import security_manager

    if security_manager.is_admin():
        return True
    try:
        security_manager.raise_for_ownership(dataset)
    except SupersetSecurityException:
        return False
    return True


def dataset_target(location: str) -> dict[str, Any]:
    """The ``target_schema`` body of a Superset dataset, read as the current user (the run's owner)."""
    from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, get_dataset
    from superset_review.domains.assignments import ColumnDomainDAO

    dataset_id = _dataset_id(location)
    try:
        dataset = get_dataset(dataset_id)
    except DatasetNotFoundError as ex:
        raise TargetNotFoundError(Text("the target dataset %(dataset)d does not exist", dataset=dataset_id)) from ex
    except DatasetAccessError as ex:
        raise TargetForbiddenError(
            Text("you do not have access to the target dataset %(dataset)d", dataset=dataset_id)
        ) from ex
    assigned = {row.column_name: row for row in ColumnDomainDAO.of_dataset(dataset_id)}
    nullable = _physical_nullability(dataset)
    columns: list[dict[str, Any]] = []
    for column in dataset.columns:
        if column.expression:
            continue
        name = str(column.column_name)
        domain = assigned.get(name)
        may_be_null = nullable.get(name, True)
        columns.append({
            "name": name,
            "dtype": logical_of_sql(column.type),
            "physical_type": (column.type or "")[:200] or None,
            "nullable": may_be_null,
            "domain": domain.domain if domain is not None else None,
            "pii": domain.pii if domain is not None else None,
            "description": (column.description or None) and str(column.description)[:2000],
            "required": not may_be_null,
        })  # fmt: skip
    return {
        "name": str(dataset.table_name),
        "dataset_id": dataset_id,
        "columns": columns,
        "schema_hash": schema_hash(columns),
        "writable": _writable(dataset),
    }


def read_target(rhs: dict[str, Any]) -> dict[str, Any]:
    """The target schema of a contract's ``rhs`` (its location was checked by the contract's schema)."""
    location = str(rhs.get("location") or "")
    if location == "yaml":
        return yaml_target(rhs.get("schema_ref"))
    if location.startswith("dataset:"):
        return dataset_target(location)
    raise TargetInvalidError(Text('rhs.location is "dataset:<id>" or "yaml"'), "rhs.location")
