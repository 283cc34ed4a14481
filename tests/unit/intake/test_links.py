"""parse_link and describe: every Superset 6.1 link shape, table-driven, and every way a paste can be wrong."""

from __future__ import annotations

import json
from collections.abc import Collection
from urllib.parse import quote

import pytest

from superset_review.intake.links import (
    ChartLink,
    DashboardLink,
    DashboardPermalink,
    DatasetId,
    DatasetLink,
    ExploreLink,
    ExplorePermalink,
    LinkError,
    LinkErrorCode,
    LinkTarget,
    SqlLabLink,
    SqlLabPermalink,
    describe,
    parse_link,
)

HOST = "https://bi.example.com"
UUID = "6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
RISON = "(NATIVE_FILTER-abc:(extraFormData:(filters:!((col:country,op:IN,val:!(France))))))"
RISON_VALUE = {"NATIVE_FILTER-abc": {"extraFormData": {"filters": [{"col": "country", "op": "IN", "val": ["France"]}]}}}
FULL_MASK = "(NATIVE_FILTER-abc:(extraFormData:(filters:!((col:country,op:IN,val:!(France,Spain)))),filterState:(value:!(France,Spain)),id:NATIVE_FILTER-abc,ownState:()))"
FULL_MASK_VALUE = {
    "NATIVE_FILTER-abc": {
        "extraFormData": {"filters": [{"col": "country", "op": "IN", "val": ["France", "Spain"]}]},
        "filterState": {"value": ["France", "Spain"]},
        "id": "NATIVE_FILTER-abc",
        "ownState": {},
    }
}
SPACED_RISON = "(NATIVE_FILTER-c1:(extraFormData:(filters:!((col:city,op:IN,val:!('San+Francisco'))))))"
SPACED_VALUE = {
    "NATIVE_FILTER-c1": {"extraFormData": {"filters": [{"col": "city", "op": "IN", "val": ["San Francisco"]}]}}
}
FORM_DATA_SLICE = quote(json.dumps({"slice_id": 12}))  # what /superset/slice/12/ redirects to
FORM_DATA_DATASOURCE = quote(
    json.dumps({"datasource": "7__table", "viz_type": "table", "url_params": {"region": "EMEA"}})
)

D5 = DashboardLink("5", "id")

# (input, keyword arguments, expected target)
VALID: list[tuple[str, dict[str, object], LinkTarget]] = [
    # dashboards: id, slug, uuid; absolute/relative; trailing slash or not; fragments ignored
    ("/superset/dashboard/5/", {}, D5),
    ("/superset/dashboard/5", {}, D5),
    (f"{HOST}/superset/dashboard/5/", {}, D5),
    ("http://localhost:8088/superset/dashboard/5/#CHART-abc", {}, D5),
    ("http://10.0.0.7:8088/superset/dashboard/5", {}, D5),
    ("/superset/dashboard/005/", {}, D5),
    ("/superset//dashboard/5//", {}, D5),
    ("/superset/dashboard/5/?", {}, D5),
    ("bi.example.com/superset/dashboard/5/", {}, D5),
    ("localhost:8088/superset/dashboard/5/", {}, D5),
    ("superset/dashboard/5/", {}, D5),
    (f"  <{HOST}/superset/dashboard/5/>  ", {}, D5),
    (f"'{HOST}/superset/dashboard/5/'", {}, D5),
    ("/superset/dashboard/sales-overview/", {}, DashboardLink("sales-overview", "slug")),
    ("/superset/dashboard/sales_overview", {}, DashboardLink("sales_overview", "slug")),
    ("/superset/dashboard/sales%20overview/", {}, DashboardLink("sales overview", "slug")),
    ("/superset/dashboard/ventes-%C3%A9t%C3%A9/", {}, DashboardLink("ventes-été", "slug")),
    (f"/superset/dashboard/{UUID}/", {}, DashboardLink(UUID, "uuid")),
    (f"/superset/dashboard/{UUID.upper()}", {}, DashboardLink(UUID, "uuid")),
    (f"/superset/dashboard/{UUID.replace('-', '')}/", {}, DashboardLink(UUID, "uuid")),
    ("/dashboard/5/embedded", {}, D5),
    ("/dashboard/sales-overview/embedded/", {}, DashboardLink("sales-overview", "slug")),
    # dashboard state: filter-state key, permalink key, rison native filters, custom url params
    (
        "/superset/dashboard/5/?native_filters_key=abc_DEF-123",
        {},
        DashboardLink("5", "id", native_filters_key="abc_DEF-123"),
    ),
    (
        f"{HOST}/superset/dashboard/5/?permalink_key=Xy12Ab34Cd5",
        {},
        DashboardLink("5", "id", permalink_key="Xy12Ab34Cd5"),
    ),
    (f"/superset/dashboard/5/?native_filters={RISON}", {}, DashboardLink("5", "id", native_filters_rison=RISON_VALUE)),
    (
        f"/superset/dashboard/5/?native_filters={quote(RISON, safe='')}",
        {},
        DashboardLink("5", "id", native_filters_rison=RISON_VALUE),
    ),
    (
        f"/superset/dashboard/5/?native_filters={FULL_MASK}&native_filters_key=k1",
        {},
        DashboardLink("5", "id", native_filters_key="k1", native_filters_rison=FULL_MASK_VALUE),
    ),
    (
        f"/superset/dashboard/5/?native_filters={SPACED_RISON}",
        {},
        DashboardLink("5", "id", native_filters_rison=SPACED_VALUE),
    ),
    ("/superset/dashboard/5/?native_filters=()", {}, DashboardLink("5", "id", native_filters_rison={})),
    ("/superset/dashboard/5/?native_filters=", {}, D5),
    ("/superset/dashboard/5/?standalone=1&show_filters=0&expand_filters=1&edit=true&force=true", {}, D5),
    (
        "/superset/dashboard/5/?region=EMEA&deal_size=Large&standalone=2",
        {},
        DashboardLink("5", "id", url_params={"region": "EMEA", "deal_size": "Large"}),
    ),
    (
        "/superset/dashboard/5/?city=San%20Francisco&q=a%2Bb&empty=",
        {},
        DashboardLink("5", "id", url_params={"city": "San Francisco", "q": "a+b", "empty": ""}),
    ),
    (
        "/superset/dashboard/5/?city=San+Francisco&city=Paris",
        {},
        DashboardLink("5", "id", url_params={"city": "San Francisco"}),
    ),
    ("/superset/dashboard/5/?native_filters_key=k1#TAB-abc", {}, DashboardLink("5", "id", native_filters_key="k1")),
    # application root
    ("/analytics/superset/dashboard/5/", {"app_root": "/analytics"}, D5),
    ("/analytics/superset/dashboard/5", {"app_root": "/analytics/"}, D5),
    (f"{HOST}/analytics/superset/dashboard/5/", {"app_root": "analytics"}, D5),
    ("/bi/prod/superset/dashboard/5/", {"app_root": "/bi/prod"}, D5),
    ("/superset/dashboard/5/", {"app_root": "/analytics"}, D5),
    ("/analytics/superset/dashboard/p/Xy12Ab34Cd5/", {"app_root": "/analytics"}, DashboardPermalink("Xy12Ab34Cd5")),
    # dashboard permalinks
    ("/superset/dashboard/p/Xy12Ab34Cd5/", {}, DashboardPermalink("Xy12Ab34Cd5")),
    (f"{HOST}/superset/dashboard/p/Xy12Ab34Cd5", {}, DashboardPermalink("Xy12Ab34Cd5")),
    ("/superset/dashboard/p/Xy12Ab34Cd5/?standalone=1#TAB-1", {}, DashboardPermalink("Xy12Ab34Cd5")),
    # explore: chart, dataset, cached state
    ("/explore/?slice_id=12", {}, ExploreLink(slice_id=12)),
    ("/explore?slice_id=12", {}, ExploreLink(slice_id=12)),
    ("/superset/explore/?slice_id=12", {}, ExploreLink(slice_id=12)),
    (f"{HOST}/explore/?form_data_key=k-1_a&slice_id=12", {}, ExploreLink(form_data_key="k-1_a", slice_id=12)),
    ("/explore/?form_data_key=abc", {}, ExploreLink(form_data_key="abc")),
    ("/explore/?datasource_type=table&datasource_id=7", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    ("/explore/?datasource_id=7&datasource_type=TABLE", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    ("/explore/?datasource_id=7__table", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    ("/explore/?datasource=7__table&viz_type=table", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    ("/explore/?datasource=3__query", {}, ExploreLink(datasource_id=3, datasource_type="query")),
    ("/explore/?dataset_id=7", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    ("/superset/explore/table/7/", {}, ExploreLink(datasource_id=7, datasource_type="table")),
    (f"/explore/?form_data={FORM_DATA_SLICE}", {}, ExploreLink(slice_id=12)),
    (f"/explore/?form_data={FORM_DATA_SLICE}&standalone=true", {}, ExploreLink(slice_id=12)),
    (f"/explore/?form_data={FORM_DATA_SLICE}&slice_id=13", {}, ExploreLink(slice_id=13)),
    (
        f"/explore/?form_data={FORM_DATA_DATASOURCE}",
        {},
        ExploreLink(datasource_id=7, datasource_type="table", url_params={"region": "EMEA"}),
    ),
    (
        f"/explore/?form_data={FORM_DATA_DATASOURCE}&region=APAC",
        {},
        ExploreLink(datasource_id=7, datasource_type="table", url_params={"region": "APAC"}),
    ),
    (
        "/explore/?slice_id=12&region=EMEA&standalone=1&dashboard_page_id=x1",
        {},
        ExploreLink(slice_id=12, url_params={"region": "EMEA"}),
    ),
    (
        "/explore/?slice_id=12&datasource_type=table&datasource_id=7&form_data_key=k",
        {},
        ExploreLink(form_data_key="k", slice_id=12, datasource_id=7, datasource_type="table"),
    ),
    # explore permalinks
    ("/superset/explore/p/Ab12Cd34Ef5/", {}, ExplorePermalink("Ab12Cd34Ef5")),
    (f"{HOST}/superset/explore/p/Ab12Cd34Ef5", {}, ExplorePermalink("Ab12Cd34Ef5")),
    ("/explore/p/Ab12Cd34Ef5/", {}, ExplorePermalink("Ab12Cd34Ef5")),
    ("/explore/?permalink_key=Ab12Cd34Ef5", {}, ExplorePermalink("Ab12Cd34Ef5")),
    # charts
    ("/superset/slice/12/", {}, ChartLink(12)),
    (f"{HOST}/superset/slice/12", {}, ChartLink(12)),
    ("/chart/edit/12", {}, ChartLink(12)),
    # datasets
    ("/dataset/7", {}, DatasetLink(7)),
    (f"{HOST}/dataset/7/?testing=1", {}, DatasetLink(7)),
    ("/tablemodelview/edit/7", {}, DatasetLink(7)),
    ("/tablemodelview/edit/7/", {}, DatasetLink(7)),
    ("7", {}, DatasetId(7)),
    (" 42 ", {}, DatasetId(42)),
    ("0042", {}, DatasetId(42)),
    # SQL Lab
    ("/sqllab/p/Ab12Cd34Ef5/", {}, SqlLabPermalink("Ab12Cd34Ef5")),
    (f"{HOST}/sqllab/p/Ab12Cd34Ef5", {}, SqlLabPermalink("Ab12Cd34Ef5")),
    ("/sqllab?savedQueryId=3", {}, SqlLabLink(saved_query_id=3)),
    ("/sqllab/?savedQueryId=3", {}, SqlLabLink(saved_query_id=3)),
    ("/sqllab/?queryId=99", {}, SqlLabLink(query_id=99)),
    ("/sqllab/?datasourceKey=7__table", {}, SqlLabLink(datasource_key="7__table")),
    (
        "/sqllab/?dbid=1&sql=SELECT%201&schema=public&name=Q1&autorun=true",
        {},
        SqlLabLink(db_id=1, sql="SELECT 1", schema="public", name="Q1", autorun=True),
    ),
    (
        "/sqllab/?dbid=1&catalog=main&sql=SELECT+*+FROM+t&foo=bar",
        {},
        SqlLabLink(db_id=1, catalog="main", sql="SELECT * FROM t", url_params={"foo": "bar"}),
    ),
    ("/analytics/sqllab/?savedQueryId=3", {"app_root": "/analytics"}, SqlLabLink(saved_query_id=3)),
    # allowed hosts
    (f"{HOST}/superset/dashboard/5/", {"allowed_hosts": ["bi.example.com"]}, D5),
    (f"{HOST}/superset/dashboard/5/", {"allowed_hosts": ["BI.Example.com"]}, D5),
    (f"{HOST}/superset/dashboard/5/", {"allowed_hosts": ["https://bi.example.com/"]}, D5),
    ("http://localhost:8088/superset/dashboard/5/", {"allowed_hosts": ["localhost:8088"]}, D5),
    ("http://localhost:8088/superset/dashboard/5/", {"allowed_hosts": ["localhost"]}, D5),
    ("/superset/dashboard/5/", {"allowed_hosts": ["bi.example.com"]}, D5),
    ("/superset/dashboard/5/", {"allowed_hosts": []}, D5),
    ("7", {"allowed_hosts": []}, DatasetId(7)),
]


@pytest.mark.parametrize(
    ("url", "kwargs", "expected"), VALID, ids=[f"{i}:{row[0][:60]}" for i, row in enumerate(VALID)]
)
def test_parse_link(url: str, kwargs: dict[str, object], expected: LinkTarget) -> None:
    assert parse_link(url, **kwargs) == expected  # type: ignore[arg-type]


MALFORMED, UNSUPPORTED, FOREIGN, BAD_RISON = (
    LinkErrorCode.MALFORMED_LINK,
    LinkErrorCode.UNSUPPORTED_LINK,
    LinkErrorCode.FOREIGN_HOST,
    LinkErrorCode.BAD_RISON,
)
ALLOWED: dict[str, object] = {"allowed_hosts": ["bi.example.com"]}

# (input, keyword arguments, code, a piece of the message)
INVALID: list[tuple[str, dict[str, object], LinkErrorCode, str]] = [
    # not a link at all
    ("", {}, MALFORMED, "empty"),
    ("   ", {}, MALFORMED, "empty"),
    ("<>", {}, MALFORMED, "empty"),
    ("hello", {}, MALFORMED, "not a link"),
    ("not a link at all", {}, MALFORMED, "not a link"),
    ("sales-overview", {}, MALFORMED, "not a link"),
    ("0", {}, MALFORMED, "start at 1"),
    ("javascript:alert(1)", {}, MALFORMED, "javascript: link"),
    ("JavaScript:alert(document.cookie)//superset/dashboard/5/", {}, MALFORMED, "javascript: link"),
    ("mailto:someone@example.com", {}, MALFORMED, "mailto: link"),
    ("data:text/html,<script>alert(1)</script>", {}, MALFORMED, "data: link"),
    ("ftp://bi.example.com/superset/dashboard/5/", {}, MALFORMED, "ftp: link"),
    ("file:///etc/passwd", {}, MALFORMED, "file: link"),
    ("http:///superset/dashboard/5/", {}, MALFORMED, "no host"),
    ("https://", {}, MALFORMED, "no host"),
    ("http://bi.example.com:99999/superset/dashboard/5/", {}, MALFORMED, "cannot be read"),
    ("/superset/dashboard/5/\n/superset/dashboard/6/", {}, MALFORMED, "line breaks"),
    ("/superset/dashboard/5/" + "?a=b" * 5000, {}, MALFORMED, "characters long"),
    ("/superset/dashboard/5/?" + "a=1&" * 600, {}, MALFORMED, "more than 500 query arguments"),
    # known pages that name no single object
    (
        "/chart/list/",
        {},
        UNSUPPORTED,
        "This is a link to Superset's chart list, not to one chart: open the chart and copy its URL.",
    ),
    (f"{HOST}/chart/list/?pageIndex=2", {}, UNSUPPORTED, "chart list"),
    ("/dashboard/list/", {}, UNSUPPORTED, "dashboard list, not to one dashboard"),
    ("/dashboard/list", {}, UNSUPPORTED, "dashboard list"),
    ("/tablemodelview/list/", {}, UNSUPPORTED, "dataset list"),
    ("/savedqueryview/list/", {}, UNSUPPORTED, "saved queries"),
    ("/databaseview/list/", {}, UNSUPPORTED, "database connections"),
    ("/sqllab/history/", {}, UNSUPPORTED, "query history"),
    ("/superset/sqllab/history/", {}, UNSUPPORTED, "query history"),
    ("/chart/add", {}, UNSUPPORTED, "creates a new chart"),
    ("/dataset/add/", {}, UNSUPPORTED, "creates a new dataset"),
    ("/dashboard/new/", {}, UNSUPPORTED, "creates a new, empty dashboard"),
    ("/superset/welcome/", {}, UNSUPPORTED, "home page"),
    ("/", {}, UNSUPPORTED, "home page"),
    (HOST, {}, UNSUPPORTED, "home page"),
    ("/login/?next=/superset/dashboard/5/", {}, UNSUPPORTED, "login page"),
    ("/superset/all_entities/?id=3", {}, UNSUPPORTED, "tagged objects"),
    ("/api/v1/dataset/7", {}, UNSUPPORTED, "API address"),
    ("/api/v1/dashboard/5/filter_state/abc", {}, UNSUPPORTED, "API address"),
    (f"/embedded/{UUID}", {}, UNSUPPORTED, "embedded-dashboard"),
    ("/static/assets/images/superset-logo-horiz.png", {}, UNSUPPORTED, "static file"),
    ("/superset/dashboard/", {}, UNSUPPORTED, "names no dashboard"),
    ("/superset/dashboard/p/", {}, UNSUPPORTED, "has no key"),
    ("/superset/explore/p/", {}, UNSUPPORTED, "has no key"),
    ("/sqllab/p/", {}, UNSUPPORTED, "has no key"),
    ("/superset/slice/", {}, UNSUPPORTED, "names no chart"),
    ("/sqllab/", {}, UNSUPPORTED, "SQL Lab itself"),
    ("/sqllab?new=true", {}, UNSUPPORTED, "SQL Lab itself"),
    ("/sqllab/?dbid=1&schema=public", {}, UNSUPPORTED, "SQL Lab itself"),
    ("/explore/", {}, UNSUPPORTED, "names no chart and no dataset"),
    ("/explore/?viz_type=table&region=EMEA", {}, UNSUPPORTED, "names no chart and no dataset"),
    # unknown paths
    ("/foo/bar", {}, UNSUPPORTED, "at /foo/bar"),
    ("/explore/table/7/", {}, UNSUPPORTED, "Superset 6.1 shows no"),
    ("/dashboard/5/", {}, UNSUPPORTED, "Superset 6.1 shows no"),
    ("/superset/dashboard/5/charts/", {}, UNSUPPORTED, "Superset 6.1 shows no"),
    ("https://www.google.com/search?q=superset", {}, UNSUPPORTED, "Superset 6.1 shows no"),
    ("/analytics/superset/dashboard/5/", {}, UNSUPPORTED, "application root /analytics"),
    ("/other/superset/dashboard/5/", {"app_root": "/analytics"}, UNSUPPORTED, "application root /other"),
    # malformed values
    ("/superset/slice/abc/", {}, MALFORMED, "chart id"),
    ("/superset/slice/0/", {}, MALFORMED, "chart id"),
    ("/dataset/abc", {}, MALFORMED, "dataset id"),
    ("/tablemodelview/edit/-1", {}, MALFORMED, "dataset id"),
    ("/explore/?slice_id=abc", {}, MALFORMED, "slice_id"),
    ("/explore/?datasource_id=x&datasource_type=table", {}, MALFORMED, "datasource_id"),
    ("/explore/?datasource=table__7", {}, MALFORMED, "datasource id"),
    ("/explore/?form_data=%7Bbroken", {}, MALFORMED, "not valid JSON"),
    ("/explore/?form_data=%5B1%5D", {}, MALFORMED, "not a JSON object"),
    (f"/explore/?form_data={quote(json.dumps({'slice_id': 'twelve'}))}", {}, MALFORMED, "slice_id in form_data"),
    ("/superset/dashboard/5/?native_filters_key=a%20b", {}, MALFORMED, "native_filters_key"),
    ("/superset/dashboard/5/?permalink_key=../../etc", {}, MALFORMED, "permalink_key"),
    ("/superset/dashboard/p/bad%20key/", {}, MALFORMED, "not a Superset key"),
    ("/sqllab/p/a.b/", {}, MALFORMED, "not a Superset key"),
    ("/sqllab/?savedQueryId=abc", {}, MALFORMED, "savedQueryId"),
    # bad rison
    ("/superset/dashboard/5/?native_filters=(NATIVE_FILTER-abc:(extraFormData:", {}, BAD_RISON, "not valid rison"),
    ("/superset/dashboard/5/?native_filters=(a:'unterminated)", {}, BAD_RISON, "not valid rison"),
    ("/superset/dashboard/5/?native_filters=(a:b,,c:d)", {}, BAD_RISON, "not valid rison"),
    ("/superset/dashboard/5/?native_filters=!(a,b)", {}, BAD_RISON, "not a rison object"),
    ("/superset/dashboard/5/?native_filters='France'", {}, BAD_RISON, "not a rison object"),
    # nesting thousands deep fits in a link: a RecursionError was a 500
    ("/explore/?form_data=" + "[" * 5000 + "]" * 5000, {}, MALFORMED, "not valid JSON"),
    ("/superset/dashboard/5/?native_filters=" + "(a:" * 3000 + "1" + ")" * 3000, {}, BAD_RISON, "rison"),
    # foreign hosts
    ("https://evil.example.org/superset/dashboard/5/", ALLOWED, FOREIGN, "points to evil.example.org"),
    ("https://bi.example.com.evil.org/superset/dashboard/5/", ALLOWED, FOREIGN, "bi.example.com.evil.org"),
    ("https://bi.example.com@evil.org/superset/dashboard/5/", ALLOWED, FOREIGN, "evil.org"),
    ("//evil.org/superset/dashboard/5/", ALLOWED, FOREIGN, "evil.org"),
    ("evil.org/superset/dashboard/5/", ALLOWED, FOREIGN, "evil.org"),
    (f"{HOST}/superset/dashboard/5/", {"allowed_hosts": []}, FOREIGN, "none configured"),
    (f"{HOST}/superset/dashboard/5/", {"allowed_hosts": ["bi.example.com:8088"]}, FOREIGN, "bi.example.com:8088"),
    ("https://evil.org/chart/list/", ALLOWED, FOREIGN, "evil.org"),
]


@pytest.mark.parametrize(
    ("url", "kwargs", "code", "message"), INVALID, ids=[f"{i}:{row[0][:60]}" for i, row in enumerate(INVALID)]
)
def test_parse_link_errors(url: str, kwargs: dict[str, object], code: LinkErrorCode, message: str) -> None:
    with pytest.raises(LinkError) as caught:
        parse_link(url, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert message in str(caught.value)
    assert caught.value.message == str(caught.value)


@pytest.mark.parametrize(
    ("url", "kwargs", "code", "message"), INVALID, ids=[f"{i}:{row[0][:60]}" for i, row in enumerate(INVALID)]
)
def test_error_messages_say_what_to_paste(
    url: str, kwargs: dict[str, object], code: LinkErrorCode, message: str
) -> None:
    with pytest.raises(LinkError) as caught:
        parse_link(url, **kwargs)  # type: ignore[arg-type]
    text = str(caught.value)
    assert text.endswith("."), text
    assert any(word in text for word in ("paste", "copy", "Copy", "create", "configure")), text


def test_link_error_is_a_value_error_with_a_string_code() -> None:
    with pytest.raises(ValueError, match="chart list") as caught:
        parse_link("/chart/list/")
    assert isinstance(caught.value, LinkError)
    assert caught.value.code == "UNSUPPORTED_LINK"


def test_not_a_string() -> None:
    with pytest.raises(LinkError) as caught:
        parse_link(5)  # type: ignore[arg-type]
    assert caught.value.code == MALFORMED


@pytest.mark.parametrize(
    "allowed", [["bi.example.com"], ("bi.example.com",), {"bi.example.com"}, frozenset({"bi.example.com"})]
)
def test_allowed_hosts_accepts_any_collection(allowed: Collection[str]) -> None:
    assert parse_link(f"{HOST}/dataset/7", allowed_hosts=allowed) == DatasetLink(7)


def test_targets_are_frozen_and_hashable() -> None:
    target = parse_link(f"/superset/dashboard/5/?native_filters={RISON}&region=EMEA")
    assert isinstance(target, DashboardLink)
    assert isinstance(hash(target), int)
    with pytest.raises(AttributeError):
        target.ref = "6"  # type: ignore[misc]
    assert len({parse_link("/superset/slice/3/"), parse_link("/chart/edit/3"), ChartLink(4)}) == 2


def test_dashboard_id_property() -> None:
    assert DashboardLink("5", "id").dashboard_id == 5
    assert DashboardLink("sales", "slug").dashboard_id is None
    assert DashboardLink(UUID, "uuid").dashboard_id is None


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (DashboardLink("5", "id"), "Dashboard 5"),
        (DashboardLink("sales-overview", "slug"), "Dashboard 'sales-overview'"),
        (DashboardLink(UUID, "uuid"), f"Dashboard {UUID}"),
        (DashboardLink("5", "id", native_filters_key="k1"), "Dashboard 5 with saved filter state k1"),
        (DashboardLink("5", "id", permalink_key="p1"), "Dashboard 5 with permalink state p1"),
        (
            DashboardLink("5", "id", native_filters_rison=RISON_VALUE),
            "Dashboard 5 with 1 native filter state in the link",
        ),
        (DashboardLink("5", "id", url_params={"b": "1", "a": "2"}), "Dashboard 5 with URL parameters a, b"),
        (
            DashboardLink("5", "id", native_filters_key="k1", url_params={"a": "2"}),
            "Dashboard 5 with saved filter state k1; URL parameters a",
        ),
        (DashboardPermalink("Xy12"), "Dashboard permalink Xy12"),
        (ExploreLink(slice_id=12), "Chart 12 in Explore"),
        (ExploreLink(slice_id=12, datasource_id=7, datasource_type="table"), "Chart 12 (dataset 7) in Explore"),
        (ExploreLink(datasource_id=7, datasource_type="table"), "Dataset 7 in Explore"),
        (ExploreLink(datasource_id=3, datasource_type="query"), "Query 3 in Explore"),
        (ExploreLink(form_data_key="k"), "Unsaved chart in Explore with unsaved changes k"),
        (ExploreLink(slice_id=12, url_params={"region": "EMEA"}), "Chart 12 in Explore and URL parameters region"),
        (ExplorePermalink("Ab12"), "Chart permalink Ab12"),
        (ChartLink(12), "Chart 12"),
        (SqlLabPermalink("Ab12"), "SQL Lab permalink Ab12"),
        (SqlLabLink(saved_query_id=3), "Saved query 3 in SQL Lab"),
        (SqlLabLink(query_id=99), "Query 99 from SQL Lab's history"),
        (SqlLabLink(datasource_key="7__table"), "Dataset 7 opened in SQL Lab"),
        (
            SqlLabLink(db_id=1, schema="public", sql="SELECT  1\nFROM t"),
            "SQL Lab query on database 1, schema public: SELECT 1 FROM t",
        ),
        (SqlLabLink(sql="SELECT " + "x, " * 40), "SQL Lab query: SELECT " + "x, " * 17 + "x,..."),
        (DatasetLink(7), "Dataset 7"),
        (DatasetId(7), "Dataset 7"),
    ],
)
def test_describe(target: LinkTarget, text: str) -> None:
    assert describe(target) == text
    assert "\n" not in describe(target)


@pytest.mark.parametrize(
    ("url", "kwargs", "expected"), VALID, ids=[f"{i}:{row[0][:60]}" for i, row in enumerate(VALID)]
)
def test_describe_every_parsed_link(url: str, kwargs: dict[str, object], expected: LinkTarget) -> None:
    assert describe(parse_link(url, **kwargs)) == describe(expected)  # type: ignore[arg-type]


def test_describe_rejects_other_objects() -> None:
    with pytest.raises(TypeError):
        describe("not a target")  # type: ignore[arg-type]
