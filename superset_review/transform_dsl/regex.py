"""The one regex flavour of the DSL: what PostgreSQL (ARE), DuckDB (RE2) and Polars (Rust ``regex``) read alike.

A pattern is parsed with Python's own regex parser (``re._parser``, formerly ``sre_parse``), checked, and written
out again in a *portable* spelling that the three engines read the same way:

- accepted: literals (printable ASCII, ``\\t \\n \\r \\f \\v``), ``.``, classes of ASCII characters and ranges
  (negated too), ``\\d \\w \\s`` and their negations, greedy quantifiers ``* + ? {m} {m,n} {m,}`` (bounds at most
  255, PostgreSQL's limit), capturing and non-capturing groups, alternation, ``^`` and ``$``;
- rewritten: ``\\d`` as ``[0-9]``, ``\\w`` as ``[0-9A-Z_a-z]``, ``\\s`` as ``[\\t-\\r ]`` (ASCII, whatever Python's
  Unicode reading), ``.`` as ``[^\\n]`` (PostgreSQL's ``.`` matches a newline, RE2's and Rust's do not);
- refused, naming the construct and its position: lazy and possessive quantifiers, backreferences, lookahead and
  lookbehind, named groups, atomic groups, conditionals, inline flags and comments, ``\\b \\B \\A \\Z``, Unicode
  classes and properties, characters by code (``\\x \\u \\0``), non-ASCII and control characters.

**One match, whichever engine.** PostgreSQL takes the *longest* match at the leftmost position (POSIX), RE2 and
Rust the *first* in priority order (Perl): ``a|ab`` on ``ab`` is ``ab`` in one and ``a`` in the others, and
``a?(ab)?`` differs the same way without any alternation. Both readings agree on a *deterministic* pattern, one
where at every choice (a branch, one more repetition or the rest of the pattern) the next character decides: the
branches of an alternation start with disjoint characters, a repeated element's first characters are disjoint from
what may follow it, and no repeated element matches the empty string. Such a pattern parses any text in at most one
way, so the match and its groups are the same in the three engines. Patterns that are not deterministic are refused
("a pattern the engines would match differently") with the position of the ambiguous choice.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
import warnings
from dataclasses import dataclass
from typing import Any

from superset_review.extension.linear_regex import compile_linear

MAX_REPEAT_BOUND = 255  # PostgreSQL's RE_DUP_MAX
ASCII = frozenset(range(128))
CONTROL_ESCAPES = {9: r"\t", 10: r"\n", 11: r"\v", 12: r"\f", 13: r"\r"}
META_OUTSIDE = frozenset("\\.^$|?*+()[]{}")
META_INSIDE = frozenset("\\]^-[&~")
DIGITS = frozenset(range(ord("0"), ord("9") + 1))
WORD = DIGITS | frozenset(range(ord("A"), ord("Z") + 1)) | frozenset(range(ord("a"), ord("z") + 1)) | {ord("_")}
SPACE = frozenset({9, 10, 11, 12, 13, 32})


class RegexRefused(ValueError):
    """A pattern outside the portable flavour: ``construct`` names what, ``position`` where (0-based)."""

    def __init__(self, construct: str, position: int, hint: str = "") -> None:
        self.construct = construct
        self.position = position
        self.hint = hint
        super().__init__(f"{construct} at position {position}" + (f": {hint}" if hint else ""))


@dataclass(frozen=True)
class CharSet:
    """A set of characters: ASCII code points, and whether every non-ASCII character is in it too."""

    ascii: frozenset[int]
    non_ascii: bool = False

    def __or__(self, other: CharSet) -> CharSet:
        return CharSet(self.ascii | other.ascii, self.non_ascii or other.non_ascii)

    def __and__(self, other: CharSet) -> CharSet:
        return CharSet(self.ascii & other.ascii, self.non_ascii and other.non_ascii)

    def complement(self) -> CharSet:
        return CharSet(ASCII - self.ascii, not self.non_ascii)

    def empty(self) -> bool:
        return not self.ascii and not self.non_ascii


NOTHING = CharSet(frozenset())


@dataclass(frozen=True)
class PortableRegex:
    """A checked pattern: ``text`` in the portable spelling, ``groups`` its capturing groups, ``nullable`` whether
    it can match the empty string."""

    text: str
    groups: int
    nullable: bool
    # Groups that may take no part in a match, or match several times (inside ?, *, {m,n} or one branch of |):
    # regex_extract does not read them (RE2 answers '' where the others answer NULL, and repeated captures differ).
    unsteady_groups: frozenset[int] = frozenset()
    # The pattern as plain text when it is nothing but literal characters (a split on it needs no regex).
    literal: str | None = None


# --- refusals that need the position in the written pattern ----------------------------------------------------

_GROUP_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("(?:", ""),
    ("(?P<", "a named group"),
    ("(?P=", "a backreference"),
    ("(?<=", "a lookbehind"),
    ("(?<!", "a lookbehind"),
    ("(?<", "a named group"),
    ("(?=", "a lookahead"),
    ("(?!", "a lookahead"),
    ("(?#", "a comment"),
    ("(?>", "an atomic group"),
    ("(?(", "a conditional"),
)

_ESCAPE_REFUSALS: dict[str, tuple[str, str]] = {
    "b": ("a word boundary \\b", "match the neighbouring character instead, e.g. [^0-9A-Za-z_]"),
    "B": ("a non-boundary \\B", ""),
    "A": ("\\A", "use ^"),
    "Z": ("\\Z", "use $"),
    "z": ("\\z", "use $"),
    "G": ("\\G", ""),
    "p": ("a Unicode property \\p", "use an ASCII class such as [A-Za-z]"),
    "P": ("a Unicode property \\P", "use an ASCII class such as [^A-Za-z]"),
    "N": ("a named character \\N", ""),
    "x": ("a character by code \\x", "write the character itself"),
    "u": ("a character by code \\u", "write the character itself"),
    "U": ("a character by code \\U", "write the character itself"),
    "0": ("a character by code \\0", ""),
    "a": ("a control character \\a", ""),
    "e": ("a control character \\e", ""),
    "c": ("a control character \\c", ""),
}


def _scan(pattern: str) -> None:
    """Refuse, at its position, every construct the portable flavour does not take that can be seen in the text."""
    i, n = 0, len(pattern)
    class_start = -1  # index of the '[' of the class we are in, -1 outside
    while i < n:
        char = pattern[i]
        if ord(char) > 126 or (ord(char) < 32 and ord(char) not in CONTROL_ESCAPES):
            kind = "a non-ASCII character" if ord(char) > 126 else "a control character"
            raise RegexRefused(kind, i, "patterns are ASCII (the engines' Unicode tables differ)")
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped.isdigit() and escaped != "0" and class_start < 0:
                raise RegexRefused("a backreference", i, "PostgreSQL, RE2 and Rust do not agree on them")
            if escaped in _ESCAPE_REFUSALS:
                construct, hint = _ESCAPE_REFUSALS[escaped]
                raise RegexRefused(construct, i, hint)
            i += 2
            continue
        if class_start >= 0:
            first = class_start + 1 + (pattern[class_start + 1 : class_start + 2] == "^")
            if char == "[" and pattern[i + 1 : i + 2] in (":", ".", "="):
                raise RegexRefused("a POSIX class or collating element", i, "write the characters out, e.g. [A-Za-z]")
            if char == "]" and i > first:
                class_start = -1
            i += 1
            continue
        if char == "[":
            class_start = i
            i += 1
            continue
        if char == "(" and pattern[i + 1 : i + 2] == "?":
            for prefix, construct in _GROUP_EXTENSIONS:
                if pattern.startswith(prefix, i):
                    if construct:
                        raise RegexRefused(construct, i, "")
                    break
            else:
                raise RegexRefused("an inline flag", i, "patterns are case-sensitive; write both cases, e.g. [Aa]")
        if char in "*+?}" and pattern[i + 1 : i + 2] in ("?", "+") and _ends_quantifier(pattern, i):
            kind = "a lazy quantifier" if pattern[i + 1] == "?" else "a possessive quantifier"
            raise RegexRefused(kind, i + 1, "only greedy quantifiers are portable")
        i += 1


_BRACE_QUANTIFIER = compile_linear(r"\{[0-9]*(?:,[0-9]*)?\}$")


def _ends_quantifier(pattern: str, i: int) -> bool:
    if pattern[i] != "}":
        return True
    start = pattern.rfind("{", 0, i)
    return start >= 0 and _BRACE_QUANTIFIER.match(pattern[start : i + 1]) is not None


# --- the tree --------------------------------------------------------------------------------------------------


def _category_set(category: Any) -> CharSet:
    table = {
        sre_constants.CATEGORY_DIGIT: CharSet(DIGITS),
        sre_constants.CATEGORY_WORD: CharSet(frozenset(WORD)),
        sre_constants.CATEGORY_SPACE: CharSet(SPACE),
    }
    negated = {
        sre_constants.CATEGORY_NOT_DIGIT: sre_constants.CATEGORY_DIGIT,
        sre_constants.CATEGORY_NOT_WORD: sre_constants.CATEGORY_WORD,
        sre_constants.CATEGORY_NOT_SPACE: sre_constants.CATEGORY_SPACE,
    }
    if category in table:
        return table[category]
    if category in negated:
        return table[negated[category]].complement()
    raise RegexRefused(f"the class {category}", 0, "")


def _class_set(items: list[tuple[Any, Any]]) -> CharSet:
    result = NOTHING
    negate = False
    for opcode, value in items:
        if opcode is sre_constants.NEGATE:
            negate = True
        elif opcode is sre_constants.LITERAL:
            result = result | CharSet(frozenset({value}))
        elif opcode is sre_constants.RANGE:
            low, high = value
            if high > 127:
                raise RegexRefused("a non-ASCII range", 0, "ranges are ASCII")
            result = result | CharSet(frozenset(range(low, high + 1)))
        elif opcode is sre_constants.CATEGORY:
            result = result | _category_set(value)
        else:
            raise RegexRefused(f"{opcode} in a class", 0, "")
    return result.complement() if negate else result


def _node_set(opcode: Any, value: Any) -> CharSet | None:
    """The characters a one-character node matches, or None when the node is not a one-character node."""
    if opcode is sre_constants.LITERAL:
        return CharSet(frozenset({value}))
    if opcode is sre_constants.NOT_LITERAL:
        return CharSet(frozenset({value})).complement()
    if opcode is sre_constants.ANY:
        return CharSet(frozenset({10})).complement()
    if opcode is sre_constants.IN:
        return _class_set(list(value))
    return None


def _class_char(code: int) -> str:
    if code in CONTROL_ESCAPES:
        return CONTROL_ESCAPES[code]
    char = chr(code)
    return "\\" + char if char in META_INSIDE else char


def _render_set(charset: CharSet) -> str:
    """A class in portable text: ranges of consecutive ASCII characters, negated when it holds non-ASCII ones."""
    if not charset.non_ascii and len(charset.ascii) == 1:
        (code,) = charset.ascii
        return _literal(code)
    negated = charset.non_ascii
    codes = sorted(ASCII - charset.ascii if negated else charset.ascii)
    if not codes:
        if negated:
            raise RegexRefused("a class of non-ASCII characters only", 0, "")
        raise RegexRefused("an empty class", 0, "")
    for code in codes:
        if (code < 32 and code not in CONTROL_ESCAPES) or code == 127:
            raise RegexRefused("a class with control characters", 0, "")
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -2]:
        if code == previous + 1:
            previous = code
            continue
        if previous == start:
            parts.append(_class_char(start))
        elif previous == start + 1:
            parts.append(_class_char(start) + _class_char(previous))
        else:
            parts.append(f"{_class_char(start)}-{_class_char(previous)}")
        start = previous = code
    return "[" + ("^" if negated else "") + "".join(parts) + "]"


def _literal(code: int) -> str:
    if code in CONTROL_ESCAPES:
        return CONTROL_ESCAPES[code]
    if code < 32 or code > 126:
        raise RegexRefused("a control or non-ASCII character", 0, "")
    char = chr(code)
    return "\\" + char if char in META_OUTSIDE else char


@dataclass
class _Analysis:
    """What the determinism check needs of a node: can it match empty, and which characters can it start with."""

    nullable: bool
    first: CharSet


class _Writer:
    """Walks the parsed tree once: writes the portable text, and checks determinism against what follows."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.unsteady_depth = 0  # > 0 inside a quantifier or an alternation
        self.unsteady_groups: set[int] = set()

    def sequence(self, items: list[tuple[Any, Any]], follow: CharSet) -> tuple[str, _Analysis]:
        analyses = [self.analyse(opcode, value) for opcode, value in items]
        texts: list[str] = []
        after = follow
        follows: list[CharSet] = []
        for analysis in reversed(analyses):
            follows.append(after)
            after = analysis.first | after if analysis.nullable else analysis.first
        follows.reverse()
        for (opcode, value), node_follow in zip(items, follows, strict=True):
            texts.append(self.node(opcode, value, node_follow))
        nullable = all(analysis.nullable for analysis in analyses)
        first = NOTHING
        for analysis in analyses:
            first = first | analysis.first
            if not analysis.nullable:
                break
        return "".join(texts), _Analysis(nullable, first)

    def analyse_sequence(self, items: list[tuple[Any, Any]]) -> _Analysis:
        first = NOTHING
        for opcode, value in items:
            analysis = self.analyse(opcode, value)
            first = first | analysis.first
            if not analysis.nullable:
                return _Analysis(False, first)
        return _Analysis(True, first)

    def analyse(self, opcode: Any, value: Any) -> _Analysis:
        charset = _node_set(opcode, value)
        if charset is not None:
            return _Analysis(False, charset)
        if opcode is sre_constants.AT:
            return _Analysis(True, NOTHING)
        if opcode is sre_constants.SUBPATTERN:
            return self.analyse_sequence(list(value[3]))
        if opcode is sre_constants.BRANCH:
            branches = [self.analyse_sequence(list(branch)) for branch in value[1]]
            first = NOTHING
            for branch in branches:
                first = first | branch.first
            return _Analysis(any(branch.nullable for branch in branches), first)
        if opcode is sre_constants.MAX_REPEAT:
            low, _high, item = value
            inner = self.analyse_sequence(list(item))
            return _Analysis(low == 0 or inner.nullable, inner.first)
        return _Analysis(True, NOTHING)  # refused in node()

    def node(self, opcode: Any, value: Any, follow: CharSet) -> str:
        charset = _node_set(opcode, value)
        if charset is not None:
            return _render_set(charset)
        if opcode is sre_constants.AT:
            if value is sre_constants.AT_BEGINNING:
                return "^"
            if value is sre_constants.AT_END:
                return "$"
            raise RegexRefused(f"the anchor {value}", 0, "use ^ or $")
        if opcode is sre_constants.SUBPATTERN:
            group, add_flags, del_flags, items = value
            if add_flags or del_flags:
                raise RegexRefused("an inline flag", 0, "")
            if group is not None and self.unsteady_depth:
                self.unsteady_groups.add(group)
            text, _ = self.sequence(list(items), follow)
            return f"({text})" if group is not None else f"(?:{text})"
        if opcode is sre_constants.BRANCH:
            # A branch that can match nothing goes last: RE2 and Rust take the first branch that leads to a match,
            # PostgreSQL the longest match; with the empty choice last, the first is the longest too.
            branches = sorted((list(branch) for branch in value[1]), key=lambda b: self.analyse_sequence(b).nullable)
            if sum(self.analyse_sequence(branch).nullable for branch in branches) > 1:
                # Two branches that can match nothing cannot both go last: on "c", a{0,3}|c{0,3} is "" for RE2
                # and Rust (the first branch matched) and "c" for PostgreSQL (the longer one).
                raise self.ambiguous("two branches of an alternation that can both match nothing")
            seen = NOTHING
            texts = []
            for branch in branches:
                analysis = self.analyse_sequence(branch)
                starts = analysis.first | follow if analysis.nullable else analysis.first
                if not (starts & seen).empty():
                    raise self.ambiguous("two branches of an alternation start alike")
                seen = seen | starts
                self.unsteady_depth += 1
                texts.append(self.sequence(branch, follow)[0])
                self.unsteady_depth -= 1
            return "(?:" + "|".join(texts) + ")"
        if opcode is sre_constants.MAX_REPEAT:
            low, high, item = value
            items = list(item)
            unbounded = high is sre_constants.MAXREPEAT
            if low > MAX_REPEAT_BOUND or (not unbounded and high > MAX_REPEAT_BOUND):
                raise RegexRefused(f"a repetition bound above {MAX_REPEAT_BOUND}", self.find("{"), "")
            inner = self.analyse_sequence(items)
            if inner.nullable:
                raise self.ambiguous("a repeated part that can match nothing")
            if (unbounded or high > low) and not (inner.first & follow).empty():
                raise self.ambiguous("a repetition followed by what it can itself start with")
            self.unsteady_depth += 1
            text, _ = self.sequence(items, inner.first | follow)
            self.unsteady_depth -= 1
            if len(items) != 1 or items[0][0] in (sre_constants.BRANCH, sre_constants.MAX_REPEAT):
                text = f"(?:{text})"
            if (low, high) == (0, sre_constants.MAXREPEAT):
                return text + "*"
            if (low, high) == (1, sre_constants.MAXREPEAT):
                return text + "+"
            if (low, high) == (0, 1):
                return text + "?"
            if unbounded:
                return f"{text}{{{low},}}"
            return f"{text}{{{low}}}" if low == high else f"{text}{{{low},{high}}}"
        if opcode is sre_constants.MIN_REPEAT:
            raise RegexRefused("a lazy quantifier", self.find("?"), "only greedy quantifiers are portable")
        if opcode is sre_constants.POSSESSIVE_REPEAT:
            raise RegexRefused("a possessive quantifier", self.find("+"), "only greedy quantifiers are portable")
        if opcode is sre_constants.GROUPREF or opcode is sre_constants.GROUPREF_EXISTS:
            raise RegexRefused("a backreference", self.find("\\"), "")
        if opcode in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            raise RegexRefused("a lookaround", self.find("(?"), "")
        if opcode is sre_constants.ATOMIC_GROUP:
            raise RegexRefused("an atomic group", self.find("(?>"), "")
        raise RegexRefused(f"the construct {opcode}", 0, "")

    def find(self, text: str) -> int:
        return max(self.pattern.find(text), 0)

    def ambiguous(self, what: str) -> RegexRefused:
        return _Ambiguous(
            f"a pattern the engines would match differently ({what})",
            0,
            "make each choice depend on the next character, e.g. '[0-9]*[0-9]' as '[0-9]+', '.*x' as '[^x]*x'",
        )


class _Ambiguous(RegexRefused):
    """Raised without a position (the parsed tree has none); :func:`portable_regex` finds it."""


def portable_regex(pattern: str) -> PortableRegex:
    """Check ``pattern`` and return its portable spelling; :class:`RegexRefused` names what is not portable."""
    _scan(pattern)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible set intersection": the class is read as written
            parsed = sre_parse.parse(pattern, 0)
    except re.error as error:
        raise RegexRefused(f"not a regular expression ({error.msg})", error.pos or 0, "") from error
    if parsed.state.groupdict:
        raise RegexRefused("a named group", pattern.find("(?P<"), "")
    writer = _Writer(pattern)
    try:
        text, analysis = writer.sequence(list(parsed.data), NOTHING)
    except _Ambiguous as refused:
        raise RegexRefused(refused.construct, _ambiguity_position(pattern), refused.hint) from None
    return PortableRegex(
        text=text,
        groups=parsed.state.groups - 1,
        nullable=analysis.nullable,
        unsteady_groups=frozenset(writer.unsteady_groups),
        literal=_plain_text(list(parsed.data)),
    )


def _ambiguity_position(pattern: str) -> int:
    """Where the ambiguity shows: the last character of the shortest prefix that is itself ambiguous (the parsed
    tree keeps no positions). At most one parse per character of a pattern of at most 500."""
    for end in range(1, len(pattern) + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                prefix = sre_parse.parse(pattern[:end], 0)
            _Writer(pattern).sequence(list(prefix.data), NOTHING)
        except _Ambiguous:
            return end - 1
        except (re.error, RegexRefused):
            continue
    return 0


def _plain_text(items: list[tuple[Any, Any]]) -> str | None:
    if not items or any(opcode is not sre_constants.LITERAL for opcode, _ in items):
        return None
    return "".join(chr(value) for _, value in items)
