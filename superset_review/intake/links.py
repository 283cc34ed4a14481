"""Superset 6.1 links, parsed into typed targets.

``parse_link`` accepts what a reviewer pastes: an absolute (http/https) or relative URL of a dashboard, a chart, a
dataset or SQL Lab, a permalink of any of them, or a bare dataset id. It returns one of the frozen dataclasses of
``LinkTarget`` or raises ``LinkError`` with a message saying what to paste instead. Nothing is looked up: a target
only says *which* object the link names and which saved state (filter-state key, permalink key, rison filters, URL
parameters) it carries; resolving those is the job of the Superset adapter.

The shapes follow the installed Superset 6.1 wheel: server routes in ``superset/views`` (``/superset/dashboard/<id|slug|
uuid>/``, ``/superset/dashboard/p/<key>/``, ``/superset/slice/<id>/``, ``/superset/explore/p/<key>/``,
``/superset/explore/<type>/<id>/``, ``/explore/``, ``/dataset/<pk>``, ``/sqllab/``, ``/sqllab/p/<key>/``,
``/dashboard/<id|slug>/embedded``), the React router and URL-parameter tables of the frontend bundle, and the URLs the
models emit (``Slice.url`` = ``/explore/?slice_id=N``, ``SqlaTable.explore_url`` =
``/explore/?datasource_type=table&datasource_id=N``, ``SqlaTable.url`` = ``/tablemodelview/edit/N``,
``Slice.edit_url`` = ``/chart/edit/N``, ``SavedQuery.url`` = ``/sqllab?savedQueryId=N``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qsl, unquote, urlsplit

import prison
from prison.decoder import ParserException

from superset_review.extension.i18n import Text
from superset_review.extension.linear_regex import compile_linear

RefKind = Literal["id", "slug", "uuid"]

MAX_LINK_LENGTH = 16_384
MAX_QUERY_ARGS = 500

# Superset's keys: filter-state and form-data keys come from `secrets.token_urlsafe`, permalink keys from hashids.
_KEY = compile_linear(r"[A-Za-z0-9_-]{1,512}")
_DIGITS = compile_linear(r"[0-9]{1,18}")
_CONTROL = compile_linear(r"[\x00-\x1f\x7f]")
_HAS_SCHEME = compile_linear(r"[A-Za-z][A-Za-z0-9+.-]*:")
# "superset.example.com/...", "localhost:8088/...", "10.0.0.5:8088/...": a link copied without its scheme.
_HOST_FIRST = compile_linear(
    r"(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?#]|$)"
)

# Dashboard query arguments that only steer the UI (not passed to `url_param()` usefully, or read separately).
_DASHBOARD_UI_PARAMS = frozenset(
    {
        "standalone",
        "edit",
        "show_filters",
        "expand_filters",
        "uiConfig",
        "focused_chart",
        "dashboard_page_id",
        "preselect_filters",
        "force",
    }
)
_DASHBOARD_STATE_PARAMS = frozenset({"native_filters_key", "permalink_key", "native_filters"})

# Explore's own query arguments (frontend `URL_PARAMS` and the explore URL-parameter table), not custom url params.
_EXPLORE_PARAMS = frozenset(
    {
        "form_data",
        "form_data_key",
        "permalink_key",
        "slice_id",
        "datasource_id",
        "datasource_type",
        "datasource",
        "dataset_id",
        "viz_type",
        "dashboard_id",
        "dashboard_page_id",
        "focused_chart",
        "standalone",
        "uiConfig",
        "force",
        "save_action",
        "slice_name",
        "show_database_modal",
        "edit",
    }
)

# SQL Lab's query arguments, read by the SQL Lab page when it opens a tab.
_SQLLAB_PARAMS = frozenset(
    {
        "savedQueryId",
        "queryId",
        "dbid",
        "sql",
        "schema",
        "catalog",
        "name",
        "autorun",
        "datasourceKey",
        "new",
        "id",
        "permalink",
    }
)


class LinkErrorCode(StrEnum):
    UNSUPPORTED_LINK = "UNSUPPORTED_LINK"
    FOREIGN_HOST = "FOREIGN_HOST"
    MALFORMED_LINK = "MALFORMED_LINK"
    BAD_RISON = "BAD_RISON"


class LinkError(ValueError):
    """A link that names nothing a review can start from. ``code`` is stable; the message is for people."""

    def __init__(self, code: LinkErrorCode, message: Text) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class DashboardLink:
    """``/superset/dashboard/<ref>/?...``: a dashboard with the filter state its link carries."""

    ref: str
    ref_kind: RefKind
    native_filters_key: str | None = None
    permalink_key: str | None = None
    native_filters_rison: dict[str, Any] | None = field(default=None, hash=False)
    url_params: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def dashboard_id(self) -> int | None:
        return int(self.ref) if self.ref_kind == "id" else None


@dataclass(frozen=True)
class DashboardPermalink:
    """``/superset/dashboard/p/<key>/``: dashboard id and full state live behind the key."""

    key: str


@dataclass(frozen=True)
class ExploreLink:
    """``/explore/?...``: a chart (``slice_id``), a dataset (``datasource_*``) and/or cached Explore state."""

    form_data_key: str | None = None
    slice_id: int | None = None
    datasource_id: int | None = None
    datasource_type: str | None = None
    url_params: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ExplorePermalink:
    """``/superset/explore/p/<key>/``: a chart's form data saved under a permalink key."""

    key: str


@dataclass(frozen=True)
class ChartLink:
    """``/superset/slice/<id>/`` (redirects to Explore) and ``/chart/edit/<id>``."""

    slice_id: int


@dataclass(frozen=True)
class SqlLabPermalink:
    """``/sqllab/p/<key>/``: SQL, database, schema and template parameters saved under a key."""

    key: str


@dataclass(frozen=True)
class SqlLabLink:
    """``/sqllab/?savedQueryId=N`` or ``/sqllab/?dbid=N&sql=...``: what SQL Lab opens in a new tab."""

    saved_query_id: int | None = None
    query_id: int | None = None
    db_id: int | None = None
    sql: str | None = None
    schema: str | None = None
    catalog: str | None = None
    name: str | None = None
    autorun: bool = False
    datasource_key: str | None = None
    url_params: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class DatasetLink:
    """``/dataset/<id>`` (the dataset editor) and ``/tablemodelview/edit/<id>`` (``SqlaTable.url``)."""

    dataset_id: int


@dataclass(frozen=True)
class DatasetId:
    """The input was just a number: a dataset id."""

    id: int


LinkTarget: TypeAlias = (
    DashboardLink
    | DashboardPermalink
    | ExploreLink
    | ExplorePermalink
    | ChartLink
    | SqlLabPermalink
    | SqlLabLink
    | DatasetLink
    | DatasetId
)


# ----------------------------------------------------------------------------------------------------------- parse


class _Query:
    """Query arguments decoded like the browser's ``URLSearchParams`` (``+`` is a space); the first value wins."""

    def __init__(self, query: str) -> None:
        self.args: dict[str, str] = {}
        try:
            pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_ARGS)
        except ValueError as exc:
            raise LinkError(
                LinkErrorCode.MALFORMED_LINK,
                Text(
                    "This link has more than %(count)d query arguments: copy a permalink instead (Share > Copy "
                    "permalink to clipboard).",
                    count=MAX_QUERY_ARGS,
                ),
            ) from exc
        for key, value in pairs:
            self.args.setdefault(key, value)

    def get(self, name: str) -> str | None:
        value = self.args.get(name)
        return value if value else None

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        return None if value is None else _positive_int(value, name)

    def rest(self, known: Collection[str]) -> dict[str, str]:
        return {key: value for key, value in self.args.items() if key not in known}


def parse_link(
    url: str,
    *,
    allowed_hosts: Collection[str] | None = None,
    app_root: str | None = None,
) -> LinkTarget:
    """Parse a Superset 6.1 link (absolute or relative) or a bare dataset id into a ``LinkTarget``.

    ``allowed_hosts``: when given, an absolute URL must name one of these hosts (``host`` or ``host:port``).
    ``app_root``: the application root Superset is served under (``/analytics``); stripped from the path.
    Raises ``LinkError``.
    """
    if not isinstance(url, str):
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text("Expected a link as text, got %(type)s: paste the URL as text.", type=type(url).__name__),
        )
    text = url.strip()
    if len(text) >= 2 and (text[0], text[-1]) in {("<", ">"), ('"', '"'), ("'", "'")}:
        text = text[1:-1].strip()
    if not text:
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text("The link is empty: paste the URL of a dashboard, chart, dataset or SQL Lab query, or a dataset id."),
        )
    if len(text) > MAX_LINK_LENGTH:
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "The link is %(length)d characters long, more than the %(limit)d accepted: copy a permalink "
                "instead (Share > Copy permalink to clipboard).",
                length=len(text),
                limit=MAX_LINK_LENGTH,
            ),
        )
    if _CONTROL.search(text):
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text("The link contains line breaks or control characters: paste a single URL."),
        )
    if _DIGITS.fullmatch(text):
        dataset_id = int(text)
        if dataset_id < 1:
            raise LinkError(LinkErrorCode.MALFORMED_LINK, Text("Dataset ids start at 1: paste the id of a dataset."))
        return DatasetId(dataset_id)

    if "://" not in text and _HOST_FIRST.match(text):  # "superset.example.com/superset/dashboard/5/"
        text = "http://" + text
    elif not text.startswith("/") and not _HAS_SCHEME.match(text):
        if "/" not in text:
            raise LinkError(
                LinkErrorCode.MALFORMED_LINK,
                Text(
                    "%(text)s is not a link: paste the URL of a dashboard, chart, dataset or SQL Lab query, "
                    "or a dataset id.",
                    text=repr(text[:40]),
                ),
            )
        text = "/" + text  # "superset/dashboard/5/"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "This link cannot be read as a URL (%(error)s): copy it again from the browser's address bar.",
                error=str(exc),
            ),
        ) from exc

    scheme = parts.scheme.lower()
    if scheme and scheme not in {"http", "https"}:
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "This is a %(scheme)s: link, not a web address: paste the http(s) URL from the browser's address bar.",
                scheme=scheme,
            ),
        )
    if scheme and not parts.netloc:
        raise LinkError(LinkErrorCode.MALFORMED_LINK, Text("This link has no host name: paste the full URL."))
    if parts.netloc:
        _check_host(parts.netloc, parts.hostname, port, allowed_hosts)

    segments = _segments(parts.path)
    segments = _strip_app_root(segments, app_root)
    return _route(segments, _Query(parts.query))


def _check_host(netloc: str, hostname: str | None, port: int | None, allowed_hosts: Collection[str] | None) -> None:
    host_port = netloc.rpartition("@")[2].lower()
    if not hostname:
        raise LinkError(LinkErrorCode.MALFORMED_LINK, Text("This link has no host name: paste the full URL."))
    if allowed_hosts is None:
        return
    allowed = {_normalize_host(entry) for entry in allowed_hosts}
    candidates = {hostname.lower(), host_port}
    if port is not None:
        candidates.add(f"{hostname.lower()}:{port}")
    if candidates & allowed:
        return
    if allowed:
        message = Text(
            "This link points to %(host)s, which is not this Superset (%(hosts)s): open the object in this Superset "
            "and copy its URL from there.",
            host=host_port,
            hosts=", ".join(sorted(allowed)),
        )
    else:
        message = Text(
            "This link points to %(host)s, which is not this Superset (none configured): open the object in this "
            "Superset and copy its URL from there.",
            host=host_port,
        )
    raise LinkError(LinkErrorCode.FOREIGN_HOST, message)


def _normalize_host(entry: str) -> str:
    entry = entry.strip().lower()
    if "://" in entry:
        entry = urlsplit(entry).netloc
    return entry.rstrip("/")


def _segments(path: str) -> list[str]:
    out: list[str] = []
    for raw in path.split("/"):
        segment = unquote(raw)
        if segment in {"", "."}:
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    return out


def _strip_app_root(segments: list[str], app_root: str | None) -> list[str]:
    root = [s for s in (app_root or "").split("/") if s]
    if root and [s.lower() for s in segments[: len(root)]] == [s.lower() for s in root]:
        return segments[len(root) :]
    return segments


# ---------------------------------------------------------------------------------------------------------- routes

Handler = Callable[[Sequence[str], _Query], LinkTarget]


def _dashboard(captures: Sequence[str], query: _Query) -> LinkTarget:
    ref, kind = _dashboard_ref(captures[0])
    return DashboardLink(
        ref=ref,
        ref_kind=kind,
        native_filters_key=_key_arg(query, "native_filters_key"),
        permalink_key=_key_arg(query, "permalink_key"),
        native_filters_rison=_rison(query.get("native_filters")),
        url_params=query.rest(_DASHBOARD_UI_PARAMS | _DASHBOARD_STATE_PARAMS),
    )


def _dashboard_ref(ref: str) -> tuple[str, RefKind]:
    if _DIGITS.fullmatch(ref):
        return str(int(ref)), "id"
    try:
        return str(uuid.UUID(ref)), "uuid"
    except ValueError:
        return ref, "slug"


def _dashboard_permalink(captures: Sequence[str], query: _Query) -> LinkTarget:
    return DashboardPermalink(_key(captures[0], Text("dashboard permalink")))


def _explore_permalink(captures: Sequence[str], query: _Query) -> LinkTarget:
    return ExplorePermalink(_key(captures[0], Text("chart permalink")))


def _sqllab_permalink(captures: Sequence[str], query: _Query) -> LinkTarget:
    return SqlLabPermalink(_key(captures[0], Text("SQL Lab permalink")))


def _chart(captures: Sequence[str], query: _Query) -> LinkTarget:
    return ChartLink(_positive_int(captures[0], Text("chart id")))


def _dataset(captures: Sequence[str], query: _Query) -> LinkTarget:
    return DatasetLink(_positive_int(captures[0], Text("dataset id")))


def _explore(captures: Sequence[str], query: _Query) -> LinkTarget:
    permalink_key = _key_arg(query, "permalink_key")
    if permalink_key is not None:
        return ExplorePermalink(permalink_key)

    form_data = _form_data(query.get("form_data"))
    slice_id = _int_value(form_data.get("slice_id"), Text("slice_id in form_data"))
    ds_id, ds_type = _datasource(form_data.get("datasource"))
    ds_id = _int_value(form_data.get("datasource_id"), Text("datasource_id in form_data")) or ds_id
    ds_type = _str_value(form_data.get("datasource_type")) or ds_type

    if captures:  # /superset/explore/<datasource_type>/<datasource_id>/
        ds_type, ds_id = captures[0], _positive_int(captures[1], Text("datasource id"))
    slice_id = query.integer("slice_id") or slice_id
    if query.get("datasource_id") is not None:
        ds_id, type_in_id = _datasource_id_arg(query.get("datasource_id"))
        ds_type = type_in_id or ds_type
    ds_type = query.get("datasource_type") or ds_type
    if query.get("datasource") is not None:
        ds_id, ds_type = _datasource(query.get("datasource"))
    if ds_id is None and query.get("dataset_id") is not None:
        ds_id, ds_type = query.integer("dataset_id"), ds_type or "table"

    form_data_key = _key_arg(query, "form_data_key")
    if form_data_key is None and slice_id is None and ds_id is None:
        raise LinkError(
            LinkErrorCode.UNSUPPORTED_LINK,
            Text(
                "This Explore link names no chart and no dataset: save the chart (or open a saved one) and copy its "
                "URL, or use Share > Copy permalink."
            ),
        )
    url_params = {k: _str_value(v) or "" for k, v in _dict_value(form_data.get("url_params")).items()}
    url_params.update(query.rest(_EXPLORE_PARAMS))
    return ExploreLink(
        form_data_key=form_data_key,
        slice_id=slice_id,
        datasource_id=ds_id,
        datasource_type=ds_type.lower() if ds_type else None,
        url_params=url_params,
    )


def _sqllab(captures: Sequence[str], query: _Query) -> LinkTarget:
    link = SqlLabLink(
        saved_query_id=query.integer("savedQueryId"),
        query_id=query.integer("queryId"),
        db_id=query.integer("dbid"),
        sql=query.get("sql"),
        schema=query.get("schema"),
        catalog=query.get("catalog"),
        name=query.get("name"),
        autorun=(query.get("autorun") or "").lower() in {"true", "1", "yes"},
        datasource_key=query.get("datasourceKey"),
        url_params=query.rest(_SQLLAB_PARAMS),
    )
    if link.saved_query_id is None and link.query_id is None and link.sql is None and link.datasource_key is None:
        raise LinkError(
            LinkErrorCode.UNSUPPORTED_LINK,
            Text(
                "This is SQL Lab itself, not one query: in SQL Lab use Copy link on the query's tab (a /sqllab/p/... "
                "permalink), or save the query and copy its URL from Saved queries."
            ),
        )
    return link


# (path pattern, handler). "*" captures one segment. Checked in order, after the known non-object pages below.
ROUTES: tuple[tuple[tuple[str, ...], Handler], ...] = (
    (("superset", "dashboard", "p", "*"), _dashboard_permalink),
    (("superset", "dashboard", "*"), _dashboard),
    (("dashboard", "*", "embedded"), _dashboard),
    (("superset", "explore", "p", "*"), _explore_permalink),
    (("explore", "p", "*"), _explore_permalink),
    (("superset", "explore"), _explore),
    (("explore",), _explore),
    (("superset", "explore", "*", "*"), _explore),
    (("superset", "slice", "*"), _chart),
    (("chart", "edit", "*"), _chart),
    (("dataset", "*"), _dataset),
    (("tablemodelview", "edit", "*"), _dataset),
    (("sqllab", "p", "*"), _sqllab_permalink),
    (("sqllab",), _sqllab),
)

_HOME = Text(
    "This is Superset's home page: open the dashboard, chart, dataset or SQL Lab query to review and copy its URL."
)
_LOGIN = Text("This is Superset's login page: log in, open the dashboard, chart or dataset to review and copy its URL.")
_TAGS = Text("This is a list of tagged objects: open one dashboard, chart or dataset and copy its URL.")
_SQLLAB_HISTORY = Text(
    "This is SQL Lab's query history: open the query in SQL Lab and use Copy link on its tab, or save it and "
    "copy its URL."
)
_CHART_PERMALINK_NO_KEY = Text("This chart permalink has no key: copy the whole permalink from Share.")

# Pages that exist in Superset 6.1 but name no single reviewable object: each gets a message saying what to paste.
KNOWN_PAGES: dict[tuple[str, ...], Text] = {
    (): _HOME,
    ("superset", "welcome"): _HOME,
    ("chart", "list"): Text(
        "This is a link to Superset's chart list, not to one chart: open the chart and copy its URL."
    ),
    ("chart", "add"): Text(
        "This is the page that creates a new chart: open an existing chart (or save this one first) and copy its URL."
    ),
    ("dashboard", "list"): Text(
        "This is a link to Superset's dashboard list, not to one dashboard: open the dashboard and copy its URL."
    ),
    ("dashboard", "new"): Text(
        "This link creates a new, empty dashboard: open the dashboard to review and copy its URL."
    ),
    ("tablemodelview", "list"): Text(
        "This is a link to Superset's dataset list, not to one dataset: click the dataset's name and copy the URL, "
        "or paste the dataset's id."
    ),
    ("dataset", "add"): Text(
        "This is the page that creates a new dataset: create it first, then paste its URL or its id."
    ),
    ("savedqueryview", "list"): Text(
        "This is a link to the list of saved queries, not to one query: open the query in SQL Lab and copy its "
        "URL, or use Copy link on its tab."
    ),
    ("sqllab", "history"): _SQLLAB_HISTORY,
    ("superset", "sqllab", "history"): _SQLLAB_HISTORY,
    ("databaseview", "list"): Text(
        "This is the list of database connections: a review starts from a dashboard, chart, dataset or SQL Lab "
        "query; paste the URL of one of those."
    ),
    ("superset", "dashboard"): Text("This dashboard link names no dashboard: open the dashboard and copy its URL."),
    ("superset", "dashboard", "p"): Text(
        "This dashboard permalink has no key: copy the whole permalink (Share > Copy permalink to clipboard)."
    ),
    ("superset", "explore", "p"): _CHART_PERMALINK_NO_KEY,
    ("explore", "p"): _CHART_PERMALINK_NO_KEY,
    ("sqllab", "p"): Text("This SQL Lab permalink has no key: copy the whole link with Copy link on the query's tab."),
    ("superset", "slice"): Text("This chart link names no chart: open the chart and copy its URL."),
    ("superset", "all_entities"): _TAGS,
    ("superset", "tags"): _TAGS,
    ("login",): _LOGIN,
    ("logout",): _LOGIN,
    ("register",): _LOGIN,
}

_PREFIX_PAGES: tuple[tuple[tuple[str, ...], Text], ...] = (
    (
        ("api",),
        Text(
            "This is an API address, not a page: open the dashboard, chart or dataset in Superset and copy the URL "
            "from the browser's address bar."
        ),
    ),
    (
        ("embedded",),
        Text(
            "This is an embedded-dashboard address, whose id is the embedding's, not the dashboard's: open the "
            "dashboard in Superset itself and copy its URL."
        ),
    ),
    (
        ("static",),
        Text(
            "This is a static file of Superset, not a page: paste the URL of a dashboard, chart, dataset or SQL Lab "
            "query."
        ),
    ),
)

_ROUTE_HEADS = frozenset({"superset", "explore", "sqllab", "dataset", "tablemodelview", "dashboard", "chart"})


def _route(segments: list[str], query: _Query) -> LinkTarget:
    lowered = tuple(s.lower() for s in segments)
    if lowered in KNOWN_PAGES:
        raise LinkError(LinkErrorCode.UNSUPPORTED_LINK, KNOWN_PAGES[lowered])
    for prefix, message in _PREFIX_PAGES:
        if lowered[: len(prefix)] == prefix:
            raise LinkError(LinkErrorCode.UNSUPPORTED_LINK, message)
    for pattern, handler in ROUTES:
        captures = _match(pattern, segments, lowered)
        if captures is not None:
            return handler(captures, query)

    path = "/" + "/".join(segments)
    head = next((i for i, s in enumerate(lowered) if s in _ROUTE_HEADS), None)
    if head:
        message = Text(
            "Superset 6.1 shows no dashboard, chart, dataset or SQL Lab query at %(path)s: paste the URL of one of "
            "those (copied from the browser's address bar), a permalink, or a dataset id. If Superset is served "
            "under the application root %(root)s, configure that root.",
            path=path,
            root="/" + "/".join(segments[:head]),
        )
    else:
        message = Text(
            "Superset 6.1 shows no dashboard, chart, dataset or SQL Lab query at %(path)s: paste the URL of one of "
            "those (copied from the browser's address bar), a permalink, or a dataset id.",
            path=path,
        )
    raise LinkError(LinkErrorCode.UNSUPPORTED_LINK, message)


def _match(pattern: tuple[str, ...], segments: list[str], lowered: tuple[str, ...]) -> list[str] | None:
    if len(pattern) != len(segments):
        return None
    captures: list[str] = []
    for want, segment, low in zip(pattern, segments, lowered, strict=True):
        if want == "*":
            captures.append(segment)
        elif want != low:
            return None
    return captures


# --------------------------------------------------------------------------------------------------------- values


def _positive_int(value: str, what: str) -> int:
    """``what`` names the value: a Text when it is words ("chart id"), a query argument's own name otherwise."""
    text = value.strip()
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "The %(what)s in this link (%(value)s) is not a positive number: copy the link again from Superset.",
                what=what,
                value=repr(value),
            ),
        )
    return int(text)


def _int_value(value: object, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text("The %(what)s in this link is not a number: copy the link again.", what=what),
        )
    if isinstance(value, int):
        return _positive_int(str(value), what)
    if isinstance(value, str):
        return _positive_int(value, what)
    raise LinkError(
        LinkErrorCode.MALFORMED_LINK, Text("The %(what)s in this link is not a number: copy the link again.", what=what)
    )


def _str_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _dict_value(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _key(value: str, what: str) -> str:
    if not _KEY.fullmatch(value):
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "The %(what)s key in this link (%(value)s) is not a Superset key: copy the link again.",
                what=what,
                value=repr(value[:40]),
            ),
        )
    return value


def _key_arg(query: _Query, name: str) -> str | None:
    value = query.get(name)
    return None if value is None else _key(value, name)


def _datasource(value: object) -> tuple[int | None, str | None]:
    """``"12__table"`` (Superset's datasource uid) -> ``(12, "table")``."""
    if value is None or value == "":
        return None, None
    text = _str_value(value) or ""
    ds_id, sep, ds_type = text.partition("__")
    return _positive_int(ds_id, Text("datasource id")), (ds_type or None) if sep else None


def _datasource_id_arg(value: str | None) -> tuple[int | None, str | None]:
    if value is None:
        return None, None
    if "__" in value:
        return _datasource(value)
    return _positive_int(value, "datasource_id"), None


def _form_data(value: str | None) -> dict[str, object]:
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError) as exc:  # nesting thousands deep fits in a link
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text(
                "The form_data part of this Explore link is not valid JSON (the link was probably cut off): copy the "
                "chart's URL again, or use Share > Copy permalink."
            ),
        ) from exc
    if not isinstance(parsed, dict):
        raise LinkError(
            LinkErrorCode.MALFORMED_LINK,
            Text("The form_data part of this Explore link is not a JSON object: copy the chart's URL again."),
        )
    return {str(k): v for k, v in parsed.items()}


def _rison(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        decoded = prison.loads(value)
    except (ParserException, ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        detail = (
            str(exc) if isinstance(exc, ParserException) else Text("it ends too early or has an unexpected character")
        )
        raise LinkError(
            LinkErrorCode.BAD_RISON,
            Text(
                "The native_filters part of this dashboard link is not valid rison (%(detail)s); the link was "
                "probably cut off or edited: copy it again, or use Share > Copy permalink to clipboard.",
                detail=detail,
            ),
        ) from exc
    if not isinstance(decoded, dict):
        raise LinkError(
            LinkErrorCode.BAD_RISON,
            Text(
                "The native_filters part of this dashboard link is not a rison object of filter states (it should "
                "look like (NATIVE_FILTER-...:(...))): copy the link again, or use Share > Copy permalink to "
                "clipboard."
            ),
        )
    return {str(k): v for k, v in decoded.items()}


# -------------------------------------------------------------------------------------------------------- describe


def describe(target: LinkTarget) -> str:
    """One line for the UI: what the link names and which state it carries (a Text)."""
    match target:
        case DashboardLink():
            what = (
                Text("Dashboard '%(ref)s'", ref=target.ref)
                if target.ref_kind == "slug"
                else Text("Dashboard %(ref)s", ref=target.ref)
            )
            extras: list[Text] = []
            if target.permalink_key:
                extras.append(Text("permalink state %(key)s", key=target.permalink_key))
            if target.native_filters_key:
                extras.append(Text("saved filter state %(key)s", key=target.native_filters_key))
            if target.native_filters_rison is not None:
                n = len(target.native_filters_rison)
                extras.append(
                    Text("%(count)d native filter state in the link", count=n)
                    if n == 1
                    else Text("%(count)d native filter states in the link", count=n)
                )
            if target.url_params:
                extras.append(Text("URL parameters %(names)s", names=", ".join(sorted(target.url_params))))
            if not extras:
                return what
            state = extras[0]
            for extra in extras[1:]:
                state = Text("%(first)s; %(next)s", first=state, next=extra)
            return Text("%(target)s with %(state)s", target=what, state=state)
        case DashboardPermalink():
            return Text("Dashboard permalink %(key)s", key=target.key)
        case ExploreLink():
            return _describe_explore(target)
        case ExplorePermalink():
            return Text("Chart permalink %(key)s", key=target.key)
        case ChartLink():
            return Text("Chart %(chart)s", chart=target.slice_id)
        case SqlLabPermalink():
            return Text("SQL Lab permalink %(key)s", key=target.key)
        case SqlLabLink():
            return _describe_sqllab(target)
        case DatasetLink():
            return Text("Dataset %(dataset)s", dataset=target.dataset_id)
        case DatasetId():
            return Text("Dataset %(dataset)s", dataset=target.id)
    raise TypeError(f"not a link target: {target!r}")


def _describe_explore(target: ExploreLink) -> Text:
    kind = target.datasource_type or "table"
    if target.slice_id is not None and target.datasource_id is not None:
        source = (
            Text("dataset %(dataset)s", dataset=target.datasource_id)
            if kind == "table"
            else Text("%(kind)s %(id)s", kind=kind, id=target.datasource_id)
        )
        text = Text("Chart %(chart)s (%(source)s)", chart=target.slice_id, source=source)
    elif target.slice_id is not None:
        text = Text("Chart %(chart)s", chart=target.slice_id)
    elif target.datasource_id is not None:
        text = (
            Text("Dataset %(dataset)s", dataset=target.datasource_id)
            if kind == "table"
            else Text("%(kind)s %(id)s", kind=kind[0].upper() + kind[1:], id=target.datasource_id)
        )
    else:
        text = Text("Unsaved chart")
    text = Text("%(target)s in Explore", target=text)
    if target.form_data_key:
        text = Text("%(target)s with unsaved changes %(key)s", target=text, key=target.form_data_key)
    if target.url_params:
        text = Text("%(target)s and URL parameters %(names)s", target=text, names=", ".join(sorted(target.url_params)))
    return text


def _describe_sqllab(target: SqlLabLink) -> Text:
    if target.saved_query_id is not None:
        return Text("Saved query %(query)s in SQL Lab", query=target.saved_query_id)
    if target.query_id is not None:
        return Text("Query %(query)s from SQL Lab's history", query=target.query_id)
    if target.datasource_key is not None:
        return Text("Dataset %(dataset)s opened in SQL Lab", dataset=target.datasource_key.partition("__")[0])
    flat = " ".join((target.sql or "").split())
    sql = flat[:60] + ("..." if len(flat) > 60 else "")
    if target.db_id is not None and target.schema:
        return Text(
            "SQL Lab query on database %(database)s, schema %(schema)s: %(sql)s",
            database=target.db_id,
            schema=target.schema,
            sql=sql,
        )
    if target.db_id is not None:
        return Text("SQL Lab query on database %(database)s: %(sql)s", database=target.db_id, sql=sql)
    if target.schema:
        return Text("SQL Lab query, schema %(schema)s: %(sql)s", schema=target.schema, sql=sql)
    return Text("SQL Lab query: %(sql)s", sql=sql)
