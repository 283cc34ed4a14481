"""``SupersetContextExtractor``: from a parsed link to what Superset knows about it, read server side as the user.

Every recovered item says where it came from (URL, permalink, saved filter state, native filter default,
dataset params) and whether it is confirmed, partial or unresolved.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

from superset_review.adapters.datasets import get_dataset
from superset_review.extension.i18n import Text, keep_texts
from superset_review.extension.linear_regex import compile_linear
from superset_review.intake.links import (
    ChartLink,
    DashboardLink,
    DashboardPermalink,
    DatasetId,
    DatasetLink,
    ExploreLink,
    ExplorePermalink,
    LinkTarget,
    SqlLabLink,
    SqlLabPermalink,
)


class Provenance(StrEnum):
    URL = "url"
    PERMALINK = "permalink"
    FILTER_STATE = "filter_state"
    NATIVE_FILTER_DEFAULT = "native_filter_default"
    DATASET_PARAMS = "dataset_params"
    CHART = "chart"
    NONE = "none"


class Recovery(StrEnum):
    CONFIRMED = "confirmed"
    PARTIAL = "partial"
    UNRESOLVED = "unresolved"


class ContextError(Exception):
    """The link points at something that cannot be reviewed; ``code`` says what, the message what to do."""

    def __init__(self, code: str, message: Text, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class RecoveredFilter:
    filter_id: str
    name: str
    filter_type: str
    dataset_id: int | None
    column: str | None
    value: Any
    provenance: Provenance
    status: Recovery
    cascade_parent_ids: list[str] = field(default_factory=list)
    extra_form_data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecoveredContext:
    source_kind: str
    dataset_id: int
    dataset_name: str
    dashboard_id: int | None = None
    dashboard_title: str | None = None
    chart_id: int | None = None
    filters: list[RecoveredFilter] = field(default_factory=list)
    url_params: dict[str, Any] = field(default_factory=dict)
    template_params: dict[str, Any] = field(default_factory=dict)
    # The URL and template parameters a permalink's stored state supplied (not the link itself): inferred values.
    permalink_params: list[str] = field(default_factory=list)
    status: Recovery = Recovery.CONFIRMED
    # Texts: each becomes a CONTEXT_PARTIAL finding's message.
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: each note a record of its ``message``, its Text kept beside it (see ``keep_texts``)."""
        serialized: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        serialized["notes"] = [dict(keep_texts({}, message=note)) for note in self.notes]
        return serialized


def recover(target: LinkTarget, dataset_id: int | None = None) -> RecoveredContext:
    """What Superset holds for ``target``, as the current user. ``dataset_id`` picks a dashboard's dataset.

    Every value recovered is checked as a manual override is (``check_recovered``): a link is outside input.
    """
    context = _recover(target, dataset_id)
    check_recovered(context)
    return context


def check_recovered(context: RecoveredContext) -> None:
    """The URL parameters, filter values and time range a link, its filter state, Explore state or permalink
    gave, held to the checks of a manual override (length and list caps, no Jinja delimiters, no control
    characters, no template parameter named like the processor's own); the dataset's own template parameters
    are Superset's, checked when the preview compiles."""
    from superset_review.execution.mappings import MappingKind, MappingValueError, check_input

    values: list[tuple[MappingKind, str, Any]] = [
        (MappingKind.URL_PARAM, str(name), value) for name, value in context.url_params.items()
    ]
    params = context.template_params
    values += [(MappingKind.TEMPLATE_PARAM, name, params[name]) for name in context.permalink_params if name in params]
    for item in context.filters:
        if item.filter_type == "filter_time" and isinstance(item.value, str):
            values.append((MappingKind.TIME_RANGE, item.name, item.value))
        elif item.column is not None and item.value is not None:
            listed = item.value if isinstance(item.value, list) else [item.value]
            listed = [value for value in listed if value is not None]  # a range open at one end: [10, null]
            values.append((MappingKind.FILTER_VALUES, item.column, listed))
    for kind, name, value in values:
        try:
            check_input(kind, name, value)
        except MappingValueError as ex:
            raise ContextError(
                "BAD_LINK_VALUE",
                Text(
                    "A value recovered from the link cannot be used: %(error)s Change it in Superset and paste the "
                    "new link.",
                    error=ex.args[0],
                ),
                400,
            ) from ex


def _recover(target: LinkTarget, dataset_id: int | None) -> RecoveredContext:
    if isinstance(target, (DatasetId, DatasetLink)):
        return _dataset_context("dataset", target.id if isinstance(target, DatasetId) else target.dataset_id)
    if isinstance(target, DashboardLink):
        return _dashboard_context(target, dataset_id)
    if isinstance(target, DashboardPermalink):
        return _dashboard_permalink_context(target.key, dataset_id)
    if isinstance(target, ChartLink):
        return _chart_context(target.slice_id)
    if isinstance(target, ExploreLink):
        return _explore_context(target)
    if isinstance(target, ExplorePermalink):
        return _explore_permalink_context(target.key)
    if isinstance(target, SqlLabPermalink):
        return _sqllab_permalink_context(target.key)
    if isinstance(target, SqlLabLink):
        return _sqllab_link_context(target)
    raise ContextError(
        "UNSUPPORTED_LINK",
        Text(
            "Reviews start from a dashboard, a chart, an Explore view, SQL Lab or a dataset; %(kind)s links are not "
            "supported: open the dataset in Superset and paste its link.",
            kind=type(target).__name__,
        ),
    )


def _dataset_context(kind: str, dataset_id: int) -> RecoveredContext:
    dataset = get_dataset(dataset_id)
    return RecoveredContext(
        source_kind=kind,
        dataset_id=dataset.id,
        dataset_name=dataset.table_name,
        template_params=dict(dataset.template_params_dict or {}),
    )


def _chart_context(slice_id: int) -> RecoveredContext:
    from superset.daos.chart import ChartDAO
    from superset.extensions import security_manager

    chart = ChartDAO.find_by_id(slice_id, skip_base_filter=True)
    if chart is None:
        raise ContextError(
            "CHART_NOT_FOUND", Text("Chart %(chart)s does not exist (deleted?).", chart=slice_id), status=404
        )
    if not security_manager.can_access_chart(chart):
        raise ContextError(
            "CHART_FORBIDDEN", Text("You do not have access to chart %(chart)s.", chart=slice_id), status=403
        )
    if chart.datasource_type != "table" or chart.datasource_id is None:
        raise ContextError("UNSUPPORTED_CHART", Text("Chart %(chart)s is not built on a dataset.", chart=slice_id))
    context = _dataset_context("chart", chart.datasource_id)
    context.chart_id = chart.id
    return context


def _load_dashboard(ref: str | int) -> Any:
    from superset.commands.dashboard.exceptions import DashboardAccessDeniedError, DashboardNotFoundError
    from superset.daos.dashboard import DashboardDAO

    try:
        return DashboardDAO.get_by_id_or_slug(ref)
    except DashboardNotFoundError as ex:
        raise ContextError(
            "DASHBOARD_NOT_FOUND", Text("Dashboard %(dashboard)s does not exist (deleted?).", dashboard=ref), status=404
        ) from ex
    except DashboardAccessDeniedError as ex:
        raise ContextError(
            "DASHBOARD_FORBIDDEN", Text("You do not have access to dashboard %(dashboard)s.", dashboard=ref), status=403
        ) from ex


def _read_permalink(command: Any, what: Literal["dashboard", "SQL Lab"], key: str) -> Any:
    """The value behind a permalink key, read by Superset's own command; a bad or expired key is a ContextError."""
    try:
        value = command(key).run()
    except Exception as ex:  # Superset's key decoding raises several types: one message for a bad key
        message = (
            Text("The dashboard permalink %(key)s cannot be read: %(error)s", key=key, error=str(ex))
            if what == "dashboard"
            else Text("The SQL Lab permalink %(key)s cannot be read: %(error)s", key=key, error=str(ex))
        )
        raise ContextError("PERMALINK_INVALID", message) from ex
    if not value:
        message = (
            Text("The dashboard permalink %(key)s does not exist or expired.", key=key)
            if what == "dashboard"
            else Text("The SQL Lab permalink %(key)s does not exist or expired.", key=key)
        )
        raise ContextError("PERMALINK_EXPIRED", message, 404)
    return value


def _dashboard_permalink_context(key: str, dataset_id: int | None) -> RecoveredContext:
    from superset.commands.dashboard.permalink.get import GetDashboardPermalinkCommand

    value = _read_permalink(GetDashboardPermalinkCommand, "dashboard", key)
    what = Text("dashboard permalink")
    state = _state_object(value.get("state") or {}, what)
    dashboard = _load_dashboard(value["dashboardId"])
    url_params = _url_param_pairs(state.get("urlParams"))
    data_mask = _state_object(state.get("dataMask") or {}, what)
    context = _build_dashboard_context(dashboard, dataset_id, data_mask, Provenance.PERMALINK, url_params)
    context.permalink_params = list(url_params)
    return context


# Superset's own states nest a handful of levels (dataMask > filter > filterState > value > list).
MAX_STATE_DEPTH = 32
_STATE_ID = compile_linear(r"[0-9]{1,18}")


def _bad_state(what: str) -> ContextError:
    return ContextError(
        "BAD_LINK_STATE",
        Text(
            "The %(what)s behind this link is not shaped as Superset writes it: open the view in Superset again and "
            "copy a new link.",
            what=what,
        ),
        400,
    )


def _state_object(value: Any, what: str) -> dict[str, Any]:
    """A state stored in Superset by whoever made the link (filter state, Explore state, a permalink's), decoded
    if it is text: an object no deeper than ``MAX_STATE_DEPTH``, or a 400. ``what`` is a Text naming it."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _bad_state(what) from None
    if not isinstance(value, dict) or _depth(value) > MAX_STATE_DEPTH:
        raise _bad_state(what)
    return value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, counted without recursion (a hostile state may nest deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_STATE_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _optional(value: Any, kind: type, what: str) -> Any:
    """``value`` when it is None or of ``kind`` (an object or a list, as Superset writes it), else a 400."""
    if value is not None and not isinstance(value, kind):
        raise _bad_state(what)
    return value


def _state_id(value: Any, what: str) -> int | None:
    """An id in a stored state (a chart's, a dataset's): digits that fit a database integer, else a 400."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not _STATE_ID.fullmatch(str(value)):
        raise _bad_state(what)
    return int(value)


def _url_param_pairs(value: Any) -> dict[str, Any]:
    """A permalink's ``urlParams`` ([[name, value], ...], as Superset stores them), or a 400 for another shape:
    the state is whatever its creator posted."""
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(pair, list | tuple) and len(pair) == 2 for pair in value):
        return {str(name): item for name, item in value}
    raise ContextError(
        "PERMALINK_INVALID",
        Text("The permalink's URL parameters are not a list of name and value pairs: copy a new permalink."),
        400,
    )


def _dashboard_context(target: DashboardLink, dataset_id: int | None) -> RecoveredContext:
    dashboard = _load_dashboard(target.ref)
    notes: list[str] = []
    data_mask: dict[str, Any] = {}
    provenance = Provenance.NONE
    if target.native_filters_rison:
        data_mask, provenance = dict(target.native_filters_rison), Provenance.URL
    elif target.permalink_key:
        context = _dashboard_permalink_context(target.permalink_key, dataset_id)
        context.url_params.update(target.url_params)
        # What the link itself says is the reviewer's own input, not the permalink's.
        context.permalink_params = [name for name in context.permalink_params if name not in target.url_params]
        return context
    elif target.native_filters_key:
        data_mask, provenance = _filter_state(dashboard.id, target.native_filters_key, notes)
    context = _build_dashboard_context(dashboard, dataset_id, data_mask, provenance, dict(target.url_params))
    context.notes.extend(notes)
    if notes:
        context.status = Recovery.PARTIAL
    return context


def _filter_state(dashboard_id: int, key: str, notes: list[str]) -> tuple[dict[str, Any], Provenance]:
    from superset.commands.dashboard.filter_state.get import GetFilterStateCommand
    from superset.commands.temporary_cache.parameters import CommandParameters

    raw = GetFilterStateCommand(CommandParameters(resource_id=dashboard_id, key=key)).run()
    if not raw:
        notes.append(
            Text(
                "The filter state %(key)s has expired or does not exist: filter values fall back to the dashboard's "
                "defaults. Re-apply the filters in Superset and paste the new link to recover them.",
                key=key,
            )
        )
        return {}, Provenance.NONE
    return _state_object(raw, Text("filter state")), Provenance.FILTER_STATE


def _build_dashboard_context(
    dashboard: Any,
    dataset_id: int | None,
    data_mask: dict[str, Any],
    provenance: Provenance,
    url_params: dict[str, Any],
) -> RecoveredContext:
    metadata = json.loads(dashboard.json_metadata or "{}")
    configuration = metadata.get("native_filter_configuration") or []
    filters = [
        _recover_filter(item, _optional(data_mask.get(item.get("id")), dict, Text("filter state")), provenance)
        for item in configuration
    ]
    targeted = [f.dataset_id for f in filters if f.dataset_id is not None]
    chosen = dataset_id or (max(set(targeted), key=targeted.count) if targeted else None)
    if chosen is None:
        datasets = sorted({chart.datasource_id for chart in dashboard.slices if chart.datasource_type == "table"})
        if not datasets:
            raise ContextError(
                "DASHBOARD_EMPTY",
                Text("Dashboard %(dashboard)s has no dataset to review.", dashboard=dashboard.dashboard_title),
            )
        chosen = datasets[0]
    context = _dataset_context("dashboard", chosen)
    context.dashboard_id = dashboard.id
    context.dashboard_title = dashboard.dashboard_title
    context.filters = filters
    context.url_params = url_params
    if any(f.status is not Recovery.CONFIRMED for f in filters if f.provenance is not Provenance.NONE):
        context.status = Recovery.PARTIAL
    return context


def _dataset_id_of(target: dict[str, Any]) -> int | None:
    if isinstance(target.get("datasetId"), int):
        return int(target["datasetId"])
    if uuid := target.get("datasetUuid"):
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db

        found = db.session.query(SqlaTable.id).filter(SqlaTable.uuid == uuid).scalar()
        return int(found) if found is not None else None
    return None


def _recover_filter(item: dict[str, Any], mask: dict[str, Any] | None, provenance: Provenance) -> RecoveredFilter:
    target = (item.get("targets") or [{}])[0]
    column = (target.get("column") or {}).get("name")
    default_state = ((item.get("defaultDataMask") or {}).get("filterState") or {}).get("value")
    if mask is not None and "filterState" in mask:
        value, source = (_optional(mask.get("filterState"), dict, Text("filter state")) or {}).get("value"), provenance
        extra = _optional(mask.get("extraFormData"), dict, Text("filter state")) or {}
        status = Recovery.CONFIRMED if value is not None or extra else Recovery.PARTIAL
    elif default_state is not None:
        value, source, status = default_state, Provenance.NATIVE_FILTER_DEFAULT, Recovery.CONFIRMED
        extra = (item.get("defaultDataMask") or {}).get("extraFormData") or {}
    else:
        value, source, status, extra = None, Provenance.NONE, Recovery.UNRESOLVED, {}
    return RecoveredFilter(
        filter_id=str(item.get("id")),
        name=str(item.get("name") or item.get("id")),
        filter_type=str(item.get("filterType")),
        dataset_id=_dataset_id_of(target),
        column=column,
        value=value,
        provenance=source,
        status=status,
        cascade_parent_ids=list(item.get("cascadeParentIds") or []),
        extra_form_data=extra,
    )


# --------------------------------------------------------------------------------------------------------- explore


def _explore_context(target: ExploreLink) -> RecoveredContext:
    if target.form_data_key is not None:
        context = _explore_form_data_context(target.form_data_key, target)
    elif target.slice_id is not None:
        context = _chart_context(target.slice_id)
    elif target.datasource_id is not None and (target.datasource_type or "table") == "table":
        context = _dataset_context("explore", target.datasource_id)
    else:
        raise ContextError(
            "UNSUPPORTED_LINK",
            Text(
                "This Explore link names no chart and no dataset: open the chart or dataset in Superset and paste the "
                "link from its Share menu."
            ),
        )
    context.url_params = {**context.url_params, **target.url_params}
    return context


def _explore_form_data_context(key: str, target: ExploreLink) -> RecoveredContext:
    """Explore's unsaved state (``form_data_key``), read from Superset's explore form-data cache as the user."""
    from superset.commands.explore.form_data.get import GetFormDataCommand
    from superset.commands.explore.form_data.parameters import CommandParameters
    from superset.commands.temporary_cache.exceptions import (
        TemporaryCacheAccessDeniedError,
        TemporaryCacheResourceNotFoundError,
    )

    try:
        raw = GetFormDataCommand(CommandParameters(key=key)).run()
    except TemporaryCacheAccessDeniedError as ex:
        raise ContextError("EXPLORE_FORBIDDEN",
                           Text("You do not have access to this Explore view's chart or dataset."),
                           status=403) from ex  # fmt: skip
    except TemporaryCacheResourceNotFoundError as ex:
        raise ContextError("EXPLORE_NOT_FOUND", Text("The chart or dataset of this Explore view no longer exists."),
                           status=404) from ex  # fmt: skip
    if not raw:
        if target.slice_id is not None or target.datasource_id is not None:
            fallback = ExploreLink(slice_id=target.slice_id, datasource_id=target.datasource_id,
                                   datasource_type=target.datasource_type)  # fmt: skip
            context = _explore_context(fallback)
            context.status = Recovery.PARTIAL
            context.notes.append(
                Text(
                    "The Explore state %(key)s has expired: the chart's saved settings are used instead. Open the view "
                    "in Superset again and paste the new link to recover its filters.",
                    key=key,
                )
            )
            return context
        raise ContextError(
            "EXPLORE_STATE_EXPIRED",
            Text(
                "The Explore state %(key)s has expired or does not exist, and the link names no chart or dataset: "
                "open the view in Superset again and paste its link (or Share > Copy permalink).",
                key=key,
            ),
            status=404,
        )
    return _form_data_context(_state_object(raw, Text("Explore state")), Provenance.FILTER_STATE, "explore")


def _explore_permalink_context(key: str) -> RecoveredContext:
    from superset.commands.chart.exceptions import ChartAccessDeniedError, ChartNotFoundError
    from superset.commands.dataset.exceptions import DatasetAccessDeniedError
    from superset.commands.dataset.exceptions import DatasetNotFoundError as SupersetDatasetNotFoundError
    from superset.commands.explore.permalink.get import GetExplorePermalinkCommand

    try:
        value = GetExplorePermalinkCommand(key).run()
    except (ChartAccessDeniedError, DatasetAccessDeniedError) as ex:
        raise ContextError("EXPLORE_FORBIDDEN", Text("You do not have access to this permalink's chart or dataset."),
                           status=403) from ex  # fmt: skip
    except ChartNotFoundError as ex:
        raise ContextError("CHART_NOT_FOUND", Text("The chart of this permalink no longer exists."), status=404) from ex
    except SupersetDatasetNotFoundError as ex:
        raise ContextError("DATASET_NOT_FOUND", Text("The dataset of this permalink no longer exists."), 404) from ex
    except Exception as ex:
        raise ContextError(
            "PERMALINK_INVALID",
            Text("The Explore permalink %(key)s cannot be read: %(error)s", key=key, error=str(ex)),
        ) from ex
    if not value:
        raise ContextError(
            "PERMALINK_EXPIRED", Text("The Explore permalink %(key)s does not exist or expired.", key=key), 404
        )
    state = _state_object(value.get("state") or {}, Text("Explore permalink"))
    form_data = dict(_state_object(state.get("formData") or {}, Text("Explore permalink")))
    form_data.setdefault("datasource", value.get("datasource"))
    if value.get("chartId"):
        form_data.setdefault("slice_id", value["chartId"])
    context = _form_data_context(form_data, Provenance.PERMALINK, "explore")
    context.url_params.update(_url_param_pairs(state.get("urlParams")))
    context.permalink_params = list(context.url_params)
    return context


def _form_data_context(form_data: dict[str, Any], provenance: Provenance, kind: str) -> RecoveredContext:
    """A chart's form data: its dataset, URL parameters, adhoc filters and dashboard-applied extra filters."""
    what = Text("Explore state")
    datasource_id, datasource_type = _datasource_of(form_data)
    slice_id = _state_id(form_data.get("slice_id"), what)
    if datasource_id is None and slice_id:
        context = _chart_context(slice_id)
    elif datasource_id is None or datasource_type != "table":
        raise ContextError("UNSUPPORTED_CHART", Text("This Explore view is not built on a dataset."))
    else:
        context = _dataset_context(kind, datasource_id)
        if slice_id:
            context.chart_id = slice_id
    url_params = form_data.get("url_params") or {}
    if not isinstance(url_params, dict):
        raise ContextError(
            "BAD_LINK_VALUE", Text("The Explore state's URL parameters are not an object: copy the link again."), 400
        )
    context.url_params = {str(k): v for k, v in url_params.items()}
    adhoc = _optional(form_data.get("adhoc_filters"), list, what) or []
    context.filters = [_adhoc_filter(item, provenance) for item in adhoc if isinstance(item, dict)]
    extra = _optional(form_data.get("extra_form_data"), dict, what) or {}
    extra_filters = _optional(extra.get("filters"), list, what) or []
    for index, item in enumerate(_optional(item, dict, what) for item in extra_filters):
        context.filters.append(
            RecoveredFilter(
                filter_id=f"extra_form_data:{index}", name=str(item.get("col")), filter_type="dashboard_filter",
                dataset_id=context.dataset_id, column=item.get("col") if isinstance(item.get("col"), str) else None,
                value=item.get("val"), provenance=provenance, status=Recovery.CONFIRMED,
                extra_form_data={"filters": [item]},
            )
        )  # fmt: skip
    if any(f.status is not Recovery.CONFIRMED for f in context.filters):
        context.status = Recovery.PARTIAL
    return context


def _datasource_of(form_data: dict[str, Any]) -> tuple[int | None, str | None]:
    """``datasource`` is "<id>__<type>" in form data; older states carry ``datasource_id``/``datasource_type``."""
    datasource = form_data.get("datasource")
    if isinstance(datasource, str) and "__" in datasource:
        ident, _, kind = datasource.partition("__")
        if _STATE_ID.fullmatch(ident):
            return int(ident), kind
    datasource_id = _state_id(form_data.get("datasource_id"), Text("Explore state"))
    if datasource_id is not None:
        return datasource_id, str(form_data.get("datasource_type") or "table")
    return None, None


def _adhoc_filter(item: dict[str, Any], provenance: Provenance) -> RecoveredFilter:
    """An Explore adhoc filter: SIMPLE ones name a column and a value; SQL ones are kept but only partial."""
    simple = item.get("expressionType") == "SIMPLE"
    subject = item.get("subject")
    column = subject if simple and isinstance(subject, str) else None
    return RecoveredFilter(
        filter_id=str(item.get("filterOptionName") or f"adhoc:{subject}"),
        name=f"{subject} {item.get('operator')}" if simple else str(item.get("sqlExpression")),
        filter_type="adhoc_filter",
        dataset_id=None,
        column=column,
        value=item.get("comparator") if simple else item.get("sqlExpression"),
        provenance=provenance,
        status=Recovery.CONFIRMED if simple else Recovery.PARTIAL,
    )


# ---------------------------------------------------------------------------------------------------------- sql lab


def _sqllab_permalink_context(key: str) -> RecoveredContext:
    from superset.commands.sql_lab.permalink.get import GetSqlLabPermalinkCommand

    value = _read_permalink(GetSqlLabPermalinkCommand, "SQL Lab", key)
    params = _state_object(value.get("templateParams") or {}, Text("SQL Lab permalink"))
    context = _sql_context(int(value["dbId"]), value.get("sql") or "", params)
    context.permalink_params = [str(name) for name in params]
    return context


def _sqllab_link_context(target: SqlLabLink) -> RecoveredContext:
    from superset.extensions import db

    if target.datasource_key:
        ident, _, kind = target.datasource_key.partition("__")
        if ident.isdigit() and kind in ("table", ""):
            return _dataset_context("sqllab", int(ident))
    if target.saved_query_id is not None:
        from superset.daos.query import SavedQueryDAO

        saved = SavedQueryDAO.find_by_id(target.saved_query_id)  # its base filter: only the user's own queries
        if saved is None:
            raise ContextError(
                "SAVED_QUERY_NOT_FOUND",
                Text("Saved query %(query)s does not exist or is not yours.", query=target.saved_query_id),
                404,
            )
        params = _state_object(saved.template_parameters or {}, Text("saved query"))
        return _sql_context(saved.db_id, saved.sql or "", params)
    if target.query_id is not None:
        from flask import g
        from superset.models.sql_lab import Query

        query = db.session.query(Query).filter(Query.id == target.query_id, Query.user_id == g.user.id).one_or_none()
        if query is None:
            raise ContextError(
                "QUERY_NOT_FOUND", Text("Query %(query)s does not exist or is not yours.", query=target.query_id), 404
            )
        return _sql_context(query.database_id, query.sql or "", {})
    if target.db_id is not None and target.sql:
        return _sql_context(target.db_id, target.sql, {})
    raise ContextError(
        "UNSUPPORTED_LINK",
        Text(
            "This SQL Lab link carries no query: in SQL Lab use Share > Copy link (a /sqllab/p/ permalink) and paste "
            "it."
        ),
    )


def _normalized_sql(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip()


def _sql_context(database_id: int, sql: str, params: dict[str, Any]) -> RecoveredContext:
    """A SQL Lab query is reviewed through the virtual dataset saved from it (same database, same SQL)."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db, security_manager

    wanted = _normalized_sql(sql)
    candidates = (
        db.session.query(SqlaTable)
        .filter(SqlaTable.database_id == database_id, SqlaTable.sql.isnot(None))
        .order_by(SqlaTable.changed_on.desc())
        .all()
    )
    for dataset in candidates:
        if _normalized_sql(dataset.sql or "") == wanted and security_manager.can_access_datasource(dataset):
            context = _dataset_context("sqllab", dataset.id)
            context.template_params = {**context.template_params, **params}
            return context
    raise ContextError(
        "SQLLAB_NOT_A_DATASET",
        Text(
            "This SQL Lab query is not saved as a dataset you can access. In SQL Lab, run it and choose Save > Save "
            "dataset, then start the review from the new dataset."
        ),
    )
