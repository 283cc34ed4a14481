"""find_template_variables and is_templated: each kind, defaults, scoping, column hints and broken Jinja."""

from __future__ import annotations

import pytest

from superset_review.intake.jinja import (
    TemplateParseError,
    TemplateScan,
    TemplateVariable,
    VariableKind,
    column_before,
    find_template_variables,
    is_templated,
    render,
)

UP, FV, GF, TF = VariableKind.URL_PARAM, VariableKind.FILTER_VALUES, VariableKind.GET_FILTERS, VariableKind.TIME_FILTER
FROM, TO, QC = VariableKind.FROM_DTTM, VariableKind.TO_DTTM, VariableKind.QUERY_CONTEXT
TP, MACRO = VariableKind.TEMPLATE_PARAM, VariableKind.MACRO

# The dataset SQL of the product's examples.
EXAMPLE_SQL = """SELECT order_date, country, city, product_line, deal_size, status, quantity_ordered, price_each, sales
FROM cleaned_sales_data
WHERE sales >= {{ min_sales }}
{% if filter_values('country') %}
  AND country IN {{ filter_values('country') | where_in }}
{% endif %}
{% if url_param('deal_size') %}
  AND deal_size = '{{ url_param('deal_size') }}'
{% endif %}
"""

Row = tuple[str, VariableKind, bool, object, int]  # name, kind, has_default, default, line


def rows(scan: TemplateScan) -> list[Row]:
    return [(v.name, v.kind, v.has_default, v.default, v.line) for v in scan.variables]


# (sql, expected (name, kind, has_default, default, line) in order of first use)
CASES: list[tuple[str, list[Row]]] = [
    (
        EXAMPLE_SQL,
        [("min_sales", TP, False, None, 3), ("country", FV, False, None, 4), ("deal_size", UP, False, None, 7)],
    ),
    # url_param
    ("SELECT * FROM t WHERE r = '{{ url_param('region') }}'", [("region", UP, False, None, 1)]),
    ("{{ url_param('region', 'EMEA') }}", [("region", UP, True, "EMEA", 1)]),
    ("{{ url_param('region', default='EMEA') }}", [("region", UP, True, "EMEA", 1)]),
    ("{{ url_param(param='region') }}", [("region", UP, False, None, 1)]),
    ("{{ url_param(param='region', default='EMEA', escape_result=False) }}", [("region", UP, True, "EMEA", 1)]),
    ("{{ url_param('limit', 10) }}", [("limit", UP, True, 10, 1)]),
    ("{{ url_param('ratio', -0.5) }}", [("ratio", UP, True, -0.5, 1)]),
    ("{{ url_param('region', none) }}", [("region", UP, False, None, 1)]),
    ("{{ url_param('region', None) }}", [("region", UP, False, None, 1)]),
    ("{{ url_param('region', fallback) }}", [("region", UP, True, None, 1), ("fallback", TP, False, None, 1)]),
    ("{{ url_param(which) }}", [("which", UP, False, None, 1), ("which", TP, False, None, 1)]),
    ("{{ url_param('a' ~ suffix) }}", [("'a' ~ suffix", UP, False, None, 1), ("suffix", TP, False, None, 1)]),
    ("{{ url_param() }}", [("", UP, False, None, 1)]),
    # filter_values / get_filters / get_time_filter
    ("{{ filter_values('country') }}", [("country", FV, False, None, 1)]),
    ("{{ filter_values('country', 'France') }}", [("country", FV, True, "France", 1)]),
    ("{{ filter_values('country', default='France', remove_filter=True) }}", [("country", FV, True, "France", 1)]),
    ("{{ filter_values(column='country', remove_filter=True) }}", [("country", FV, False, None, 1)]),
    ("{{ filter_values('country', ['France', 'Spain']) }}", [("country", FV, True, ("France", "Spain"), 1)]),
    (
        "{% for f in get_filters('country', remove_filter=True) %}{{ f.op }} {{ f.val }}{% endfor %}",
        [("country", GF, False, None, 1)],
    ),
    (
        "{% set tf = get_time_filter('order_date', default='Last week', target_type='TIMESTAMP') %}\nWHERE order_date >= {{ tf.from_expr }}",
        [("order_date", TF, True, "Last week", 1)],
    ),
    ("{{ get_time_filter('order_date', remove_filter=True).to_expr }}", [("order_date", TF, False, None, 1)]),
    ("{{ get_time_filter(column='order_date', strftime='%Y-%m-%d') }}", [("order_date", TF, False, None, 1)]),
    ("{{ get_time_filter().time_range }}", [("", TF, False, None, 1)]),
    # from_dttm / to_dttm and the other chart-query names
    (
        "WHERE ts >= '{{ from_dttm }}' AND ts < '{{ to_dttm }}'",
        [("from_dttm", FROM, False, None, 1), ("to_dttm", TO, False, None, 1)],
    ),
    ("{{ from_dttm | default('2020-01-01') }}", [("from_dttm", FROM, True, "2020-01-01", 1)]),
    ("{% if from_dttm is defined %}{{ from_dttm }}{% endif %}", [("from_dttm", FROM, True, None, 1)]),
    (
        "LIMIT {{ row_limit }} OFFSET {{ row_offset }}",
        [("row_limit", QC, False, None, 1), ("row_offset", QC, False, None, 1)],
    ),
    (
        "{{ time_grain }} {{ groupby }} {{ metrics }} {{ columns }} {{ time_column }} {{ table_columns }} {{ filter }}",
        [
            (n, QC, False, None, 1)
            for n in ("time_grain", "groupby", "metrics", "columns", "time_column", "table_columns", "filter")
        ],
    ),
    # free names
    ("WHERE sales >= {{ min_sales }}", [("min_sales", TP, False, None, 1)]),
    ("{% if region %}AND region = '{{ region }}'{% endif %}", [("region", TP, False, None, 1)]),
    ("{{ cfg.limit }} {{ cfg['x'] }}", [("cfg", TP, False, None, 1)]),
    ("{{ lookup(code) }}", [("lookup", TP, False, None, 1), ("code", TP, False, None, 1)]),
    ("{{ a + b * 2 }}", [("a", TP, False, None, 1), ("b", TP, False, None, 1)]),
    ("{{ 'x' if flag else 'y' }}", [("flag", TP, False, None, 1)]),
    ("{{ [a, b] | join(sep) }}", [("a", TP, False, None, 1), ("b", TP, False, None, 1), ("sep", TP, False, None, 1)]),
    # defaults: the default filter, `is defined` guards, conditional expressions
    ("{{ x | default(5) }}", [("x", TP, True, 5, 1)]),
    ("{{ x | d('a') }}", [("x", TP, True, "a", 1)]),
    ("{{ x | default }}", [("x", TP, True, "", 1)]),
    ("{{ x | default(default_value=3) }}", [("x", TP, True, 3, 1)]),
    ("{{ x | default(5, true) | int }}", [("x", TP, True, 5, 1)]),
    ("{{ x | default(y) }}", [("x", TP, True, None, 1), ("y", TP, False, None, 1)]),
    ("{{ x | default(['a', 'b']) | where_in }}", [("x", TP, True, ("a", "b"), 1)]),
    ("{% if x is defined %}\nAND a = {{ x }}\n{% endif %}", [("x", TP, True, None, 1)]),
    ("{% if x is not defined %}1{% else %}{{ x }}{% endif %}", [("x", TP, True, None, 1)]),
    (
        "{% if x is undefined %}1{% elif y %}{{ x }}{% else %}{{ x }}{% endif %}",
        [("x", TP, True, None, 1), ("y", TP, False, None, 1)],
    ),
    ("{% if x is defined and x > 3 %}{{ x }}{% endif %}", [("x", TP, True, None, 1)]),
    ("{% if x is not defined or x > 3 %}1{% endif %}", [("x", TP, True, None, 1)]),
    ("{{ a if a is defined else 7 }}", [("a", TP, True, 7, 1)]),
    ("{{ a if a is defined else b }}", [("a", TP, True, None, 1), ("b", TP, False, None, 1)]),
    ("{% if x is defined %}{% endif %}\n{{ x }}", [("x", TP, False, None, 1)]),
    ("{{ x | default(5) }}\n{{ x }}", [("x", TP, False, None, 1)]),
    ("{{ x | default(5) }}\n{{ x | default(6) }}", [("x", TP, True, 5, 1)]),
    ("{% if x is defined %}{{ y }}{% endif %}", [("x", TP, True, None, 1), ("y", TP, False, None, 1)]),
    # the other Superset macros
    ("{{ current_username() }}", [("current_username", MACRO, False, None, 1)]),
    (
        "{{ current_user_id() }} {{ current_user_email() }}",
        [("current_user_id", MACRO, False, None, 1), ("current_user_email", MACRO, False, None, 1)],
    ),
    (
        "{{ current_user_roles() }} {{ current_user_rls_rules() }}",
        [("current_user_roles", MACRO, False, None, 1), ("current_user_rls_rules", MACRO, False, None, 1)],
    ),
    ("{{ current_username(add_to_cache_keys=False) }}", [("current_username", MACRO, False, None, 1)]),
    ("{{ cache_key_wrapper(region) }}", [("cache_key_wrapper", MACRO, False, None, 1), ("region", TP, False, None, 1)]),
    ("SELECT * FROM {{ dataset(42) }}", [("dataset", MACRO, False, None, 1)]),
    ("SELECT {{ metric('revenue', 42) }}", [("metric", MACRO, False, None, 1)]),
    ("{{ presto.latest_partition('logs') }}", [("presto.latest_partition", MACRO, False, None, 1)]),
    (
        "{{ trino.first_latest_partition('t') }} {{ hive.latest_sub_partition('t', ds='x') }}",
        [("trino.first_latest_partition", MACRO, False, None, 1), ("hive.latest_sub_partition", MACRO, False, None, 1)],
    ),
    ("{% if current_username %}1{% endif %}", [("current_username", MACRO, False, None, 1)]),
    # nesting in if / for
    (
        "{% if a %}\n  {% if b %}\n    {{ url_param('c') }}\n  {% endif %}\n{% endif %}",
        [("a", TP, False, None, 1), ("b", TP, False, None, 2), ("c", UP, False, None, 3)],
    ),
    (
        "{% for c in cols %}\n{% if c == target %}{{ filter_values(c) }}{% endif %}\n{% endfor %}",
        [("cols", TP, False, None, 1), ("target", TP, False, None, 2), ("c", FV, False, None, 2)],
    ),
    (
        "{% for r in rows if r > lim %}{{ r }}{% else %}{{ none_found }}{% endfor %}",
        [("rows", TP, False, None, 1), ("lim", TP, False, None, 1), ("none_found", TP, False, None, 1)],
    ),
    ("{% for a, b in pairs %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}", [("pairs", TP, False, None, 1)]),
    ("{% for i in range(3) %}{{ i }}{{ loop.last }}{% endfor %}", []),
    # set / loop / macro / with names are not free
    ("{% set lim = 10 %}LIMIT {{ lim }}", []),
    ("{% set lim = url_param('limit', 100) %}LIMIT {{ lim }}", [("limit", UP, True, 100, 1)]),
    ("{% set a, b = 1, 2 %}{{ a }}{{ b }}", []),
    ("{% set block %}{{ inner }}{% endset %}{{ block }}", [("inner", TP, False, None, 1)]),
    (
        "{% set ns = namespace(found=false) %}{% for c in cols %}{% set ns.found = true %}{% endfor %}{{ ns.found }}",
        [("cols", TP, False, None, 1)],
    ),
    ("{% macro q(col, op='=') %}{{ col }} {{ op }} {{ val }}{% endmacro %}{{ q('a') }}", [("val", TP, False, None, 1)]),
    ("{% macro q(col, op=dflt) %}{{ col }}{% endmacro %}", [("dflt", TP, False, None, 1)]),
    ("{% with y = x %}{{ y }}{% endwith %}\n{{ y }}", [("x", TP, False, None, 1), ("y", TP, False, None, 2)]),
    ("{{ z }}\n{% set z = 1 %}\n{{ z }}", [("z", TP, False, None, 1)]),
    (
        "{% for c in cols %}{% set inner = c %}{% endfor %}\n{{ inner }}",
        [("cols", TP, False, None, 1), ("inner", TP, False, None, 2)],
    ),
    ("{% if a %}{% set b = 1 %}{% endif %}{{ b }}", [("a", TP, False, None, 1)]),
    ("{% set url_param = 'x' %}{{ url_param }}", []),
    ("{% filter upper %}{{ name }}{% endfilter %}", [("name", TP, False, None, 1)]),
    (
        "{% call(row) render(a) %}{{ row }}{{ b }}{% endcall %}",
        [("render", TP, False, None, 1), ("a", TP, False, None, 1), ("b", TP, False, None, 1)],
    ),
    ("{% import 'macros.sql' as m %}{{ m.where(y) }}", [("y", TP, False, None, 1)]),
    ("{% from 'macros.sql' import a as b, c %}{{ b }}{{ c }}{{ d }}", [("d", TP, False, None, 1)]),
    ("{% for x in xs recursive %}{{ loop(x.children) }}{% endfor %}", [("xs", TP, False, None, 1)]),
    # Jinja 3 checks tests inside `if` only when rendering: no parse error here
    ("{% if y is no_such_test %}{% endif %}", [("y", TP, False, None, 1)]),
    # filters (Superset's where_in and to_datetime included)
    ("AND country IN {{ filter_values('country') | where_in }}", [("country", FV, False, None, 1)]),
    ("AND c IN {{ filter_values('country') | where_in(mark='\"') }}", [("country", FV, False, None, 1)]),
    ("{{ (from_dttm | to_datetime).year }}", [("from_dttm", FROM, False, None, 1)]),
    ("{{ names | join(', ') | upper }}", [("names", TP, False, None, 1)]),
    # one report per (name, kind), at the first use
    (
        "{{ a }}\n{{ a }}\n{{ url_param('a') }}\n{{ url_param('a') }}",
        [("a", TP, False, None, 1), ("a", UP, False, None, 3)],
    ),
    ("{{ url_param('a') }}\n{{ url_param('a', 'x') }}", [("a", UP, False, None, 1)]),
    ("{{ url_param('a', 'x') }}\n{{ url_param('a', 'y') }}", [("a", UP, True, "x", 1)]),
    ("{{ filter_values('c') }}\n{{ get_filters('c') }}", [("c", FV, False, None, 1), ("c", GF, False, None, 2)]),
    # not templated
    ("SELECT * FROM t WHERE a = 1", []),
    ("SELECT '{\"a\": 1}' AS j, 50 % 3, '100%' FROM t", []),
    ("", []),
    ("{# a comment mentioning {{ x }} #}SELECT 1", []),
    ("{% raw %}{{ not_a_variable }}{% endraw %}", []),
]


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[f"{i}:{row[0][:50]}" for i, row in enumerate(CASES)])
def test_find_template_variables(sql: str, expected: list[Row]) -> None:
    scan = find_template_variables(sql)
    assert scan.parse_error is None
    assert rows(scan) == expected


def test_example_sql_in_full() -> None:
    scan = find_template_variables(EXAMPLE_SQL)
    assert scan == TemplateScan(
        variables=(
            TemplateVariable("min_sales", TP, None, False, 3, "sales", "min_sales"),
            TemplateVariable("country", FV, None, False, 4, "country", "filter_values('country')"),
            TemplateVariable("deal_size", UP, None, False, 7, "deal_size", "url_param('deal_size')"),
        ),
        parse_error=None,
    )
    assert is_templated(EXAMPLE_SQL)


# (sql, name, kind, expected column_hint)
HINTS: list[tuple[str, str, VariableKind, str | None]] = [
    ("WHERE sales >= {{ min_sales }}", "min_sales", TP, "sales"),
    ("WHERE t.region = '{{ region }}'", "region", TP, "region"),
    ("WHERE \"Order Date\" >= '{{ start }}'", "start", TP, "Order Date"),
    ("WHERE `deal size` <> {{ ds }}", "ds", TP, "deal size"),
    ("WHERE [City] != '{{ c }}'", "c", TP, "City"),
    ("WHERE city LIKE '%{{ q }}%'", "q", TP, "city"),
    ("WHERE city ilike '{{ q }}%'", "q", TP, "city"),
    ("WHERE country NOT IN ({{ cs }})", "cs", TP, "country"),
    ("WHERE country in {{ cs | where_in }}", "cs", TP, "country"),
    ("WHERE amount BETWEEN {{ lo }} AND {{ hi }}", "lo", TP, "amount"),
    ("WHERE amount BETWEEN {{ lo }} AND {{ hi }}", "hi", TP, None),
    ("SELECT {{ col }} FROM t", "col", TP, None),
    ("WHERE a = 1 AND {{ cond }}", "cond", TP, None),
    ("WHERE deal_size = '{{ url_param('deal_size') }}'", "deal_size", UP, "deal_size"),
    ("WHERE size = '{{ url_param('deal_size') }}'", "deal_size", UP, "size"),
    ("WHERE c IN {{ filter_values('country') | where_in }}", "country", FV, "country"),
    ("{% if url_param('p') %}{% endif %}\nAND x = {{ url_param('p') }}", "p", UP, "x"),
    ("WHERE x = {{ url_param(name) }}", "name", TP, "x"),
    ("{% set tf = get_time_filter('ts') %}", "ts", TF, "ts"),
]


@pytest.mark.parametrize(
    ("sql", "name", "kind", "hint"), HINTS, ids=[f"{i}:{row[0][:50]}" for i, row in enumerate(HINTS)]
)
def test_column_hint(sql: str, name: str, kind: VariableKind, hint: str | None) -> None:
    variable = find_template_variables(sql).get(name, kind)
    assert variable is not None
    assert variable.column_hint == hint


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("WHERE x = ", "x"),
        ("WHERE x=", "x"),
        ("WHERE x == ", "x"),
        ("WHERE t.x <= (", "x"),
        ("WHERE x > '", "x"),
        ("WHERE x NOT LIKE '%", "x"),
        ("WHERE AND = ", None),
        ("SELECT ", None),
        ("", None),
        ("WHERE x = 1\n", None),
    ],
)
def test_column_before(text: str, column: str | None) -> None:
    assert column_before(text) == column


# (sql, expected raw of the first variable)
RAWS: list[tuple[str, str]] = [
    ("{{ min_sales }}", "min_sales"),
    ("{{ x | default(5) }}", "x | default(5)"),
    ("{{ x|default('a',true) }}", "x | default('a', True)"),
    ("{{ url_param( 'deal_size' ) }}", "url_param('deal_size')"),
    ('{{ url_param(param="p", default=none) }}', "url_param(param='p', default=None)"),
    ("{{ filter_values('c', remove_filter=True) | where_in }}", "filter_values('c', remove_filter=True)"),
    ("{{ url_param('a', b ~ '-' ~ c) }}", "url_param('a', b ~ '-' ~ c)"),
    ("{{ url_param('a', [1, 2]) }}", "url_param('a', [1, 2])"),
    ("{{ url_param('a', {'k': (1,)}) }}", "url_param('a', {'k': (1,)})"),
    ("{{ url_param('a', x[1:2]) }}", "url_param('a', x[1:2])"),
    ("{{ url_param('a', -x + 1) }}", "url_param('a', -x + 1)"),
    ("{{ url_param('a', not x) }}", "url_param('a', not x)"),
    ("{{ url_param('a', x if y else z) }}", "url_param('a', x if y else z)"),
    ("{{ url_param('a', x == 1 and y in z) }}", "url_param('a', (x == 1) and (y in z))"),
    ("{{ url_param('a', f(*args, **kw)) }}", "url_param('a', f(*args, **kw))"),
    ("{{ url_param('a', x is divisibleby(3)) }}", "url_param('a', x is divisibleby(3))"),
    ("{{ x is not defined }}", "x is not defined"),
    ("{{ presto.latest_partition('t') }}", "presto.latest_partition('t')"),
    ("{{ a if a is defined else 7 }}", "a is defined"),
]


@pytest.mark.parametrize(("sql", "raw"), RAWS, ids=[row[0] for row in RAWS])
def test_raw(sql: str, raw: str) -> None:
    scan = find_template_variables(sql)
    assert scan.parse_error is None
    assert scan.variables[0].raw == raw


# (sql, line of the error, a piece of the message)
BROKEN: list[tuple[str, int | None, str]] = [
    ("SELECT 1 WHERE a = {{ x }", 1, "unexpected '}'"),
    ("SELECT 1\nFROM t\nWHERE a = {{ }}", 3, "Expected an expression"),
    ("{% if x %}\nSELECT 1\n", 1, "Unexpected end of template"),
    ("\n\n{% if x %}\nSELECT 1 {{ y }}\nmore", 4, "The innermost block that needs to be closed is 'if'"),
    ("SELECT 1\n{% endif %}", 2, "endif"),
    ("{% for x in %}{% endfor %}", 1, "Expected an expression"),
    ("{% do x.append(1) %}", 1, "do"),
    ("{{ 'unterminated }}", 1, ""),
    ("SELECT '{{' AS brace", 1, ""),
    ("{% if a %}{% else %}{% else %}{% endif %}", 1, ""),
]


@pytest.mark.parametrize(("sql", "line", "message"), BROKEN, ids=[row[0][:40] for row in BROKEN])
def test_parse_errors(sql: str, line: int | None, message: str) -> None:
    scan = find_template_variables(sql)
    assert scan.variables == ()
    assert isinstance(scan.parse_error, TemplateParseError)
    assert scan.parse_error.line == line
    assert message in scan.parse_error.message
    assert scan.parse_error.message
    assert is_templated(sql)


@pytest.mark.parametrize(
    ("sql", "line", "message", "expected"),
    [
        ("WHERE a = {{ x | no_such_filter }}", 1, "No filter named 'no_such_filter'.", [("x", TP, False, None, 1)]),
        (
            "{{ url_param('p') }}\n{{ y is no_such_test }}",
            2,
            "No test named 'no_such_test'.",
            [("p", UP, False, None, 1), ("y", TP, False, None, 2)],
        ),
    ],
)
def test_unknown_filter_or_test_is_an_error_with_variables(
    sql: str, line: int, message: str, expected: list[Row]
) -> None:
    """Superset's environment fails on these at compile time too; the tree is still walked."""
    scan = find_template_variables(sql)
    assert scan.parse_error == TemplateParseError(message, line)
    assert rows(scan) == expected


def test_deep_nesting_never_raises() -> None:
    sql = "{{ " + "(" * 3000 + "x" + ")" * 3000 + " }}"
    scan = find_template_variables(sql)
    assert scan.parse_error is not None or rows(scan) == [("x", TP, False, None, 1)]


def test_none_and_empty() -> None:
    assert find_template_variables(None) == TemplateScan(())
    assert find_template_variables("") == TemplateScan((), None)
    assert not is_templated(None)
    assert not is_templated("")


@pytest.mark.parametrize(
    ("sql", "templated"),
    [
        ("SELECT 1", False),
        ("SELECT '{\"a\": 1}', 5 % 2, '{ not jinja }'", False),
        ("SELECT {{ x }}", True),
        ("{% if a %}1{% endif %}", True),
        ("{# comment #}SELECT 1", True),
        ("SELECT '{{'", True),
        ("{% raw %}x{% endraw %}", True),
        (EXAMPLE_SQL, True),
    ],
)
def test_is_templated(sql: str, templated: bool) -> None:
    assert is_templated(sql) is templated


def test_scan_helpers_and_hashability() -> None:
    scan = find_template_variables(EXAMPLE_SQL + "{{ url_param('x', ['a', 'b']) }}")
    assert [v.name for v in scan.of_kind(UP)] == ["deal_size", "x"]
    assert [v.name for v in scan.of_kind(TP, FV)] == ["min_sales", "country"]
    assert scan.get("country") == scan.get("country", FV)
    assert scan.get("country", UP) is None
    assert len({*scan.variables}) == 4
    assert hash(scan)


def test_variable_kind_is_a_string() -> None:
    assert str(VariableKind.URL_PARAM) == "url_param"
    assert VariableKind("url_param") is UP
    assert {k.value for k in VariableKind} >= {"url_param", "filter_values", "template_param", "macro"}


def test_render_unknown_node() -> None:
    assert render(None) == ""
