"""The domain catalog: an immutable, versioned tree of business domains with a content hash.

A catalog file (YAML or JSON, same shape) is data from outside: it is read within bounds (file size, entries,
string lengths, nesting), every field is checked, every regex is compiled by RE2 (linear time) and by Polars (the
engine that runs it on columns), and any problem refuses the whole file: the errors name the line (YAML gives
one for JSON too) and the field. Nothing is half-loaded; a catalog in use is never touched by a failed load.

An organisation's file either ``extends: builtin`` (its domains are added; one with a built-in name replaces
that domain) or replaces the built-in catalog (no ``extends``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import re2
import yaml

from superset_review.domains.units import UNITS
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.masking import MaskingConfigError, parse_operator
from superset_review.pii.types import PiiType

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py

MAX_FILE_BYTES = 4 << 20
MAX_DOMAINS = 2000
MAX_NAME = 100
MAX_STRING = 1000  # descriptions, aliases, examples, regexes
MAX_LIST = 300  # aliases per language, values, examples, regexes
MAX_EXAMPLES = 50
MAX_NESTING = 8  # of the file's mappings and lists
MAX_ANCESTORS = 12
KINDS = frozenset({"text", "code", "integer", "decimal", "date", "datetime", "time", "boolean"})
# Named value providers the classifier knows (dictionaries of the PII package).
VALUE_SETS = frozenset({"first_names", "surnames", "full_names"})
REQUIRED_LANGUAGES = ("en", "ru")
BUILTIN = "builtin"
_FIELDS = frozenset(
    {
        "name",
        "parent",
        "abstract",
        "description",
        "aliases",
        "negatives",
        "regexes",
        "units",
        "examples",
        "values",
        "value_set",
        "kind",
        "range",
        "components",
        "pii",
        "masking",
        "pattern_required",
    }
)
_TOP_FIELDS = frozenset({"name", "version", "extends", "domains"})
_NAME_SHAPE = compile_linear(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){0,5}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog file: where (line, 1-based, when the format gives one), which field, what."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.field}: {self.message}"


class CatalogError(ValueError):
    """A catalog file refused whole; ``problems`` lists every reason found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"{source}: catalog refused: {shown}{more}")


@dataclass(frozen=True)
class DomainPattern:
    """A regular expression a whole value matches; ``weight`` < 1 for shapes other domains share."""

    source: str
    weight: float = 1.0

    @property
    def anchored(self) -> str:
        return f"^(?:{self.source})$"


@dataclass(frozen=True)
class Domain:
    name: str
    parent: str | None
    description: str
    aliases: tuple[tuple[str, tuple[str, ...]], ...]  # (language, phrases), languages sorted
    negatives: tuple[str, ...] = ()
    regexes: tuple[DomainPattern, ...] = ()
    units: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value_set: str | None = None
    kind: str = "text"
    value_range: tuple[float, float] | None = None
    components: tuple[str, ...] = ()
    pii: PiiType | None = None
    masking: tuple[tuple[str, object], ...] = ()  # the operator's configuration, keys sorted
    pattern_required: bool = False
    abstract: bool = False

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    def alias_phrases(self) -> Iterator[str]:
        for _, phrases in self.aliases:
            yield from phrases

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parent": self.parent,
            "abstract": self.abstract,
            "description": self.description,
            "aliases": {language: list(phrases) for language, phrases in self.aliases},
            "negatives": list(self.negatives),
            "regexes": [{"pattern": p.source, "weight": p.weight} for p in self.regexes],
            "units": list(self.units),
            "examples": list(self.examples),
            "values": list(self.values),
            "value_set": self.value_set,
            "kind": self.kind,
            "range": list(self.value_range) if self.value_range else None,
            "components": list(self.components),
            "pii": self.pii.value if self.pii else None,
            "masking": dict(self.masking) if self.masking else None,
            "pattern_required": self.pattern_required,
        }


@dataclass(frozen=True)
class Catalog:
    name: str
    version: str
    domains: tuple[Domain, ...]
    extends: str | None = None
    by_name: Mapping[str, Domain] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {domain.name: domain for domain in self.domains})

    @functools.cached_property
    def content_hash(self) -> str:
        """sha256 of the catalog's canonical JSON: what every cache depending on the catalog keys on."""
        return stable_hash(self.to_json(with_hash=False))

    @property
    def assignable(self) -> tuple[Domain, ...]:
        return tuple(domain for domain in self.domains if not domain.abstract)

    def to_json(self, *, with_hash: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "domains": [domain.to_json() for domain in self.domains],
        }
        if with_hash:
            body["hash"] = self.content_hash
        return body


# --- reading -------------------------------------------------------------------------------------------------


@functools.cache
def builtin_catalog() -> Catalog:
    """The catalog shipped with the package (read once; it is immutable)."""
    text = resources.files("superset_review.domains").joinpath("builtin.yaml").read_text(encoding="utf-8")
    return parse_catalog(text, source="builtin.yaml")


def load_catalog(path: Path) -> Catalog:
    """An organisation's catalog file, merged onto the built-in one when it says ``extends: builtin``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogError(str(path), [Problem(None, "file", _too_big(size))])
        raw = path.read_bytes()
    except OSError as ex:
        message = Text("cannot be read (%(reason)s); check the path and permissions", reason=ex.strerror or str(ex))
        raise CatalogError(str(path), [Problem(None, "file", message)]) from ex
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise CatalogError(str(path), [Problem(None, "file", Text("is not UTF-8 text; save it as UTF-8"))]) from ex
    return parse_catalog(text, source=str(path), as_json=path.suffix.lower() == ".json")


def parse_catalog(
    text: str, *, source: str = "<catalog>", as_json: bool = False, base: Catalog | None = None
) -> Catalog:
    """The catalog a file describes. With ``base`` (the live catalog an import extends), the file's domains are
    merged onto it whatever the file's ``extends`` says; without, ``extends: builtin`` merges onto the built-in."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise CatalogError(source, [Problem(None, "file", _too_big(len(text.encode("utf-8"))))])
    document, lines = _read_document(text, source, as_json)
    checker = _Checker(lines)
    catalog = checker.catalog(document)
    if checker.problems or catalog is None:
        raise CatalogError(source, checker.problems)
    if base is not None:
        return _merged(base, catalog, source, checker.domain_lines)
    if catalog.extends == BUILTIN:
        return _merged(builtin_catalog(), catalog, source, checker.domain_lines)
    check_tree(catalog, source, checker.domain_lines)
    return catalog


def parse_domain(entry: object, *, source: str = "<delta>", field: str = "payload") -> Domain:
    """One domain entry (a staged delta's payload), checked field by field as in a catalog file; the problems name
    ``field`` and the entry's own fields (``payload.regexes[0]``). Its place in a tree is checked by ``check_tree``."""
    checker = _Checker({})
    domain = checker.domain(entry, (field,))
    if checker.problems or domain is None:
        raise CatalogError(source, checker.problems)
    return domain


def catalog_from_document(document: object, *, source: str = "<stored catalog>") -> Catalog:
    """A catalog from its JSON document (``Catalog.to_json()``, as the database stores it), checked like a file."""
    checker = _Checker({})
    catalog = checker.catalog(document)
    if checker.problems or catalog is None:
        raise CatalogError(source, checker.problems)
    check_tree(catalog, source)
    return catalog


def _too_big(size: int) -> str:
    return Text(
        "is %(size)s bytes, over the limit of %(limit)s; split the catalog or trim it", size=size, limit=MAX_FILE_BYTES
    )


Path_ = tuple[str | int, ...]


def _read_document(text: str, source: str, as_json: bool) -> tuple[Any, dict[Path_, int]]:
    """The file as plain values, and the 1-based line of every mapping value and list item by its path."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                # Anchors and aliases let a few lines expand into a huge document: refused.
                line = event.start_mark.line + 1 if event.start_mark else None
                raise CatalogError(source, [Problem(line, "file", Text("uses a YAML alias (*name); write it out"))])
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as ex:
        if as_json:
            return _read_json(text, source)
        mark = getattr(ex, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(ex, "problem", None) or str(ex).splitlines()[0]
        raise CatalogError(
            source, [Problem(line, "file", Text("is not valid YAML: %(reason)s", reason=reason))]
        ) from ex
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    return _plain(node, (), lines, source), lines


def _read_json(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    try:
        return json.loads(text), {}
    except (json.JSONDecodeError, RecursionError) as ex:
        line = ex.lineno if isinstance(ex, json.JSONDecodeError) else None
        message = Text("is not valid JSON: %(reason)s", reason=getattr(ex, "msg", "nested too deep"))
        raise CatalogError(source, [Problem(line, "file", message)]) from ex


def _plain(node: yaml.Node, path: Path_, lines: dict[Path_, int], source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if len(path) > MAX_NESTING:
        message = Text("nested deeper than %(limit)s levels", limit=MAX_NESTING)
        raise CatalogError(source, [Problem(lines[path], _field(path), message)])
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            result[key] = _plain(value_node, (*path, key), lines, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        if len(node.value) > MAX_DOMAINS:
            message = Text(
                "has %(count)s entries, over the limit of %(limit)s", count=len(node.value), limit=MAX_DOMAINS
            )
            raise CatalogError(source, [Problem(lines[path], _field(path), message)])
        return [_plain(item, (*path, index), lines, source) for index, item in enumerate(node.value)]
    construct = _SCALARS.yaml_constructors.get(node.tag)
    if construct is None or not isinstance(node, yaml.ScalarNode):
        message = Text("has an unsupported YAML tag %(tag)s", tag=str(node.tag)[:80])
        raise CatalogError(source, [Problem(lines[path], _field(path), message)])
    return construct(_SCALARS, node)


# Builds scalars (ints, bools, strings) as YAML's safe loader resolves them; it holds no document state.
_SCALARS = yaml.SafeLoader("")


def _field(path: Path_) -> str:
    """``domains[3].regexes[0]``: the field a problem is about."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "file"


class _Checker:
    """Turns the plain document into a Catalog, gathering every problem (no early stop: one pass shows all)."""

    def __init__(self, lines: Mapping[Path_, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        self.domain_lines: dict[str, int] = {}

    def problem(self, path: Path_, message: str) -> None:
        line = None
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                line = self.lines[path[:end]]
                break
        self.problems.append(Problem(line, _field(path), message))

    # scalars
    def string(self, value: object, path: Path_, *, limit: int = MAX_STRING, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, Text("must be text (got %(type)s)", type=_type_name(value)))
            return None
        text = str(value)
        if required and not text.strip():
            self.problem(path, Text("must not be empty"))
            return None
        if len(text) > limit:
            self.problem(
                path, Text("is %(length)s characters long, over the limit of %(limit)s", length=len(text), limit=limit)
            )
            return None
        return text

    def strings(self, value: object, path: Path_, *, limit: int = MAX_LIST) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(path, Text("must be a list (got %(type)s)", type=_type_name(value)))
            return ()
        if len(value) > limit:
            self.problem(
                path, Text("has %(count)s entries, over the limit of %(limit)s", count=len(value), limit=limit)
            )
            return ()
        found = (self.string(item, (*path, index)) for index, item in enumerate(value))
        return tuple(item for item in found if item is not None)

    def flag(self, value: object, path: Path_) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(path, Text("must be true or false (got %(value)s)", value=repr(value)[:40]))
            return False
        return value

    # the document
    def catalog(self, document: object) -> Catalog | None:
        if not isinstance(document, dict):
            self.problem((), Text("must be a mapping with 'name', 'version' and 'domains'"))
            return None
        for key in sorted(set(document) - _TOP_FIELDS):
            self.problem(
                (key,), Text("is not a catalog field (known: %(known)s)", known=", ".join(sorted(_TOP_FIELDS)))
            )
        name = self.string(document.get("name"), ("name",), limit=MAX_NAME)
        version = self.string(document.get("version"), ("version",), limit=MAX_NAME)
        extends = self.string(document.get("extends"), ("extends",), limit=MAX_NAME, required=False)
        if extends is not None and extends != BUILTIN:
            self.problem(("extends",), Text("can only be '%(builtin)s' (or absent, to replace it)", builtin=BUILTIN))
        entries = document.get("domains")
        if not isinstance(entries, list) or not entries:
            self.problem(("domains",), Text("must be a non-empty list of domains"))
            return None
        if len(entries) > MAX_DOMAINS:
            self.problem(
                ("domains",),
                Text("has %(count)s entries, over the limit of %(limit)s", count=len(entries), limit=MAX_DOMAINS),
            )
            return None
        domains: list[Domain] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            domain = self.domain(entry, ("domains", index))
            if domain is None:
                continue
            if domain.name in seen:
                where = self.lines.get(("domains", seen[domain.name]))
                first = Text("line %(line)s", line=where) if where else Text("entry %(index)s", index=seen[domain.name])
                self.problem(
                    ("domains", index, "name"),
                    Text("duplicate domain %(name)s (first at %(first)s)", name=domain.name, first=first),
                )
                continue
            seen[domain.name] = index
            if ("domains", index) in self.lines:
                self.domain_lines[domain.name] = self.lines[("domains", index)]
            domains.append(domain)
        if name is None or version is None:
            return None
        return Catalog(name, version, tuple(domains), extends)

    def domain(self, entry: object, path: Path_) -> Domain | None:
        if not isinstance(entry, dict):
            self.problem(path, Text("a domain must be a mapping (got %(type)s)", type=_type_name(entry)))
            return None
        before = len(self.problems)
        for key in sorted(set(entry) - _FIELDS):
            self.problem(
                (*path, key), Text("is not a domain field (known: %(known)s)", known=", ".join(sorted(_FIELDS)))
            )
        name = self.string(entry.get("name"), (*path, "name"), limit=MAX_NAME)
        if name is not None and not _NAME_SHAPE.search(name):
            self.problem(
                (*path, "name"),
                Text(
                    "%(name)s is not a domain name (lower-case words joined by dots, like person.first_name)",
                    name=repr(name),
                ),
            )
        parent = self.string(entry.get("parent"), (*path, "parent"), limit=MAX_NAME, required=False)
        kind = self.string(entry.get("kind", "text"), (*path, "kind"), limit=MAX_NAME)
        if kind is not None and kind not in KINDS:
            self.problem(
                (*path, "kind"),
                Text("must be one of %(kinds)s (got %(kind)s)", kinds=", ".join(sorted(KINDS)), kind=repr(kind)),
            )
        value_set = self.string(entry.get("value_set"), (*path, "value_set"), limit=MAX_NAME, required=False)
        if value_set is not None and value_set not in VALUE_SETS:
            self.problem(
                (*path, "value_set"),
                Text("must be one of %(sets)s (got %(set)s)", sets=", ".join(sorted(VALUE_SETS)), set=repr(value_set)),
            )
        units = self.strings(entry.get("units"), (*path, "units"))
        for index, unit in enumerate(units):
            if unit not in UNITS:
                self.problem(
                    (*path, "units", index),
                    Text("unknown unit %(unit)s (known: %(known)s)", unit=repr(unit), known=", ".join(UNITS)),
                )
        examples = self.strings(entry.get("examples"), (*path, "examples"), limit=MAX_EXAMPLES)
        domain = Domain(
            name=name or "",
            parent=parent,
            description=self.string(entry.get("description"), (*path, "description")) or "",
            aliases=self.aliases(entry.get("aliases"), (*path, "aliases")),
            negatives=self.strings(entry.get("negatives"), (*path, "negatives")),
            regexes=self.patterns(entry.get("regexes"), (*path, "regexes")),
            units=units,
            examples=examples,
            values=tuple(value.lower() for value in self.strings(entry.get("values"), (*path, "values"))),
            value_set=value_set,
            kind=kind or "text",
            value_range=self.value_range(entry.get("range"), (*path, "range")),
            components=self.strings(entry.get("components"), (*path, "components"), limit=10),
            pii=self.pii(entry.get("pii"), (*path, "pii")),
            masking=self.masking(entry.get("masking"), (*path, "masking")),
            pattern_required=self.flag(entry.get("pattern_required"), (*path, "pattern_required")),
            abstract=self.flag(entry.get("abstract"), (*path, "abstract")),
        )
        return domain if len(self.problems) == before else None

    def aliases(self, value: object, path: Path_) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(value, dict) or not value:
            self.problem(path, Text("must map languages to lists of names, e.g. {en: [first name], ru: [имя]}"))
            return ()
        out = []
        for language in sorted(value):
            if not isinstance(language, str) or not 2 <= len(language) <= 8:
                self.problem((*path, language), Text("is not a language code (like en or ru)"))
                continue
            out.append((language, tuple(alias.lower() for alias in self.strings(value[language], (*path, language)))))
        return tuple(out)

    def patterns(self, value: object, path: Path_) -> tuple[DomainPattern, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > 20:
            self.problem(path, Text("must be a list of at most 20 regular expressions"))
            return ()
        out = []
        for index, item in enumerate(value):
            where = (*path, index)
            weight: object = 1.0
            if isinstance(item, dict):
                for key in sorted(set(item) - {"pattern", "weight"}):
                    self.problem((*where, key), Text("is not a regex field (known: pattern, weight)"))
                weight = item.get("weight", 1.0)
                item, where = item.get("pattern"), (*where, "pattern")
            source = self.string(item, where)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
                self.problem(
                    (*path, index, "weight"),
                    Text("must be a number in (0, 1] (got %(value)s)", value=repr(weight)[:40]),
                )
                continue
            if source is None:
                continue
            pattern = DomainPattern(source, float(weight))
            reason = regex_problem(pattern)
            if reason is not None:
                self.problem(
                    where,
                    Text("broken regular expression %(pattern)s: %(reason)s", pattern=repr(source[:80]), reason=reason),
                )
                continue
            out.append(pattern)
        return tuple(out)

    def value_range(self, value: object, path: Path_) -> tuple[float, float] | None:
        if value is None:
            return None
        numbers = value if isinstance(value, list) else []
        if (
            len(numbers) != 2
            or not all(isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers)
            or numbers[0] > numbers[1]
        ):
            self.problem(path, Text("must be [minimum, maximum], two numbers with minimum <= maximum"))
            return None
        return float(numbers[0]), float(numbers[1])

    def pii(self, value: object, path: Path_) -> PiiType | None:
        if value is None:
            return None
        try:
            return PiiType(str(value))
        except ValueError:
            self.problem(
                path,
                Text(
                    "must be one of %(types)s or null (got %(value)s)", types=", ".join(PiiType), value=repr(value)[:40]
                ),
            )
            return None

    def masking(self, value: object, path: Path_) -> tuple[tuple[str, object], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.problem(path, Text("must be an operator like {kind: token}"))
            return ()
        config = dict(value)
        if config.get("kind") == "hash":
            if "salt" in config:
                self.problem((*path, "salt"), Text("a salt does not belong in a catalog: the installation's is used"))
                return ()
            config = {**config, "salt": "installation"}  # checked with a stand-in; the real salt is the installation's
        try:
            parse_operator(config)
        except MaskingConfigError as ex:
            self.problem(path, str(ex))
            return ()
        return tuple(sorted(value.items()))


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", type(None): "nothing"}.get(type(value), type(value).__name__)


def regex_problem(pattern: DomainPattern) -> str | None:
    """Why RE2 or Polars refuses the pattern, or None. Compiled through the linear-time registry on purpose:
    the pattern comes from a file and will run over a dataset's values."""
    try:
        compile_linear(pattern.anchored)
    except (ValueError, re2.error) as ex:
        return str(ex).splitlines()[0][:200] if str(ex) else type(ex).__name__
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern.anchored)
    except pl.exceptions.PolarsError as ex:
        return str(ex).splitlines()[0][:200]
    return None


def _merged(base: Catalog, extension: Catalog, source: str, lines: Mapping[str, int]) -> Catalog:
    """``base`` with ``extension``'s domains: same name replaces, new ones are added; then the tree is checked."""
    replaced = {domain.name: domain for domain in extension.domains}
    domains = [replaced.pop(domain.name, domain) for domain in base.domains]
    domains += [domain for domain in extension.domains if domain.name in replaced]
    merged = Catalog(extension.name, extension.version, tuple(domains), BUILTIN)
    check_tree(merged, source, lines)
    return merged


def check_tree(catalog: Catalog, source: str, lines: Mapping[str, int] | None = None) -> None:
    """Parents and components exist, no cycle of parents, no tree deeper than ``MAX_ANCESTORS``. ``lines``: the
    line of each domain's entry in the file, when known."""
    problems: list[Problem] = []
    lines = lines or {}
    for domain in catalog.domains:
        line = lines.get(domain.name)
        if domain.parent is not None and domain.parent not in catalog.by_name:
            message = Text("%(domain)s: unknown parent domain %(name)s", domain=domain.name, name=domain.parent)
            problems.append(Problem(line, "parent", message))
        for component in domain.components:
            if component not in catalog.by_name:
                message = Text("%(domain)s: unknown component domain %(name)s", domain=domain.name, name=component)
                problems.append(Problem(line, "components", message))
        seen = [domain.name]
        parent = domain.parent
        while parent is not None and parent in catalog.by_name:
            if parent in seen or len(seen) > MAX_ANCESTORS:
                chain = " -> ".join([*seen, parent])
                problems.append(Problem(line, "parent", Text("a cycle of parents: %(chain)s", chain=chain)))
                break
            seen.append(parent)
            parent = catalog.by_name[parent].parent
    if problems:
        raise CatalogError(source, problems)
