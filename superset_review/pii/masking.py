"""Masking: replace PII in a prompt (``mask_text``) or in a whole column (``mask_series``).

Operators, parsed from configuration with ``parse_operator``:

- ``null``: the value disappears (an empty string inside text, a null in a column);
- ``hash``: HMAC-SHA-256 keyed with a salt the caller must give: deterministic, so joins and counts still work,
  and not reversible by hashing a dictionary of phone numbers without the salt. There is no default salt,
  because a salt in the source code is a salt every attacker has;
- ``mask``: keep ``keep_first`` and ``keep_last`` characters, ``*`` for the rest. A value no longer than
  ``keep_first + keep_last`` is masked entirely, else the "masked" value would be the value;
- ``redact``: ``[REDACTED]`` (or ``<REDACTED>``);
- ``token``: ``<EMAIL_1>``, ``<PHONE_2>``... from a ``TokenVault``: the same value gets the same token within one
  vault, so an LLM can still tell two customers apart, and ``vault.unmask`` puts the originals back into the
  model's answer.

Input types: text functions read ``str`` only and raise ``PiiInputError`` (a ``TypeError``) for anything else,
``None`` and ``bytes`` included: a silent ``str()`` would send ``"None"`` or ``"b'...'"`` to the model.
``mask_series`` reads text columns, and integer columns as their digits (card and phone numbers often sit in
integer columns; the result is a text column).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.detectors import find_spans
from superset_review.pii.types import PiiInputError, PiiType, Span
from superset_review.pii.vectorized import as_text

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py


class MaskingConfigError(ValueError):
    """An operator configuration that cannot be used; the message names the field and what it accepts."""


@dataclass(frozen=True)
class NullOperator:
    kind: Literal["null"] = "null"


@dataclass(frozen=True)
class HashOperator:
    salt: str
    kind: Literal["hash"] = "hash"


@dataclass(frozen=True)
class MaskOperator:
    keep_first: int = 0
    keep_last: int = 0
    kind: Literal["mask"] = "mask"


REDACT_MARKERS = ("[REDACTED]", "<REDACTED>")


@dataclass(frozen=True)
class RedactOperator:
    marker: str = "[REDACTED]"
    kind: Literal["redact"] = "redact"


@dataclass(frozen=True)
class TokenOperator:
    kind: Literal["token"] = "token"


MaskingOperator = NullOperator | HashOperator | MaskOperator | RedactOperator | TokenOperator

_PARAMETERS: dict[str, frozenset[str]] = {
    "null": frozenset(),
    "hash": frozenset({"salt"}),
    "mask": frozenset({"keep_first", "keep_last"}),
    "redact": frozenset({"marker"}),
    "token": frozenset(),
}


def parse_operator(config: Mapping[str, object]) -> MaskingOperator:
    """``{"kind": "mask", "keep_first": 2, "keep_last": 2}`` -> ``MaskOperator(2, 2)``; unknown keys are refused
    (a misspelt ``keep_frist`` silently ignored would mask more or less than intended)."""
    if not isinstance(config, Mapping):
        raise MaskingConfigError(f"a masking operator is a mapping with a 'kind' (got {type(config).__name__})")
    kind = config.get("kind")
    if not isinstance(kind, str) or kind not in _PARAMETERS:
        raise MaskingConfigError(f"operator kind must be one of {', '.join(_PARAMETERS)} (got {kind!r})")
    unknown = set(config) - _PARAMETERS[kind] - {"kind"}
    if unknown:
        allowed = ", ".join(sorted(_PARAMETERS[kind])) or "none"
        raise MaskingConfigError(f"{kind} operator: unknown parameter(s) {', '.join(sorted(unknown))} ({allowed})")
    if kind == "null":
        return NullOperator()
    if kind == "token":
        return TokenOperator()
    if kind == "hash":
        salt = config.get("salt")
        if not isinstance(salt, str) or not salt:
            raise MaskingConfigError("hash operator: 'salt' is required, a non-empty string kept out of the code")
        return HashOperator(salt)
    if kind == "mask":
        return MaskOperator(_count(config, "keep_first"), _count(config, "keep_last"))
    marker = config.get("marker", REDACT_MARKERS[0])
    if marker not in REDACT_MARKERS:
        raise MaskingConfigError(f"redact operator: 'marker' must be one of {', '.join(REDACT_MARKERS)}")
    return RedactOperator(str(marker))


def _count(config: Mapping[str, object], key: str) -> int:
    value = config.get(key, 0)
    # bool is an int to Python; "keep_first": true is a configuration mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MaskingConfigError(f"mask operator: {key!r} must be a whole number >= 0 (got {value!r})")
    return value


class TokenVault:
    """Stable placeholders for one conversation: ``<TYPE_n>``, numbered per type in order of first sight."""

    _TOKEN = compile_linear(r"<[A-Z]+(?:_[A-Z]+)*_[0-9]+>")

    def __init__(self) -> None:
        self._tokens: dict[tuple[PiiType, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counts: Counter[PiiType] = Counter()

    def token(self, pii_type: PiiType, value: str) -> str:
        key = (pii_type, value)
        if key not in self._tokens:
            self._counts[pii_type] += 1
            token = f"<{pii_type.value}_{self._counts[pii_type]}>"
            self._tokens[key] = token
            self._originals[token] = value
        return self._tokens[key]

    def unmask(self, text: str) -> str:
        """``text`` with every token this vault issued replaced by its original; other tokens are left alone."""
        if not isinstance(text, str):
            raise PiiInputError("TokenVault.unmask", text)
        return self._TOKEN.sub(lambda match: self._originals.get(match.group(0), match.group(0)), text)

    def __len__(self) -> int:
        return len(self._originals)


@dataclass(frozen=True)
class Replacement:
    pii_type: PiiType
    original_span: Span
    replacement: str


@dataclass(frozen=True)
class MaskedText:
    text: str
    replacements: list[Replacement]


def mask_value(value: str, pii_type: PiiType, operator: MaskingOperator, vault: TokenVault | None = None) -> str:
    """One value under one operator (``null`` gives the empty string: inside text, the value just goes)."""
    match operator:
        case NullOperator():
            return ""
        case HashOperator(salt=salt):
            return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()
        case MaskOperator(keep_first=first, keep_last=last):
            if len(value) <= first + last:
                return "*" * len(value)
            return value[:first] + "*" * (len(value) - first - last) + value[len(value) - last :]
        case RedactOperator(marker=marker):
            return marker
        case TokenOperator():
            return _vault(vault).token(pii_type, value)


def _vault(vault: TokenVault | None) -> TokenVault:
    if vault is None:
        raise MaskingConfigError("the token operator needs a TokenVault (vault=...), which later unmasks the answer")
    return vault


def mask_text(
    text: str,
    operator: MaskingOperator,
    vault: TokenVault | None = None,
    types: Collection[PiiType] | None = None,
) -> MaskedText:
    """``text`` with every PII span (of ``types``, default all) replaced under ``operator``."""
    if not isinstance(text, str):
        raise PiiInputError("mask_text", text)
    if isinstance(operator, TokenOperator):
        _vault(vault)
    pieces: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    for span in find_spans(text, types):
        replacement = mask_value(span.text, span.pii_type, operator, vault)
        pieces += [text[position : span.start], replacement]
        replacements.append(Replacement(span.pii_type, span, replacement))
        position = span.end
    pieces.append(text[position:])
    return MaskedText("".join(pieces), replacements)


def mask_series(
    values: pl.Series,
    pii_type: PiiType,
    operator: MaskingOperator,
    vault: TokenVault | None = None,
) -> pl.Series:
    """Every non-null value of a column of ``pii_type`` replaced whole; nulls stay null. Vectorized in Polars for
    null, redact and mask; hash and token run once per distinct value."""
    text = as_text(values, "mask_series")
    name = values.name
    match operator:
        case NullOperator():
            return pl.Series(name, [None] * len(text), dtype=pl.String)
        case RedactOperator(marker=marker):
            return pl.select(pl.when(text.is_not_null()).then(pl.lit(marker)).otherwise(None)).to_series().alias(name)
        case MaskOperator(keep_first=first, keep_last=last):
            return _mask_vectorized(text, first, last).alias(name)
        case HashOperator() | TokenOperator():
            if isinstance(operator, TokenOperator):
                _vault(vault)
            distinct = text.drop_nulls().unique(maintain_order=True)
            masked = [mask_value(value, pii_type, operator, vault) for value in distinct.to_list()]
            mapping = dict(zip(distinct.to_list(), masked, strict=True))
            return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(name)


def _mask_vectorized(text: pl.Series, first: int, last: int) -> pl.Series:
    length = pl.col("v").str.len_chars()
    middle = pl.col("v").str.slice(first, length - first - last).str.replace_all(r"(?s).", "*")
    kept = pl.concat_str([pl.col("v").str.head(first), middle, pl.col("v").str.tail(last)])
    everything = pl.col("v").str.replace_all(r"(?s).", "*")
    masked = pl.when(length <= first + last).then(everything).otherwise(kept)
    return pl.DataFrame({"v": text}).select(masked).to_series()


def operator_from_config(config: Mapping[str, object], app_config: Mapping[str, object]) -> MaskingOperator:
    """Parse an operator from settings; a ``hash`` without its own salt takes the installation's.

    The installation's salt is ``REVIEW_PII_HASH_SALT``, else one derived from ``SECRET_KEY`` (so hashes are
    stable across restarts and differ between installations), never a constant in the code.
    """
    if config.get("kind") == "hash" and "salt" not in config:
        config = {**config, "salt": installation_salt(app_config)}
    return parse_operator(config)


def installation_salt(app_config: Mapping[str, object]) -> str:
    import hmac

    if salt := app_config.get("REVIEW_PII_HASH_SALT"):
        return str(salt)
    secret = str(app_config.get("SECRET_KEY") or "")
    if not secret:
        raise MaskingConfigError("the hash operator needs REVIEW_PII_HASH_SALT or Superset's SECRET_KEY")
    return hmac.new(secret.encode(), b"superset-review:pii-hash-salt", "sha256").hexdigest()
