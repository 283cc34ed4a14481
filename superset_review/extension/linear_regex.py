"""Regular expressions for text the extension does not control, in linear time, all in one registry.

Python's ``re`` backtracks: a pattern with nested or adjacent quantifiers can take seconds on a few kilobytes of
digits or braces, and these patterns run on every LLM prompt, every uploaded dictionary and every rendered SQL.
RE2 (google-re2) runs in time linear in the text whatever the pattern, at the price of no look-around and no
back-references. Every pattern that reads user, data or LLM text is compiled here, so that a test can feed each
one adversarial text (``REGISTRY`` holds them all, including patterns added later).

RE2 reads ``\\w``, ``\\s``, ``\\d`` and ``\\b`` as ASCII; Python reads them as Unicode. ``unicode_classes``
rewrites the classes so that both engines agree on every character Python knows (the tests compare them code
point by code point); a ``\\b`` has no RE2 equivalent and is refused: a pattern consumes the neighbouring character
instead (see ``BOUNDARY``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, cast

import re2

# Python's Unicode classes, in RE2's syntax (bodies of a character class).
WORD_CHARS = r"\pL\pN_"
SPACE_CHARS = r"\s\x0b\x1c-\x1f\x85\p{Z}"
DIGIT_CHARS = r"\p{Nd}"
LETTER = r"[\pL\p{Nl}\p{No}]"  # Python's [^\W\d_]: a word character that is neither a digit nor "_"
# What ``\b`` checks next to a word character, as a character RE2 consumes: a non-word character or an end.
BOUNDARY = rf"(?:^|$|[^{WORD_CHARS}])"

_CLASSES = {"w": WORD_CHARS, "s": SPACE_CHARS, "d": DIGIT_CHARS}
_ASCII_ONLY = frozenset("WSDbB")  # no faithful RE2 form: write the rule another way


class LinearMatch(Protocol):
    # As typeshed types re.Match.group: None only for a group that took no part. Text for a search in text; the
    # one search in bytes (detectors) reads spans only.
    def group(self, group: int | str = 0) -> str | Any: ...

    def groupdict(self) -> dict[str, str | None]: ...

    def span(self, group: int = 0) -> tuple[int, int]: ...

    def start(self, group: int = 0) -> int: ...

    def end(self, group: int = 0) -> int: ...


class LinearRegex(Protocol):
    @property
    def pattern(self) -> str: ...

    @property
    def groupindex(self) -> dict[str, int]: ...

    def search(self, text: str | bytes, pos: int | None = None, endpos: int | None = None) -> LinearMatch | None: ...

    def match(self, text: str | bytes, pos: int | None = None, endpos: int | None = None) -> LinearMatch | None: ...

    def fullmatch(self, text: str | bytes, pos: int | None = None, endpos: int | None = None) -> LinearMatch | None: ...

    def finditer(self, text: str, pos: int | None = None, endpos: int | None = None) -> Iterator[LinearMatch]: ...

    def findall(self, text: str, pos: int | None = None, endpos: int | None = None) -> list[str]: ...

    def sub(self, repl: str | Callable[[LinearMatch], str], text: str, count: int = 0) -> str: ...

    def split(self, text: str, maxsplit: int = 0) -> list[str]: ...


# Every pattern compiled for outside text, by its source: the adversarial test runs each of them.
REGISTRY: dict[str, LinearRegex] = {}

# RE2's default of 8 MiB per pattern is too small for the DFA of the name lists: it would fall back to the slower
# (still linear) NFA. 64 MiB keeps the DFA for every pattern the extension compiles.
MAX_MEMORY = 64 << 20


def compile_linear(pattern: str, *, case_insensitive: bool = False) -> LinearRegex:
    """``pattern`` (Python syntax, see ``unicode_classes``) compiled by RE2, registered in ``REGISTRY``."""
    source = unicode_classes(pattern)
    if case_insensitive:
        source = f"(?i:{source})"
    compiled = REGISTRY.get(source)
    if compiled is None:
        options = re2.Options()
        options.max_mem = MAX_MEMORY
        options.log_errors = False
        compiled = cast(LinearRegex, re2.compile(source, options))
        REGISTRY[source] = compiled
    return compiled


def unicode_classes(pattern: str) -> str:
    """``pattern`` with Python's Unicode meaning of ``\\w``, ``\\s``, ``\\d`` and ``[^\\W\\d_]`` spelled for RE2.

    A ``$`` becomes ``\\n?$``: Python's ``$`` also matches before a final newline. Raises ``ValueError`` for
    ``\\b``, ``\\B``, ``\\W``, ``\\S`` and ``\\D`` anywhere else: RE2's are ASCII and would silently differ.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if not in_class and pattern.startswith(r"[^\W\d_]", index):
            out.append(LETTER)
            index += len(r"[^\W\d_]")
            continue
        if char == "\\" and index + 1 < len(pattern):
            letter = pattern[index + 1]
            if letter in _CLASSES:
                out.append(_CLASSES[letter] if in_class else f"[{_CLASSES[letter]}]")
            elif letter in _ASCII_ONLY:
                raise ValueError(f"\\{letter} in {pattern!r}: RE2 reads it as ASCII; write the pattern without it")
            else:
                out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            # A "]" right after "[" or "[^" is a literal, not the end of the class.
            opening = "[^" if pattern.startswith("[^", index) else "["
            out.append(opening)
            index += len(opening)
            if pattern.startswith("]", index):
                out.append(r"\]")
                index += 1
            continue
        if char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\n?")
        out.append(char)
        index += 1
    return "".join(out)


def word_boundaries(pattern: str) -> str:
    """A pattern only searched for (never asked where it matched) with each ``\\b`` as a consumed ``BOUNDARY``.

    Exact as long as every ``\\b`` stands next to a word character of the pattern, as in ``\\bphone\\b``: the
    consumed neighbour is then exactly the character ``\\b`` looks at.
    """
    return pattern.replace(r"\b", BOUNDARY)
