"""The template variables of a dataset's SQL, found by walking the Jinja AST.

``find_template_variables`` parses the SQL with a Jinja environment configured like Superset 6.1's
``JinjaTemplateProcessor`` (a ``SandboxedEnvironment`` with ``DebugUndefined`` and the ``where_in`` and
``to_datetime`` filters), asks ``jinja2.meta`` which names the template leaves undeclared, and walks the tree with
its own scope tracking (``{% for %}`` targets, ``{% set %}``, macro arguments, ``{% with %}``) to say, for every
free name and every Superset macro call, what it is, where it is first used and whether the template gives it a
default. No regular expression looks at Jinja syntax; the only one here reads the SQL text *before* a ``{{ ... }}``
to guess which column it is compared with (``column_hint``).

The macros and context names come from ``superset/jinja_context.py`` (``JinjaTemplateProcessor.set_context``,
``ExtraCache``, ``PrestoTemplateProcessor`` and friends) and ``superset/models/helpers.py``
(``get_sqla_query``'s ``template_kwargs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum, auto
from typing import Any, Final

from jinja2 import DebugUndefined, TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import SandboxedEnvironment

from superset_review.extension.i18n import Text
from superset_review.extension.linear_regex import compile_linear


class VariableKind(StrEnum):
    URL_PARAM = auto()  # url_param('name', default)
    FILTER_VALUES = auto()  # filter_values('column', default=None, remove_filter=False)
    GET_FILTERS = auto()  # get_filters('column', remove_filter=False)
    TIME_FILTER = auto()  # get_time_filter('column', default=..., target_type=..., strftime=..., remove_filter=...)
    FROM_DTTM = auto()  # bare from_dttm
    TO_DTTM = auto()  # bare to_dttm
    QUERY_CONTEXT = auto()  # other names Superset passes to chart queries: groupby, metrics, row_limit, time_grain...
    TEMPLATE_PARAM = auto()  # any other free name: supplied by the dataset's template_params or the caller
    MACRO = auto()  # Superset macros that need no input: current_username(), dataset(42), presto.latest_partition()


@dataclass(frozen=True)
class TemplateVariable:
    """One variable of the template, reported once per ``(name, kind)`` at its first use.

    ``name``: the variable, URL parameter or column name (the macro's literal argument); when that argument is not
    a literal, its Jinja source; ``""`` when omitted (``get_time_filter()``).
    ``default`` / ``has_default``: the template supplies a value when none is given: a macro's ``default`` argument,
    ``| default(v)``, or every use guarded by ``is defined``. A non-literal default gives ``default=None``.
    ``column_hint``: the column the variable filters on: the macro's column argument, or the SQL identifier it is
    compared with (``WHERE sales >= {{ min_sales }}`` -> ``"sales"``).
    ``raw``: the Jinja expression of the first use, re-rendered from the AST (whitespace normalised).
    """

    name: str
    kind: VariableKind
    default: object | None
    has_default: bool
    line: int
    column_hint: str | None
    raw: str


@dataclass(frozen=True)
class TemplateParseError:
    """Jinja that Superset could not compile either: the message from Jinja (or a Text of ours) and the 1-based line
    (None if unknown)."""

    message: str
    line: int | None


@dataclass(frozen=True)
class TemplateScan:
    variables: tuple[TemplateVariable, ...]
    parse_error: TemplateParseError | None = None

    def of_kind(self, *kinds: VariableKind) -> tuple[TemplateVariable, ...]:
        return tuple(v for v in self.variables if v.kind in kinds)

    def get(self, name: str, kind: VariableKind | None = None) -> TemplateVariable | None:
        return next((v for v in self.variables if v.name == name and (kind is None or v.kind == kind)), None)


# ------------------------------------------------------------------------------------------------ Superset's names


@dataclass(frozen=True)
class MacroSpec:
    """A Superset macro that reads request state: its parameters in order, which names the variable, which is the
    default."""

    kind: VariableKind
    params: tuple[str, ...]
    name_param: str
    default_param: str | None
    names_a_column: bool


INPUT_MACROS: Final[dict[str, MacroSpec]] = {
    "url_param": MacroSpec(
        VariableKind.URL_PARAM, ("param", "default", "add_to_cache_keys", "escape_result"), "param", "default", False
    ),
    "filter_values": MacroSpec(
        VariableKind.FILTER_VALUES, ("column", "default", "remove_filter"), "column", "default", True
    ),
    "get_filters": MacroSpec(VariableKind.GET_FILTERS, ("column", "remove_filter"), "column", None, True),
    "get_time_filter": MacroSpec(
        VariableKind.TIME_FILTER,
        ("column", "default", "target_type", "strftime", "remove_filter"),
        "column",
        "default",
        True,
    ),
}
# JinjaTemplateProcessor.set_context: macros that read the user or other Superset objects, not request input.
OTHER_MACROS: Final = frozenset(
    {
        "current_user_id",
        "current_username",
        "current_user_email",
        "current_user_roles",
        "current_user_rls_rules",
        "cache_key_wrapper",
        "dataset",
        "metric",
    }
)
# Presto/Hive/Spark/Trino processors add a namespace object: {{ presto.latest_partition('t') }}.
ENGINE_NAMESPACES: Final = frozenset({"presto", "hive", "spark", "trino"})
# models/helpers.py get_sqla_query(): template_kwargs besides from_dttm/to_dttm, set on every chart query.
QUERY_CONTEXT_NAMES: Final = frozenset(
    {"columns", "groupby", "metrics", "row_limit", "row_offset", "time_column", "time_grain", "table_columns", "filter"}
)
_DATE_NAMES: Final = {"from_dttm": VariableKind.FROM_DTTM, "to_dttm": VariableKind.TO_DTTM}


def _placeholder_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def _environment() -> SandboxedEnvironment:
    """Like ``JinjaTemplateProcessor.env``: an unknown filter or test fails here exactly as it fails in Superset."""
    env = SandboxedEnvironment(undefined=DebugUndefined)
    env.filters["where_in"] = _placeholder_filter
    env.filters["to_datetime"] = _placeholder_filter
    return env


_ENV: Final = _environment()
_MISSING: Final = object()
_TOO_DEEP: Final = Text("The template is nested too deeply to read.")


# ---------------------------------------------------------------------------------------------------------- public


def is_templated(sql: str | None) -> bool:
    """True when the SQL contains any Jinja syntax (``{{``, ``{%``, ``{#``), even broken Jinja."""
    if not sql:
        return False
    try:
        return any(kind != "data" for _, kind, _ in _ENV.lex(sql))
    except TemplateSyntaxError:
        return True


def find_template_variables(sql: str | None) -> TemplateScan:
    """Every template variable of ``sql``, in order of first use. Never raises on bad Jinja: see ``parse_error``."""
    if not sql:
        return TemplateScan(())
    try:
        template = _ENV.parse(sql)
    except TemplateSyntaxError as exc:
        return TemplateScan((), TemplateParseError(exc.message or str(exc), exc.lineno))
    except RecursionError:
        return TemplateScan((), TemplateParseError(_TOO_DEEP, None))

    error: TemplateParseError | None = None
    undeclared: frozenset[str] | None
    try:
        # The code generator behind jinja2.meta folds constants in the tree it is given: give it its own copy.
        undeclared = frozenset(find_undeclared_variables(_ENV.parse(sql)))
    except TemplateSyntaxError as exc:  # TemplateAssertionError: unknown filter or test; the tree itself is fine
        undeclared, error = None, TemplateParseError(exc.message or str(exc), exc.lineno)
    except RecursionError:
        return TemplateScan((), TemplateParseError(_TOO_DEEP, None))

    walker = _Walker(undeclared)
    try:
        walker.statements(template.body, _Scope())
    except RecursionError:
        return TemplateScan((), TemplateParseError(_TOO_DEEP, None))
    return TemplateScan(walker.variables(), error)


# ---------------------------------------------------------------------------------------------------------- walker


@dataclass(frozen=True)
class _Scope:
    bound: frozenset[str] = frozenset()  # names the template itself defines here
    guarded: frozenset[str] = frozenset()  # names known to be defined here (inside `{% if x is defined %}`)
    hint: str | None = None  # column the current `{{ ... }}` is compared with

    def bind(self, names: Iterable[str]) -> _Scope:
        return replace(self, bound=self.bound | frozenset(names))

    def guard(self, names: frozenset[str]) -> _Scope:
        return replace(self, guarded=self.guarded | names) if names else self


@dataclass(frozen=True)
class _Use:
    name: str
    kind: VariableKind
    line: int
    optional: bool
    default: object | None
    hint: str | None
    raw: str


class _Walker:
    def __init__(self, undeclared: frozenset[str] | None) -> None:
        self.undeclared = undeclared
        self.uses: list[_Use] = []

    # ---- results

    def variables(self) -> tuple[TemplateVariable, ...]:
        grouped: dict[tuple[str, VariableKind], list[_Use]] = {}
        for use in self.uses:
            grouped.setdefault((use.name, use.kind), []).append(use)
        out: list[TemplateVariable] = []
        for (name, kind), uses in grouped.items():
            first = uses[0]
            has_default = kind != VariableKind.MACRO and all(u.optional for u in uses)
            default = next((u.default for u in uses if u.default is not None), None) if has_default else None
            hint = next((u.hint for u in uses if u.hint), None)
            out.append(TemplateVariable(name, kind, default, has_default, first.line, hint, first.raw))
        return tuple(out)

    def free(self, name: str, scope: _Scope) -> bool:
        if name in scope.bound or name in _ENV.globals:
            return False
        return self.undeclared is None or name in self.undeclared

    def record(
        self,
        name: str,
        kind: VariableKind,
        node: nodes.Node,
        scope: _Scope,
        *,
        optional: bool = False,
        default: object | None = None,
        hint: str | None = None,
        raw: str | None = None,
    ) -> None:
        self.uses.append(_Use(name, kind, node.lineno, optional, default, hint or scope.hint, raw or render(node)))

    # ---- statements: each returns the names bound after it in the enclosing scope

    def statements(self, body: Sequence[nodes.Node], scope: _Scope) -> frozenset[str]:
        bound = scope.bound
        for node in body:
            bound = self.statement(node, replace(scope, bound=bound))
        return bound

    def statement(self, node: nodes.Node, scope: _Scope) -> frozenset[str]:
        match node:
            case nodes.Output():
                text = ""
                for item in node.nodes:
                    if isinstance(item, nodes.TemplateData):
                        text = item.data
                    else:
                        self.expr(item, replace(scope, hint=column_before(text)))
                        text = ""
                return scope.bound
            case nodes.If():
                return self._if(node, scope)
            case nodes.For():
                self.expr(node.iter, scope)
                inner = scope.bind(store_names(node.target) | {"loop"})
                if node.test is not None:
                    self.expr(node.test, inner)
                self.statements(node.body, inner)
                self.statements(node.else_, scope)
                return scope.bound
            case nodes.Macro():
                for default in node.defaults:
                    self.expr(default, scope)
                params = {arg.name for arg in node.args} | {"varargs", "kwargs", "caller", node.name}
                self.statements(node.body, scope.bind(params))
                return scope.bound | {node.name}
            case nodes.CallBlock():
                self.expr(node.call, scope)
                for default in node.defaults:
                    self.expr(default, scope)
                self.statements(node.body, scope.bind({arg.name for arg in node.args} | {"varargs", "kwargs"}))
                return scope.bound
            case nodes.FilterBlock():
                self.expr(node.filter, scope)
                self.statements(node.body, scope)
                return scope.bound
            case nodes.With():
                names: set[str] = set()
                for target, value in zip(node.targets, node.values, strict=False):
                    self.expr(value, scope)
                    names |= store_names(target)
                self.statements(node.body, scope.bind(names))
                return scope.bound
            case nodes.Assign():
                self.expr(node.node, scope)
                return scope.bound | store_names(node.target)
            case nodes.AssignBlock():
                if node.filter is not None:
                    self.expr(node.filter, scope)
                self.statements(node.body, scope)
                return scope.bound | store_names(node.target)
            case nodes.Import():
                self.expr(node.template, scope)
                return scope.bound | {node.target}
            case nodes.FromImport():
                self.expr(node.template, scope)
                return scope.bound | {n if isinstance(n, str) else n[1] for n in node.names}
            case nodes.Block():
                self.statements(node.body, scope)
                return scope.bound
        for child in node.iter_child_nodes():  # Include, Extends, ExprStmt, Scope, OverlayScope...
            if isinstance(child, nodes.Expr):
                self.expr(child, scope)
            else:
                self.statement(child, scope)
        return scope.bound

    def _if(self, node: nodes.If, scope: _Scope) -> frozenset[str]:
        when_true, when_false = guards(node.test)
        self.expr(node.test, scope)
        bound = self.statements(node.body, scope.guard(when_true))
        otherwise = scope.guard(when_false)
        for branch in node.elif_:
            self.expr(branch.test, otherwise)
            branch_true, branch_false = guards(branch.test)
            bound |= self.statements(branch.body, otherwise.guard(branch_true))
            otherwise = otherwise.guard(branch_false)
        return bound | self.statements(node.else_, otherwise)

    # ---- expressions

    def expr(self, node: nodes.Node, scope: _Scope) -> None:
        match node:
            case nodes.Name(ctx="load"):
                self.name(node, scope, optional=False, default=None, raw=node.name)
                return
            case nodes.Call():
                self.call(node, scope)
                return
            case nodes.Filter(name="default" | "d", node=nodes.Name(ctx="load") as target):
                value = (
                    node.args[0]
                    if node.args
                    else next((k.value for k in node.kwargs if k.key == "default_value"), None)
                )
                literal = "" if value is None else literal_value(value)
                default = None if literal is _MISSING else literal
                self.name(target, scope, optional=True, default=default, raw=render(node))
                self.arguments(node, scope)
                return
            case (
                nodes.Test(name="defined" | "undefined", node=nodes.Name(ctx="load") as target)
                | nodes.Not(node=nodes.Test(name="defined" | "undefined", node=nodes.Name(ctx="load") as target))
            ):
                self.name(target, scope, optional=True, default=None, raw=render(node))
                return
            case nodes.CondExpr(test=test, expr1=nodes.Name(ctx="load", name=name) as target, expr2=fallback) if (
                fallback is not None and name in guards(test)[0] and literal_value(fallback) is not _MISSING
            ):  # {{ x if x is defined else 5 }}
                self.expr(test, scope)
                self.name(target, scope, optional=True, default=literal_value(fallback), raw=render(node))
                return
            case nodes.Getattr(node=nodes.Name(ctx="load", name=namespace)) if namespace in ENGINE_NAMESPACES:
                if self.free(namespace, scope):
                    self.record(f"{namespace}.{node.attr}", VariableKind.MACRO, node, scope)
                    return
            case nodes.CondExpr():
                when_true, when_false = guards(node.test)
                self.expr(node.test, scope)
                self.expr(node.expr1, scope.guard(when_true))
                if node.expr2 is not None:
                    self.expr(node.expr2, scope.guard(when_false))
                return
            case nodes.And():
                self.expr(node.left, scope)
                self.expr(node.right, scope.guard(guards(node.left)[0]))
                return
            case nodes.Or():
                self.expr(node.left, scope)
                self.expr(node.right, scope.guard(guards(node.left)[1]))
                return
        for child in node.iter_child_nodes():
            self.expr(child, scope)

    def name(self, node: nodes.Name, scope: _Scope, *, optional: bool, default: object | None, raw: str) -> None:
        if not self.free(node.name, scope):
            return
        name = node.name
        if name in _DATE_NAMES:
            kind = _DATE_NAMES[name]
        elif name in QUERY_CONTEXT_NAMES:
            kind = VariableKind.QUERY_CONTEXT
        elif name in INPUT_MACROS or name in OTHER_MACROS or name in ENGINE_NAMESPACES:
            kind = VariableKind.MACRO
        else:
            kind = VariableKind.TEMPLATE_PARAM
        self.record(name, kind, node, scope, optional=optional or name in scope.guarded, default=default, raw=raw)

    def call(self, node: nodes.Call, scope: _Scope) -> None:
        callee = node.node
        if isinstance(callee, nodes.Name) and callee.ctx == "load" and self.free(callee.name, scope):
            spec = INPUT_MACROS.get(callee.name)
            if spec is not None:
                self.macro_call(spec, node, scope)
                self.arguments(node, scope)
                return
            if callee.name in OTHER_MACROS:
                self.record(callee.name, VariableKind.MACRO, node, scope)
                self.arguments(node, scope)
                return
        if isinstance(callee, nodes.Getattr):
            owner = callee.node
            if isinstance(owner, nodes.Name) and owner.name in ENGINE_NAMESPACES and self.free(owner.name, scope):
                self.record(f"{owner.name}.{callee.attr}", VariableKind.MACRO, node, scope)
                self.arguments(node, scope)
                return
        self.expr(callee, scope)
        self.arguments(node, scope)

    def macro_call(self, spec: MacroSpec, node: nodes.Call, scope: _Scope) -> None:
        args = bind_arguments(spec.params, node)
        name_node = args.get(spec.name_param)
        if name_node is None:
            name, literal_name = "", False
        else:
            value = literal_value(name_node)
            literal_name = value is not _MISSING
            name = render(name_node) if not literal_name else value if isinstance(value, str) else str(value)
        default_node = args.get(spec.default_param) if spec.default_param else None
        has_default = default_node is not None and not (
            isinstance(default_node, nodes.Const) and default_node.value is None
        )
        default = None
        if has_default and default_node is not None:
            value = literal_value(default_node)
            default = None if value is _MISSING else value
        hint = name if spec.names_a_column and literal_name and name else scope.hint
        self.record(name, spec.kind, node, scope, optional=has_default, default=default, hint=hint)

    def arguments(self, node: nodes.Call | nodes.Filter | nodes.Test, scope: _Scope) -> None:
        for arg in node.args:
            self.expr(arg, scope)
        for keyword in node.kwargs:
            self.expr(keyword.value, scope)
        for dyn in (node.dyn_args, node.dyn_kwargs):
            if dyn is not None:
                self.expr(dyn, scope)


# ------------------------------------------------------------------------------------------------- tree functions


def store_names(target: nodes.Node) -> frozenset[str]:
    """The names an assignment target binds: ``x``, ``a, b``; none for ``ns.attr``."""
    if isinstance(target, nodes.Name):
        return frozenset({target.name})
    if isinstance(target, nodes.Tuple | nodes.List):
        return frozenset(name for item in target.items for name in store_names(item))
    return frozenset()


def guards(test: nodes.Node) -> tuple[frozenset[str], frozenset[str]]:
    """Names known to be defined when ``test`` is true, and when it is false."""
    empty: frozenset[str] = frozenset()
    match test:
        case nodes.Test(name="defined", node=nodes.Name(name=name)):
            return frozenset({name}), empty
        case nodes.Test(name="undefined", node=nodes.Name(name=name)):
            return empty, frozenset({name})
        case nodes.Not(node=inner):
            when_true, when_false = guards(inner)
            return when_false, when_true
        case nodes.And(left=left, right=right):
            (lt, lf), (rt, rf) = guards(left), guards(right)
            return lt | rt, lf & rf
        case nodes.Or(left=left, right=right):
            (lt, lf), (rt, rf) = guards(left), guards(right)
            return lt & rt, lf | rf
    return empty, empty


def bind_arguments(params: Sequence[str], call: nodes.Call) -> dict[str, nodes.Node]:
    """Match a call's positional and keyword arguments to the macro's parameter names."""
    bound: dict[str, nodes.Node] = dict(zip(params, call.args, strict=False))
    for keyword in call.kwargs:
        if keyword.key in params:
            bound.setdefault(keyword.key, keyword.value)
    return bound


def literal_value(node: nodes.Node) -> object:
    """The Python value of a literal argument (``'x'``, ``5``, ``-1.5``, ``none``, ``('a', 'b')``), else ``_MISSING``.

    Lists and tuples of literals come back as tuples so variables stay hashable.
    """
    match node:
        case nodes.Const(value=list() | tuple() as items):
            return tuple(items)
        case nodes.Const(value=dict()):
            return _MISSING
        case nodes.Const(value=value):
            return value
        case nodes.Neg(node=nodes.Const(value=int() | float() as number)) if not isinstance(number, bool):
            return -number
        case nodes.Pos(node=nodes.Const(value=int() | float() as number)) if not isinstance(number, bool):
            return number
        case nodes.List() | nodes.Tuple():
            items = [literal_value(item) for item in node.items]
            return _MISSING if any(item is _MISSING for item in items) else tuple(items)
    return _MISSING


_BINARY: Final = {"and": "and", "or": "or"}
_COMPARE: Final = {
    "eq": "==",
    "ne": "!=",
    "gt": ">",
    "gteq": ">=",
    "lt": "<",
    "lteq": "<=",
    "in": "in",
    "notin": "not in",
}
_COMPOUND: Final = (nodes.BinExpr, nodes.Compare, nodes.CondExpr, nodes.Concat, nodes.Not, nodes.Test, nodes.Filter)


def render(node: nodes.Node | None) -> str:
    """Jinja source for an expression node (the AST keeps no offsets, so this re-renders it)."""
    match node:
        case None:
            return ""
        case nodes.Name(name=name):
            return name
        case nodes.NSRef():
            return f"{node.name}.{node.attr}"
        case nodes.Const(value=value):
            return repr(value)
        case nodes.TemplateData(data=data):
            return data
        case nodes.List(items=items):
            return "[" + ", ".join(render(i) for i in items) + "]"
        case nodes.Tuple(items=items):
            inner = ", ".join(render(i) for i in items)
            return f"({inner},)" if len(items) == 1 else f"({inner})"
        case nodes.Dict(items=items):
            return "{" + ", ".join(f"{render(p.key)}: {render(p.value)}" for p in items) + "}"
        case nodes.Getattr(node=owner, attr=attr):
            return f"{_operand(owner)}.{attr}"
        case nodes.Getitem(node=owner, arg=arg):
            return f"{_operand(owner)}[{render(arg)}]"
        case nodes.Slice(start=start, stop=stop, step=step):
            return render(start) + ":" + render(stop) + (":" + render(step) if step is not None else "")
        case nodes.Call(node=callee):
            return f"{_operand(callee)}({_call_arguments(node)})"
        case nodes.Filter(node=target, name=name):
            args = _call_arguments(node)
            head = f"{_operand(target)} | " if target is not None else ""
            return f"{head}{name}({args})" if args else f"{head}{name}"
        case nodes.Test(node=target, name=name):
            args = _call_arguments(node)
            return f"{_operand(target)} is {name}" + (f"({args})" if args else "")
        case nodes.Not(node=nodes.Test(node=target, name=name) as test):
            args = _call_arguments(test)
            return f"{_operand(target)} is not {name}" + (f"({args})" if args else "")
        case nodes.UnaryExpr(node=operand):
            op = "not " if isinstance(node, nodes.Not) else node.operator
            return f"{op}{_operand(operand)}"
        case nodes.BinExpr(left=left, right=right):
            return f"{_operand(left)} {_BINARY.get(node.operator, node.operator)} {_operand(right)}"
        case nodes.Compare(expr=first, ops=ops):
            return " ".join([_operand(first), *(f"{_COMPARE.get(o.op, o.op)} {_operand(o.expr)}" for o in ops)])
        case nodes.Concat(nodes=parts):
            return " ~ ".join(_operand(p) for p in parts)
        case nodes.CondExpr(test=test, expr1=then, expr2=otherwise):
            text = f"{_operand(then)} if {_operand(test)}"
            return text + (f" else {_operand(otherwise)}" if otherwise is not None else "")
        case nodes.Keyword(key=key, value=value):
            return f"{key}={render(value)}"
    return type(node).__name__


def _operand(node: nodes.Node | None) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, _COMPOUND) else text


def _call_arguments(node: nodes.Call | nodes.Filter | nodes.Test) -> str:
    parts = [render(a) for a in node.args]
    parts += [f"{k.key}={render(k.value)}" for k in node.kwargs]
    if node.dyn_args is not None:
        parts.append("*" + render(node.dyn_args))
    if node.dyn_kwargs is not None:
        parts.append("**" + render(node.dyn_kwargs))
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------------------- SQL hint

# `<identifier> <comparison>` at the very end of the SQL text before a `{{ ... }}`: the column it is compared with.
_COMPARISON_TAIL = compile_linear(
    r"""(?P<col>[A-Za-z_][A-Za-z0-9_$]*|"[^"]+"|`[^`]+`|\[[^\]]+\])"""
    r"""(?:\s*(?:==|=|!=|<>|<=|>=|<|>)|\s+(?:NOT\s+)?(?:I?LIKE|IN)|\s+BETWEEN)\s*\(?\s*['"%]*$""",
    case_insensitive=True,
)
_SQL_WORDS: Final = frozenset({"and", "or", "not", "where", "on", "when", "then", "else", "having", "by", "is", "case"})


def column_before(sql_text: str) -> str | None:
    """``"WHERE t.sales >= "`` -> ``"sales"``; None when the text does not end in a comparison."""
    match = _COMPARISON_TAIL.search(sql_text[-300:])
    if match is None:
        return None
    column = match.group("col").strip('"`[]')
    return None if column.lower() in _SQL_WORDS else column
