"""``SupersetContextExtractor``: from a parsed link to what Superset knows about it, read server side as the user.

Every recovered item says where it came from (URL, permalink, saved filter state, native filter default,
dataset params) and whether it is confirmed, partial or unresolved.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from superset_review.adapters.datasets import get_dataset
from superset_review.intake.links import (
    ChartLink,
    DashboardLink,
    DashboardPermalink,
    DatasetId,
    DatasetLink,
    ExploreLink,
    LinkTarget,
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

    def __init__(self, code: str, message: str, status: int = 422) -> None:
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
    status: Recovery = Recovery.CONFIRMED
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        serialized: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return serialized


def recover(target: LinkTarget, dataset_id: int | None = None) -> RecoveredContext:
    """What Superset holds for ``target``, as the current user. ``dataset_id`` picks a dashboard's dataset."""
    if isinstance(target, (DatasetId, DatasetLink)):
        return _dataset_context("dataset", target.id if isinstance(target, DatasetId) else target.dataset_id)
    if isinstance(target, DashboardLink):
        return _dashboard_context(target, dataset_id)
    if isinstance(target, DashboardPermalink):
        return _dashboard_permalink_context(target.key, dataset_id)
    if isinstance(target, ChartLink):
        return _chart_context(target.slice_id)
    if isinstance(target, ExploreLink):
        if target.slice_id is not None:
            context = _chart_context(target.slice_id)
        elif target.datasource_id is not None and (target.datasource_type or "table") == "table":
            context = _dataset_context("explore", target.datasource_id)
        else:
            raise ContextError(
                "UNSUPPORTED_LINK",
                "This Explore link carries only a saved form-data key: save the chart and paste its link instead.",
            )
        context.url_params = dict(target.url_params)
        return context
    raise ContextError(
        "UNSUPPORTED_LINK",
        f"Reviews start from a dashboard, a chart, an Explore view or a dataset; {type(target).__name__} links are "
        "not supported yet: open the dataset in Superset and paste its link.",
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
        raise ContextError("CHART_NOT_FOUND", f"Chart {slice_id} does not exist (deleted?).", status=404)
    if not security_manager.can_access_chart(chart):
        raise ContextError("CHART_FORBIDDEN", f"You do not have access to chart {slice_id}.", status=403)
    if chart.datasource_type != "table" or chart.datasource_id is None:
        raise ContextError("UNSUPPORTED_CHART", f"Chart {slice_id} is not built on a dataset.")
    context = _dataset_context("chart", chart.datasource_id)
    context.chart_id = chart.id
    return context


def _load_dashboard(ref: str | int) -> Any:
    from superset.commands.dashboard.exceptions import DashboardAccessDeniedError, DashboardNotFoundError
    from superset.daos.dashboard import DashboardDAO

    try:
        return DashboardDAO.get_by_id_or_slug(ref)
    except DashboardNotFoundError as ex:
        raise ContextError("DASHBOARD_NOT_FOUND", f"Dashboard {ref} does not exist (deleted?).", status=404) from ex
    except DashboardAccessDeniedError as ex:
        raise ContextError("DASHBOARD_FORBIDDEN", f"You do not have access to dashboard {ref}.", status=403) from ex


def _dashboard_permalink_context(key: str, dataset_id: int | None) -> RecoveredContext:
    from superset.commands.dashboard.permalink.get import GetDashboardPermalinkCommand

    try:
        value = GetDashboardPermalinkCommand(key).run()
    except Exception as ex:
        raise ContextError("PERMALINK_INVALID", f"The dashboard permalink {key} cannot be read: {ex}") from ex
    if not value:
        raise ContextError("PERMALINK_EXPIRED", f"The dashboard permalink {key} does not exist or expired.", 404)
    state = value.get("state") or {}
    dashboard = _load_dashboard(value["dashboardId"])
    return _build_dashboard_context(
        dashboard, dataset_id, state.get("dataMask") or {}, Provenance.PERMALINK, dict(state.get("urlParams") or [])
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
            f"The filter state {key} has expired or does not exist: filter values fall back to the dashboard's "
            "defaults. Re-apply the filters in Superset and paste the new link to recover them."
        )
        return {}, Provenance.NONE
    return json.loads(raw), Provenance.FILTER_STATE


def _build_dashboard_context(
    dashboard: Any,
    dataset_id: int | None,
    data_mask: dict[str, Any],
    provenance: Provenance,
    url_params: dict[str, Any],
) -> RecoveredContext:
    metadata = json.loads(dashboard.json_metadata or "{}")
    configuration = metadata.get("native_filter_configuration") or []
    filters = [_recover_filter(item, data_mask.get(item.get("id")), provenance) for item in configuration]
    targeted = [f.dataset_id for f in filters if f.dataset_id is not None]
    chosen = dataset_id or (max(set(targeted), key=targeted.count) if targeted else None)
    if chosen is None:
        datasets = sorted({chart.datasource_id for chart in dashboard.slices if chart.datasource_type == "table"})
        if not datasets:
            raise ContextError("DASHBOARD_EMPTY", f"Dashboard {dashboard.dashboard_title} has no dataset to review.")
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
        value, source = (mask.get("filterState") or {}).get("value"), provenance
        extra = mask.get("extraFormData") or {}
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
