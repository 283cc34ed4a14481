"""Masking operators on text and columns, token vaults, and operator configuration."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest

from superset_review.pii.masking import (
    HashOperator,
    MaskingConfigError,
    MaskingOperator,
    MaskOperator,
    NullOperator,
    RedactOperator,
    TokenOperator,
    TokenVault,
    mask_series,
    mask_text,
    mask_value,
    parse_operator,
)
from superset_review.pii.types import PiiInputError, PiiType

EMAIL, PHONE = PiiType.EMAIL, PiiType.PHONE
PROMPT = "Mail alice@example.com or call +44 20 7946 0958, not bob@example.org."


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"kind": "null"}, NullOperator()),
        ({"kind": "hash", "salt": "pepper"}, HashOperator("pepper")),
        ({"kind": "mask", "keep_first": 2, "keep_last": 2}, MaskOperator(2, 2)),
        ({"kind": "mask"}, MaskOperator(0, 0)),
        ({"kind": "redact"}, RedactOperator("[REDACTED]")),
        ({"kind": "redact", "marker": "<REDACTED>"}, RedactOperator("<REDACTED>")),
        ({"kind": "token"}, TokenOperator()),
    ],
)
def test_parse_operator(config: dict[str, object], expected: MaskingOperator) -> None:
    assert parse_operator(config) == expected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"kind": "scramble"}, "kind must be one of"),
        ({}, "kind must be one of"),
        ({"kind": None}, "kind must be one of"),
        ({"kind": "mask", "keep_first": -1}, "keep_first.*>= 0"),
        ({"kind": "mask", "keep_last": -3}, "keep_last.*>= 0"),
        ({"kind": "mask", "keep_first": "2"}, "keep_first"),
        ({"kind": "mask", "keep_first": True}, "keep_first"),
        ({"kind": "mask", "keep_frist": 2}, "unknown parameter.*keep_frist"),
        ({"kind": "hash"}, "salt.*required"),
        ({"kind": "hash", "salt": ""}, "salt.*required"),
        ({"kind": "hash", "salt": 42}, "salt.*required"),
        ({"kind": "redact", "marker": "###"}, "marker"),
        ({"kind": "null", "salt": "x"}, "unknown parameter"),
    ],
)
def test_bad_operator_config(config: dict[str, object], message: str) -> None:
    with pytest.raises(MaskingConfigError, match=message):
        parse_operator(config)


def test_config_must_be_a_mapping() -> None:
    with pytest.raises(MaskingConfigError, match="mapping"):
        parse_operator("mask")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (NullOperator(), "Mail  or call , not ."),
        (RedactOperator(), "Mail [REDACTED] or call [REDACTED], not [REDACTED]."),
        (RedactOperator("<REDACTED>"), "Mail <REDACTED> or call <REDACTED>, not <REDACTED>."),
        (MaskOperator(1, 4), "Mail a************.com or call +***********0958, not b**********.org."),
    ],
)
def test_mask_text_operators(operator: MaskingOperator, expected: str) -> None:
    assert mask_text(PROMPT, operator).text == expected


def test_mask_text_reports_each_replacement() -> None:
    masked = mask_text(PROMPT, RedactOperator())
    assert [(r.pii_type, r.original_span.text, r.replacement) for r in masked.replacements] == [
        (EMAIL, "alice@example.com", "[REDACTED]"),
        (PHONE, "+44 20 7946 0958", "[REDACTED]"),
        (EMAIL, "bob@example.org", "[REDACTED]"),
    ]


def test_mask_text_types_filter() -> None:
    masked = mask_text(PROMPT, RedactOperator(), types={PHONE})
    assert masked.text == "Mail alice@example.com or call [REDACTED], not bob@example.org."


@pytest.mark.parametrize(
    ("value", "first", "last", "expected"),
    [
        ("4111111111111111", 0, 4, "************1111"),
        ("alice@example.com", 2, 2, "al*************om"),
        ("abcd", 2, 2, "****"),  # no longer than what would be kept: masked whole
        ("abc", 2, 2, "***"),
        ("", 1, 1, ""),
        ("Åsa Laine", 1, 1, "Å*******e"),
    ],
)
def test_mask_keeps_first_and_last(value: str, first: int, last: int, expected: str) -> None:
    assert mask_value(value, EMAIL, MaskOperator(first, last)) == expected
    assert mask_series(pl.Series([value]), EMAIL, MaskOperator(first, last)).to_list() == [expected]


def test_hash_is_salted_and_deterministic() -> None:
    first = mask_value("alice@example.com", EMAIL, HashOperator("salt-1"))
    assert first == mask_value("alice@example.com", EMAIL, HashOperator("salt-1"))
    assert first != mask_value("alice@example.com", EMAIL, HashOperator("salt-2"))
    assert first != hashlib.sha256(b"alice@example.com").hexdigest(), "an unsalted hash is a lookup table away"
    assert first == hmac.new(b"salt-1", b"alice@example.com", hashlib.sha256).hexdigest()
    assert len(first) == 64


def test_hash_operator_has_no_default_salt() -> None:
    with pytest.raises(TypeError):
        HashOperator()  # type: ignore[call-arg]


def test_tokens_are_stable_within_a_vault_and_unmask_round_trips() -> None:
    vault = TokenVault()
    masked = mask_text(PROMPT + " Again: alice@example.com", TokenOperator(), vault)
    assert masked.text == "Mail <EMAIL_1> or call <PHONE_1>, not <EMAIL_2>. Again: <EMAIL_1>"
    assert len(vault) == 3
    assert vault.unmask(masked.text) == PROMPT + " Again: alice@example.com"
    answer = "I will write to <EMAIL_2> and call <PHONE_1>; <EMAIL_9> and <b> stay as they are."
    assert vault.unmask(answer) == (
        "I will write to bob@example.org and call +44 20 7946 0958; <EMAIL_9> and <b> stay as they are."
    )


def test_separate_vaults_number_independently() -> None:
    first, second = TokenVault(), TokenVault()
    assert mask_text("x@y.com", TokenOperator(), first).text == "<EMAIL_1>"
    assert mask_text("z@y.com x@y.com", TokenOperator(), second).text == "<EMAIL_1> <EMAIL_2>"
    assert second.unmask("<EMAIL_2>") == "x@y.com"


def test_token_needs_a_vault() -> None:
    with pytest.raises(MaskingConfigError, match="TokenVault"):
        mask_text(PROMPT, TokenOperator())
    with pytest.raises(MaskingConfigError, match="TokenVault"):
        mask_series(pl.Series(["a@b.com"]), EMAIL, TokenOperator())


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (NullOperator(), [None, None, None]),
        (RedactOperator(), ["[REDACTED]", None, "[REDACTED]"]),
        (MaskOperator(1, 1), ["a***1", None, "b***2"]),
    ],
)
def test_mask_series_keeps_nulls_and_name(operator: MaskingOperator, expected: list[str | None]) -> None:
    result = mask_series(pl.Series("contact", ["aaaa1", None, "bbbb2"]), EMAIL, operator)
    assert result.to_list() == expected
    assert result.name == "contact"
    assert result.dtype == pl.String


def test_mask_series_hash_and_token_match_the_text_path() -> None:
    values = pl.Series(["alice@example.com", None, "bob@example.org", "alice@example.com"])
    hashed = mask_series(values, EMAIL, HashOperator("s")).to_list()
    assert hashed[0] == hashed[3] == mask_value("alice@example.com", EMAIL, HashOperator("s"))
    assert hashed[1] is None
    vault = TokenVault()
    assert mask_series(values, EMAIL, TokenOperator(), vault).to_list() == ["<EMAIL_1>", None, "<EMAIL_2>", "<EMAIL_1>"]
    assert vault.unmask("<EMAIL_2>") == "bob@example.org"


def test_mask_series_reads_integers_as_digits() -> None:
    result = mask_series(pl.Series([4111111111111111]), PiiType.CREDIT_CARD, MaskOperator(0, 4))
    assert result.to_list() == ["************1111"]


@pytest.mark.parametrize("value", [None, 4155552671, b"alice@example.com"])
def test_non_text_input_is_refused(value: object) -> None:
    with pytest.raises(PiiInputError, match=type(value).__name__):
        mask_text(value, RedactOperator())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TokenVault().unmask(value)  # type: ignore[arg-type]


def test_mask_series_refuses_floats() -> None:
    with pytest.raises(PiiInputError, match="mask_series"):
        mask_series(pl.Series([1.5]), EMAIL, RedactOperator())


def test_hash_salt_comes_from_settings() -> None:
    from superset_review.pii.masking import HashOperator, operator_from_config

    configured = operator_from_config(
        {"kind": "hash"}, {"REVIEW_PII_HASH_SALT": "a-salt-of-16-chars!", "SECRET_KEY": "k"}
    )
    derived_a = operator_from_config({"kind": "hash"}, {"SECRET_KEY": "installation-a"})
    derived_b = operator_from_config({"kind": "hash"}, {"SECRET_KEY": "installation-b"})
    assert isinstance(configured, HashOperator) and configured.salt == "a-salt-of-16-chars!"
    assert isinstance(derived_a, HashOperator) and isinstance(derived_b, HashOperator)
    assert derived_a.salt != derived_b.salt and "installation-a" not in derived_a.salt


def test_hash_without_any_secret_is_refused() -> None:
    from superset_review.pii.masking import MaskingConfigError, operator_from_config

    with pytest.raises(MaskingConfigError, match="REVIEW_PII_HASH_SALT"):
        operator_from_config({"kind": "hash"}, {})
