"""Execution mappings: each template variable of the dataset's SQL with the value the run will use.

A value comes from the link's URL parameters, a recovered native filter, the dataset's template params or the
template's own default, with its provenance and a confidence. Values that are uncertain (confidence below
``APPROVAL_CONFIDENCE``), transformed (a single value made a list) or set by hand need an approval by a holder of
``can_approve`` before launch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from superset_review.extension.i18n import Text, keep_texts, restore_texts
from superset_review.intake.jinja import TemplateScan, VariableKind

APPROVAL_CONFIDENCE = 0.9
MAX_LIST_VALUES = 1_000
MAX_TEXT = 2_000
MAX_NAME = 250  # a variable's or parameter's name
_JINJA_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")
# Names Superset's template processor takes as its own arguments (get_template_processor, BaseTemplateProcessor):
# a template parameter of that name crashes it ("multiple values for argument 'table'") or changes how it runs;
# and the names it puts in the Jinja context after the caller's parameters, Jinja's own globals and the time
# bounds the preview sets: a parameter of that name would be silently replaced. The integration tests hold this
# list to the names a live processor defines.
PROCESSOR_NAMES = frozenset(
    {
        "database", "table", "query", "extra_cache_keys", "removed_filters", "applied_filters",
        "url_param", "current_user_id", "current_username", "current_user_email", "current_user_roles",
        "current_user_rls_rules", "cache_key_wrapper", "filter_values", "get_filters", "dataset", "get_time_filter",
        "metric", "from_dttm", "to_dttm", "first_latest_partition", "latest_partitions", "latest_sub_partition",
        "latest_partition", "range", "dict", "lipsum", "cycler", "joiner", "namespace",
    }
)  # fmt: skip


class MappingKind(StrEnum):
    URL_PARAM = "url_param"
    FILTER_VALUES = "filter_values"
    TEMPLATE_PARAM = "template_param"
    TIME_RANGE = "time_range"


class Approval(StrEnum):
    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"


class MappingValueError(ValueError):
    """A value that cannot be used for a variable; the message names the variable and what it accepts."""


@dataclass(frozen=True)
class ExecutionMapping:
    variable: str
    kind: MappingKind
    value: Any
    provenance: str
    confidence: float
    source: str | None = None  # the filter (name) or parameter the value came from
    transformed: bool = False
    warnings: tuple[str, ...] = ()
    approval: Approval = Approval.NOT_NEEDED
    approved_by: str | None = None
    override: dict[str, Any] | None = None  # {"by", "why", "previous"} when a person set the value
    line: int | None = None

    @property
    def needs_approval(self) -> bool:
        """A value someone must vouch for; a variable with no value is a question for clarification instead."""
        if self.value is None and self.override is None:
            return False
        return self.confidence < APPROVAL_CONFIDENCE or self.transformed or self.override is not None

    @property
    def blocks_launch(self) -> bool:
        return self.needs_approval and self.approval is not Approval.APPROVED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(kind=self.kind.value, approval=self.approval.value, warnings=list(self.warnings))
        data["needs_approval"] = self.needs_approval
        keep_texts(data, warnings=list(self.warnings))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExecutionMapping:
        return cls(
            variable=str(data["variable"]), kind=MappingKind(data["kind"]), value=data.get("value"),
            provenance=str(data.get("provenance") or "none"), confidence=float(data.get("confidence") or 0.0),
            source=data.get("source"), transformed=bool(data.get("transformed")),
            warnings=tuple(restore_texts(data, "warnings")), approval=Approval(data.get("approval") or "not_needed"),
            approved_by=data.get("approved_by"), override=data.get("override"), line=data.get("line"),
        )  # fmt: skip


def dump_mappings(mappings: Iterable[ExecutionMapping]) -> list[dict[str, Any]]:
    return [mapping.to_dict() for mapping in mappings]


def load_mappings(documents: Iterable[Mapping[str, Any]] | None) -> list[ExecutionMapping]:
    return [ExecutionMapping.from_dict(document) for document in documents or ()]


def _with_approval(mapping: ExecutionMapping) -> ExecutionMapping:
    return replace(mapping, approval=Approval.PENDING if mapping.needs_approval else Approval.NOT_NEEDED)


# --------------------------------------------------------------------------------------------------------- build


_KINDS = {
    VariableKind.URL_PARAM: MappingKind.URL_PARAM,
    VariableKind.FILTER_VALUES: MappingKind.FILTER_VALUES,
    VariableKind.GET_FILTERS: MappingKind.FILTER_VALUES,
    VariableKind.TEMPLATE_PARAM: MappingKind.TEMPLATE_PARAM,
    VariableKind.TIME_FILTER: MappingKind.TIME_RANGE,
    VariableKind.FROM_DTTM: MappingKind.TIME_RANGE,
    VariableKind.TO_DTTM: MappingKind.TIME_RANGE,
}
# A permalink's state is stored by whoever made it, not read off the link the reviewer holds: its values are
# inferred, below APPROVAL_CONFIDENCE, and need an approval like any other guess.
_CONFIDENCE = {"url": 1.0, "permalink": 0.8, "filter_state": 1.0, "native_filter_default": 0.9, "dataset_params": 1.0}


def build_mappings(scan: TemplateScan, context: Mapping[str, Any]) -> list[ExecutionMapping]:
    """One mapping per variable the run must supply, from a recovered context (``RecoveredContext.to_dict()``)."""
    mappings: dict[tuple[MappingKind, str], ExecutionMapping] = {}
    for variable in scan.variables:
        kind = _KINDS.get(variable.kind)
        if kind is None:
            continue
        name = "time_range" if kind is MappingKind.TIME_RANGE else variable.name
        if (kind, name) in mappings or not name:
            continue
        if kind is MappingKind.URL_PARAM:
            mapping = _url_param(name, variable.has_default, context)
        elif kind is MappingKind.FILTER_VALUES:
            mapping = _filter_values(name, context)
        elif kind is MappingKind.TEMPLATE_PARAM:
            mapping = _template_param(name, variable.has_default, context)
        else:
            mapping = _time_range(context)
        mappings[(kind, name)] = _with_approval(replace(mapping, line=variable.line))
    return list(mappings.values())


def _url_param(name: str, has_default: bool, context: Mapping[str, Any]) -> ExecutionMapping:
    params = context.get("url_params") or {}
    if name in params:
        provenance = "permalink" if name in (context.get("permalink_params") or ()) else "url"
        value = str(params[name])
        return ExecutionMapping(name, MappingKind.URL_PARAM, value, provenance, _CONFIDENCE[provenance], source=name)
    provenance = "template_default" if has_default else "none"
    return ExecutionMapping(name, MappingKind.URL_PARAM, None, provenance, 1.0 if has_default else 0.0)


def _template_param(name: str, has_default: bool, context: Mapping[str, Any]) -> ExecutionMapping:
    params = context.get("template_params") or {}
    if name in params:
        provenance = "permalink" if name in (context.get("permalink_params") or ()) else "dataset_params"
        confidence = _CONFIDENCE[provenance]
        return ExecutionMapping(name, MappingKind.TEMPLATE_PARAM, params[name], provenance, confidence, source=name)
    provenance = "template_default" if has_default else "none"
    return ExecutionMapping(name, MappingKind.TEMPLATE_PARAM, None, provenance, 1.0 if has_default else 0.0)


def _filter_values(column: str, context: Mapping[str, Any]) -> ExecutionMapping:
    dataset_id = context.get("dataset_id")
    matching = [f for f in context.get("filters") or [] if f.get("column") == column and f.get("value") is not None]
    own = [f for f in matching if f.get("dataset_id") in (dataset_id, None)]
    chosen = (own or matching or [None])[0]
    if chosen is None:
        return ExecutionMapping(column, MappingKind.FILTER_VALUES, [], "none", 1.0)
    warnings: list[str] = []
    confidence = _CONFIDENCE.get(str(chosen.get("provenance")), 0.5)
    if chosen.get("status") == "partial":
        confidence = min(confidence, 0.5)
        warnings.append(Text("Filter '%(filter)s' was only partly recovered.", filter=chosen.get("name")))
    if not own:
        confidence = min(confidence, 0.7)
        warnings.append(
            Text(
                "Filter '%(filter)s' targets column %(column)s of another dataset (id %(dataset_id)s); the value is "
                "carried over by column name.",
                filter=chosen.get("name"),
                column=column,
                dataset_id=chosen.get("dataset_id"),
            )
        )
    value = chosen.get("value")
    transformed = not isinstance(value, list)
    if transformed:
        value = [value]
        warnings.append(
            Text("Filter '%(filter)s' holds a single value; the variable takes a list.", filter=chosen.get("name"))
        )
    if len(own or matching) > 1:
        confidence = min(confidence, 0.6)
        warnings.append(
            Text(
                "%(count)d filters target column %(column)s; the first one is used.",
                count=len(own or matching),
                column=column,
            )
        )
    return ExecutionMapping(
        column, MappingKind.FILTER_VALUES, value, str(chosen.get("provenance")), confidence,
        source=str(chosen.get("name")), transformed=transformed, warnings=tuple(warnings),
    )  # fmt: skip


def _time_range(context: Mapping[str, Any]) -> ExecutionMapping:
    for item in context.get("filters") or []:
        if item.get("filter_type") == "filter_time" and isinstance(item.get("value"), str):
            confidence = _CONFIDENCE.get(str(item.get("provenance")), 0.5)
            return ExecutionMapping("time_range", MappingKind.TIME_RANGE, item["value"], str(item.get("provenance")),
                                    confidence, source=str(item.get("name")))  # fmt: skip
    return ExecutionMapping("time_range", MappingKind.TIME_RANGE, "No filter", "none", 1.0)


def refresh_mappings(old: Sequence[ExecutionMapping], fresh: Sequence[ExecutionMapping]) -> list[ExecutionMapping]:
    """New mappings from a changed context, keeping what people did: overrides and approvals of unchanged values."""
    kept = {(m.kind, m.variable): m for m in old}
    merged: list[ExecutionMapping] = []
    for mapping in fresh:
        previous = kept.get((mapping.kind, mapping.variable))
        if previous is not None and (previous.override is not None or previous.value == mapping.value):
            merged.append(previous)
        else:
            merged.append(mapping)
    return merged


# --------------------------------------------------------------------------------------------------------- edit


def check_value(mapping: ExecutionMapping, value: Any) -> Any:
    """``value`` as the variable's kind takes it, or ``MappingValueError`` saying what was wrong."""
    return check_input(mapping.kind, mapping.variable, value)


def check_input(kind: MappingKind, variable: str, value: Any) -> Any:
    """``value`` for a variable of ``kind`` named ``variable``, checked as a manual override is: the one check for
    values set by hand and values recovered from links, filter state, Explore state and permalinks."""
    label = f"{kind.value} '{variable[:MAX_NAME]}'"
    _text(label, variable, MAX_NAME)
    if kind is MappingKind.TEMPLATE_PARAM and variable in PROCESSOR_NAMES:
        raise MappingValueError(
            Text(
                "%(label)s: '%(name)s' is a name Superset's template processor keeps for itself; rename the "
                "parameter in the dataset's SQL and template parameters.",
                label=label,
                name=variable,
            )
        )
    if kind is MappingKind.FILTER_VALUES:
        if not isinstance(value, list):
            raise MappingValueError(
                Text('%(label)s takes a list of values, e.g. ["France", "Spain"] (got %(got)s).', label=label,
                     got=_kind(value))
            )  # fmt: skip
        return _listed(label, value)
    if kind in (MappingKind.URL_PARAM, MappingKind.TIME_RANGE):
        if value is None and kind is MappingKind.URL_PARAM:
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise MappingValueError(
                Text("%(label)s takes one text value (got %(got)s).", label=label, got=_kind(value))
            )
        return _text(label, str(value))
    if isinstance(value, list):
        return _listed(label, value)
    return None if value is None else _scalar(label, value)


def _listed(label: str, value: list[Any]) -> list[Any]:
    if len(value) > MAX_LIST_VALUES:
        raise MappingValueError(
            Text("%(label)s takes at most %(max)d values (got %(count)d).", label=label, max=MAX_LIST_VALUES,
                 count=len(value))
        )  # fmt: skip
    return [_scalar(label, item) for item in value]


def _scalar(label: str, value: Any) -> Any:
    if isinstance(value, str):
        return _text(label, value)
    if isinstance(value, (bool, int, float)):
        return value
    raise MappingValueError(
        Text("%(label)s takes text, numbers or true/false (got %(got)s).", label=label, got=_kind(value))
    )


def _text(label: str, value: str, limit: int = MAX_TEXT) -> str:
    if len(value) > limit:
        raise MappingValueError(Text("%(label)s: a value has more than %(max)d characters.", label=label, max=limit))
    if any(delimiter in value for delimiter in _JINJA_DELIMITERS):
        raise MappingValueError(
            Text("%(label)s: values are data and cannot contain Jinja delimiters ({{ }}, {%% %%}).", label=label)
        )
    if any(ord(character) < 32 and character not in "\t" for character in value):
        raise MappingValueError(
            Text("%(label)s: a value contains control characters (line breaks included).", label=label)
        )
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return Text("a list")
    if isinstance(value, dict):
        return Text("an object")
    return type(value).__name__


def override_value(mapping: ExecutionMapping, value: Any, by: str, why: str, can_approve: bool) -> ExecutionMapping:
    checked = check_value(mapping, value)
    changed = replace(
        mapping, value=checked, provenance="manual", confidence=1.0, transformed=False, warnings=(),
        override={"by": by, "why": why, "previous": mapping.value},
    )  # fmt: skip
    return replace(changed, approval=Approval.APPROVED, approved_by=by) if can_approve else _with_approval(changed)


def approve(mapping: ExecutionMapping, by: str) -> ExecutionMapping:
    if not mapping.needs_approval:
        return mapping
    return replace(mapping, approval=Approval.APPROVED, approved_by=by)


# ------------------------------------------------------------------------------------------------------ compile


@dataclass(frozen=True)
class CompileInputs:
    """What Superset's template processor is given: URL parameters, filters per column, template params."""

    url_params: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[Any]] = field(default_factory=dict)
    template_params: dict[str, Any] = field(default_factory=dict)
    time_range: str | None = None


def compile_inputs(mappings: Iterable[ExecutionMapping]) -> CompileInputs:
    inputs = CompileInputs()
    for mapping in mappings:
        if mapping.value is None:
            continue
        if mapping.kind is MappingKind.URL_PARAM:
            inputs.url_params[mapping.variable] = str(mapping.value)
        elif mapping.kind is MappingKind.FILTER_VALUES and mapping.value:
            inputs.filters[mapping.variable] = list(mapping.value)
        elif mapping.kind is MappingKind.TEMPLATE_PARAM:
            inputs.template_params[mapping.variable] = mapping.value
        elif mapping.kind is MappingKind.TIME_RANGE and mapping.value != "No filter":
            inputs = replace(inputs, time_range=str(mapping.value))
    return inputs


def placeholder_inputs(inputs: CompileInputs) -> CompileInputs:
    """The same inputs with every value replaced by an inert one of the same shape (number for number, same list
    length): what the SQL looks like when values are only data."""
    return CompileInputs(
        url_params={name: _inert(value) for name, value in inputs.url_params.items()},
        filters={name: [_inert(value) for value in values] for name, values in inputs.filters.items()},
        template_params={name: _inert_any(value) for name, value in inputs.template_params.items()},
        time_range=inputs.time_range,
    )


def _inert(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return -1 if value < 0 else 0  # a sign is part of the shape: -5 is a negation of 5
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return "x"
    return "-1" if number < 0 else "0"


def _inert_any(value: Any) -> Any:
    return [_inert(item) for item in value] if isinstance(value, list) else _inert(value)


def fingerprint(dataset_state: Mapping[str, Any], inputs: CompileInputs) -> str:
    """Changes when the dataset (SQL, params, database) or any effective input changes."""
    document = {"dataset": dict(dataset_state), "inputs": asdict(inputs)}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
