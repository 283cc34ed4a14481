"""Units of measure a domain may carry, by dimension, with the cues (symbols and words) that name them.

A catalog names units by their code (``kg``, ``USD``); a unit not listed here is refused, so that a typo
(``kgs``) cannot silently make a domain unit-less. Cues are matched as whole header tokens or value affixes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    dimension: str
    cues: frozenset[str]


def _units(dimension: str, table: dict[str, str]) -> dict[str, Unit]:
    return {
        code: Unit(code, dimension, frozenset({code.lower(), *(cue.lower() for cue in cues.split())}))
        for code, cues in table.items()
    }


UNITS: dict[str, Unit] = {
    **_units(
        "currency",
        {
            "USD": "$ us$ usd dollar dollars доллар долл",
            "EUR": "€ eur euro euros евро",
            "GBP": "£ gbp pound pounds фунт",
            "RUB": "₽ rub rur руб рубль рублей р.",
            "JPY": "¥ jpy yen иена",
            "CNY": "cny yuan rmb юань",
            "INR": "₹ inr rupee rupees",
            "CHF": "chf franc",
            "KZT": "₸ kzt тенге",
            "BDT": "৳ bdt taka",
        },
    ),
    **_units(
        "mass",
        {
            "kg": "kilogram kilograms kgs кг",
            "g": "gram grams gr г",
            "lb": "lbs pound_mass",
            "t": "tonne тонн",
            "oz": "ounce",
        },
    ),
    **_units(
        "length",
        {
            "m": "meter metre meters metres м",
            "km": "kilometer км",
            "cm": "centimeter см",
            "mm": "millimeter мм",
            "mi": "mile miles",
            "ft": "feet foot",
            "in": "inch inches",
        },
    ),
    **_units(
        "duration",
        {
            "s": "sec secs second seconds сек с",
            "min": "mins minute minutes мин",
            "h": "hr hrs hour hours час ч",
            "d": "day days дн",
            "ms": "millisecond milliseconds мс",
        },
    ),
    **_units("temperature", {"C": "°c celsius degc °с", "F": "°f fahrenheit degf", "K": "kelvin"}),
    **_units("ratio", {"%": "pct percent percentage процент"}),
    **_units(
        "volume", {"l": "liter litre liters litres л", "ml": "milliliter мл", "gal": "gallon gallons", "m3": "м3"}
    ),
    **_units("area", {"m2": "sqm м2 кв.м", "km2": "sqkm км2", "ha": "hectare hectares га", "sqft": "ft2"}),
    **_units(
        "data",
        {
            "B": "byte bytes байт",
            "KB": "kib kilobyte кб",
            "MB": "mib megabyte мб",
            "GB": "gib gigabyte гб",
            "TB": "tib terabyte тб",
        },
    ),
    **_units("speed", {"km/h": "kmh kph км/ч", "mph": "mph", "m/s": "mps м/с"}),
}
# "m", "s", "g" and the like are too short to trust inside a header; they count in values only ("12 m").
SHORT_CUES = frozenset(cue for unit in UNITS.values() for cue in unit.cues if len(cue) <= 1)


def dimension_of(cue: str) -> str | None:
    cue = cue.lower()
    for unit in UNITS.values():
        if cue in unit.cues:
            return unit.dimension
    return None
