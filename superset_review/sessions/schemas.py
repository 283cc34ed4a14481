from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from superset_review.adapters.datasets import may_read
from superset_review.extension.fields import Id, UtcTimestamp, bounded_integer
from superset_review.extension.i18n import I18N_KEY, Text, localize
from superset_review.tasks.schemas import TaskSchema

# Superset's own column lengths (TableColumn.column_name, .verbose_name): longer values could not be written back.
COLUMN_NAME_CHARS = 255
VERBOSE_NAME_CHARS = 1024
DESCRIPTION_CHARS = 10_000


class StartReviewSessionSchema(Schema):
    source = fields.String(
        required=True,
        validate=validate.Length(min=1, max=16_384),
        metadata={"description": "A Superset link (dashboard, chart, Explore, dataset) or a dataset id"},
    )
    dataset_id = Id(
        load_default=None, allow_none=True, metadata={"description": "Which of a dashboard's datasets to review"}
    )
    background = fields.Boolean(
        load_default=False,
        metadata={"description": "Answer at once and read the data profile in the worker (see the session's tasks)"},
    )


class VersionSchema(Schema):
    version = bounded_integer(1, required=True)


class FindingSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    severity = fields.String()
    target_kind = fields.String()
    target = fields.String(allow_none=True)
    message = fields.String()
    suggested_fix = fields.String(allow_none=True)
    status = fields.String()
    # Dropped from the output by localize(), which translates message and suggested_fix with it.
    i18n = fields.Raw(allow_none=True, load_only=True)


class EventSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    action = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    created_on = UtcTimestamp()


class ReviewSessionSummarySchema(Schema):
    id = fields.Integer()
    uuid = fields.String()
    title = fields.String()
    source_kind = fields.String()
    source = fields.String()
    dataset_id = fields.Integer(allow_none=True)
    dashboard_id = fields.Integer(allow_none=True)
    state = fields.String()
    readiness = fields.Float()
    next_action = fields.String(allow_none=True)
    i18n = fields.Raw(allow_none=True, load_only=True)
    archived = fields.Boolean()
    version = fields.Integer()
    owner_id = fields.Integer()
    created_on = UtcTimestamp()
    changed_on = UtcTimestamp()

    @post_dump(pass_original=True)
    def _in_readers_language(self, data: dict[str, Any], session: Any, **kwargs: Any) -> dict[str, Any]:
        if session.i18n:
            data = localize({**data, I18N_KEY: session.i18n})
        return data


def _column_name() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=COLUMN_NAME_CHARS))


class DatasetSourceSchema(Schema):
    version = bounded_integer(1, required=True)
    dataset_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["reference_dataset", "dictionary_table"]))
    name_column = _column_name()
    verbose_column = _column_name()
    description_column = _column_name()


class DecisionSchema(Schema):
    column = fields.String(required=True, validate=validate.Length(min=1, max=COLUMN_NAME_CHARS))
    field = fields.String(required=True, validate=validate.OneOf(["verbose_name", "description"]))
    action = fields.String(required=True, validate=validate.OneOf(["accept", "reject", "override", "lock", "unlock"]))
    candidate_index = bounded_integer(0, 10_000, load_default=None, allow_none=True)
    value = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=DESCRIPTION_CHARS))

    @validates_schema
    def _fits_superset(self, data: dict[str, Any], **kwargs: Any) -> None:
        value = data.get("value")
        if data.get("field") == "verbose_name" and value is not None and len(value) > VERBOSE_NAME_CHARS:
            raise ValidationError(
                Text("a verbose name holds at most %(max)d characters", max=VERBOSE_NAME_CHARS), "value"
            )


class DecisionsSchema(Schema):
    version = bounded_integer(1, required=True)
    decisions = fields.List(fields.Nested(DecisionSchema), required=True, validate=validate.Length(min=1, max=2000))


class Rows(fields.List):
    """A list of flat ORM rows, dumped column by column without a nested schema per row.

    Documented as ``List(Nested(schema))``; a session's 200 findings through marshmallow's nested machinery cost
    most of a session load. Only for schemas of scalar and DateTime fields.
    """

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        # load_only fields too: the rows' kept texts (I18N_KEY) are read by the parent's localize().
        self._names = tuple(schema().fields)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [{name: _scalar(getattr(row, name)) for name in self._names} for row in value]


def _scalar(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class ReviewSessionSchema(ReviewSessionSummarySchema):
    # Not `context`: marshmallow's Schema already has an attribute of that name.
    recovered_context = fields.Raw(attribute="context", data_key="context")
    profile = fields.Raw()
    findings = Rows(FindingSchema)
    semantics = fields.Raw(allow_none=True)
    semantic_sources = fields.Method("_sources_without_entries")
    events = Rows(EventSchema)
    clarification = fields.Raw(allow_none=True)
    execution = fields.Raw(allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema), dump_only=True, metadata={"description": "Background tasks"})

    @post_dump(pass_original=True)
    def _in_readers_language(self, data: dict[str, Any], session: Any, **kwargs: Any) -> dict[str, Any]:
        data = super()._in_readers_language(data, session)
        for name in ("findings", "clarification", "execution", "context"):
            data[name] = localize(data[name])
        return data

    @post_dump(pass_original=True)
    def _rows_only_for_readers_of_the_dataset(
        self, data: dict[str, Any], session: Any, **kwargs: Any
    ) -> dict[str, Any]:
        """The stored data profile (sample rows, top values, min and max) is rows of the dataset: a reader who may
        not read the dataset now (access revoked since, or never had it) gets the review without them."""
        profile = data.get("profile") or {}
        if profile.get("data") is not None and not may_read(session.dataset_id):
            withheld = Text("The data profile is withheld: you may not read this dataset in Superset.")
            data["profile"] = {
                **{k: v for k, v in profile.items() if k != "data"},
                "data_withheld": withheld.translated(),
            }
        return data

    def _sources_without_entries(self, session: object) -> list[dict[str, object]]:
        return [
            {"kind": s["kind"], "name": s["name"], "version": s["version"], "entries": len(s["entries"])}
            for s in (getattr(session, "semantic_sources", None) or [])
        ]
