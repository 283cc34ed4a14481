"""The tables both generators read, so that SQL and Polars compute one semantics (see ``DETERMINISM.md``).

Units with their factors, the strftime subset with its widths, the casts the DSL allows, the guard patterns a cast
checks before converting and the range of numbers arithmetic works on. A generator never decides a rule of its
own: it writes these rules in its engine's words.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- numbers ---------------------------------------------------------------------------------------------------

# Arithmetic (unit_convert, safe_math) reads numbers of magnitude 0 or within [MIN_MAGNITUDE, MAX_MAGNITUDE]; others
# become NULL with a reason. Within it no product, quotient or conversion overflows or underflows a double, so no
# engine meets inf or NaN (PostgreSQL raises on float8 overflow and underflow instead of returning them) and the
# three give bit-identical IEEE results.
MAX_MAGNITUDE = 1e150
MIN_MAGNITUDE = 1e-150
ROUND_MAX_DIGITS = 10
# float -> integer only for integral values with |x| <= 2**53, where every integer is exact in a double.
MAX_EXACT_INTEGER = 9007199254740992.0

# --- casts from text (full-match guard patterns, in the portable regex flavour) ------------------------------------

# An integer: optional sign, 1 to 18 digits (any 18-digit number fits a 64-bit integer), no spaces (trim first).
INTEGER_TEXT = r"^[+-]?[0-9]{1,18}$"
# A decimal or exponent number; at most 30 digits either side of the point and a 2-digit exponent, so that every
# accepted text is a finite double inside the arithmetic range (no engine rounds it to inf or 0).
FLOAT_TEXT = r"^[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[Ee][+-]?[0-9]{1,2})?$"
TRUE_TEXT = r"^(?:[Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|1)$"
FALSE_TEXT = r"^(?:[Ff][Aa][Ll][Ss][Ee]|[Nn][Oo]|0)$"
DATE_TEXT_FORMAT = "%Y-%m-%d"
TIMESTAMP_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"

# from type -> the types type_cast may reach. Refused pairs have no single reading all engines share: float ->
# string has three text forms (PostgreSQL '1', DuckDB '1.0', Polars '1.0'; '1e+20' against '1e20').
CASTS: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "integer", "float", "boolean", "date", "timestamp"}),
    "integer": frozenset({"integer", "float", "boolean", "string"}),
    "float": frozenset({"float", "integer"}),
    "boolean": frozenset({"boolean", "integer", "float", "string"}),
    "date": frozenset({"date", "timestamp", "string"}),
    "timestamp": frozenset({"timestamp", "date", "string"}),
}
CAST_HINTS: dict[tuple[str, str], str] = {
    ("float", "string"): "round it with safe_math and cast it to integer first (float text differs by engine)",
    ("float", "boolean"): "compare it with safe_math and map the result",
}

# --- dates -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateField:
    directive: str
    width: int
    low: int
    high: int
    postgres: str  # to_char's pattern


DATE_FIELDS: dict[str, DateField] = {
    "%Y": DateField("%Y", 4, 1, 9999, "YYYY"),
    "%m": DateField("%m", 2, 1, 12, "MM"),
    "%d": DateField("%d", 2, 1, 31, "DD"),
    "%H": DateField("%H", 2, 0, 23, "HH24"),
    "%M": DateField("%M", 2, 0, 59, "MI"),
    "%S": DateField("%S", 2, 0, 59, "SS"),
}
TIME_DIRECTIVES = frozenset({"%H", "%M", "%S"})
DATE_SEPARATORS = frozenset(" -/:.,T_")
MAX_FORMAT_CHARS = 64


@dataclass(frozen=True)
class DateToken:
    """A directive (``field`` set) or a run of literal separator characters (``literal`` set)."""

    field: DateField | None = None
    literal: str = ""


def date_tokens(fmt: str) -> list[DateToken]:
    """``fmt`` as directives and literal runs; ValueError names the first character outside the subset."""
    tokens: list[DateToken] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i : i + 2]
            if directive not in DATE_FIELDS:
                raise ValueError(f"{directive!r} at position {i} is not in the subset %Y %m %d %H %M %S")
            tokens.append(DateToken(field=DATE_FIELDS[directive]))
            i += 2
            continue
        if fmt[i] not in DATE_SEPARATORS:
            raise ValueError(f"{fmt[i]!r} at position {i} is neither a directive nor a separator (space - / : . , T _)")
        if tokens and tokens[-1].field is None:
            tokens[-1] = DateToken(literal=tokens[-1].literal + fmt[i])
        else:
            tokens.append(DateToken(literal=fmt[i]))
        i += 1
    return tokens


def date_directives(fmt: str) -> list[str]:
    return [token.field.directive for token in date_tokens(fmt) if token.field is not None]


# --- units -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """``base = value * factor + offset`` in the dimension's base unit (metre, kilogram, kelvin, litre, second)."""

    dimension: str
    factor: float
    offset: float = 0.0


UNITS: dict[str, Unit] = {
    # length (metre)
    "mm": Unit("length", 0.001),
    "cm": Unit("length", 0.01),
    "m": Unit("length", 1.0),
    "km": Unit("length", 1000.0),
    "in": Unit("length", 0.0254),
    "ft": Unit("length", 0.3048),
    "yd": Unit("length", 0.9144),
    "mi": Unit("length", 1609.344),
    # mass (kilogram)
    "mg": Unit("mass", 1e-6),
    "g": Unit("mass", 0.001),
    "kg": Unit("mass", 1.0),
    "t": Unit("mass", 1000.0),
    "oz": Unit("mass", 0.028349523125),
    "lb": Unit("mass", 0.45359237),
    # temperature (kelvin)
    "celsius": Unit("temperature", 1.0, 273.15),
    "fahrenheit": Unit("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "kelvin": Unit("temperature", 1.0),
    # volume (litre)
    "ml": Unit("volume", 0.001),
    "l": Unit("volume", 1.0),
    "m3": Unit("volume", 1000.0),
    "gal": Unit("volume", 3.785411784),
    "qt": Unit("volume", 0.946352946),
    "pt": Unit("volume", 0.473176473),
    "floz": Unit("volume", 0.0295735295625),
    # time (second)
    "ms": Unit("time", 0.001),
    "s": Unit("time", 1.0),
    "min": Unit("time", 60.0),
    "h": Unit("time", 3600.0),
    "d": Unit("time", 86400.0),
}


def conversion(from_unit: str, to_unit: str) -> tuple[float, float]:
    """``(scale, shift)`` with ``to = from * scale + shift``: one multiplication and one addition, computed here
    once so that every engine rounds the same two IEEE operations."""
    source, target = UNITS[from_unit], UNITS[to_unit]
    # 15 significant digits: the factors are exact decimals, and 0 °C is 32 °F, not 31.999999999999996.
    scale = float(f"{source.factor / target.factor:.15g}")
    shift = float(f"{(source.offset - target.offset) / target.factor:.15g}")
    return scale, shift
