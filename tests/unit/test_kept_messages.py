"""A kept message is read back only when the code could have written it: a forged one (an unknown msgid, a width or
precision, a missing or extra value, a value that is not a scalar, nested too deep) is ignored, never raised, and a
user value shaped like one is recognised before it is stored."""

from __future__ import annotations

import time
from typing import Any

import pytest

from superset_review.extension.errors import STATUS_OF, ErrorCode, ReviewError
from superset_review.extension.i18n import (
    I18N_KEY,
    MAX_KEPT_DEPTH,
    Text,
    carries_kept_text,
    catalogue_messages,
    localize,
    restore_text,
    restore_texts,
)

NO_DESCRIPTION = "Column '%(column)s' has no description."


def nested(depth: int) -> dict[str, Any]:
    text: dict[str, Any] = {"msgid": "Fix the template.", "params": {}}
    for _ in range(depth):
        text = {"msgid": "Resolve: %(finding)s", "params": {"finding": text}}
    return text


@pytest.mark.parametrize(
    "forged",
    [
        {"msgid": "%(b)s", "params": {"a": 1}},
        {"msgid": "%(a)900000000s", "params": {"a": 1}},
        {"msgid": "not a message of the catalogue", "params": {}},
        {"msgid": NO_DESCRIPTION, "params": {}},
        {"msgid": NO_DESCRIPTION, "params": {"column": {"nested": "object"}}},
        {"msgid": NO_DESCRIPTION, "params": {"column": "x" * 100_000}},
        {"msgid": NO_DESCRIPTION, "params": {f"p{i}": 1 for i in range(100)}},
        {"msgid": 5, "params": {}},
        {"msgid": NO_DESCRIPTION, "params": ["region"]},
        {"msgid": NO_DESCRIPTION},
        nested(MAX_KEPT_DEPTH + 5),
        "a plain string",
        ["a", "list"],
    ],
    ids=lambda forged: str(forged)[:40],
)
def test_a_forged_kept_text_is_ignored(forged: Any) -> None:
    assert Text.restored(forged) is None
    record = {"message": "plain words", I18N_KEY: {"message": forged, "extra": forged}}
    started = time.perf_counter()
    assert localize(record) == {"message": "plain words"}, "the plain value stays; a kept Text adds no field"
    assert restore_text(record, "message") == "plain words"
    assert restore_texts({"warnings": ["w"], I18N_KEY: {"warnings": [forged]}}, "warnings") == ["w"]
    assert time.perf_counter() - started < 0.5, "a width is never honoured"
    with pytest.raises(ValueError, match="not a kept Text"):
        Text.from_json(forged if isinstance(forged, dict) else {"msgid": forged, "params": {}})


def test_the_code_s_texts_survive_storage_at_the_depth_the_code_nests_them() -> None:
    assert NO_DESCRIPTION in catalogue_messages()
    text = Text("Resolve: %(finding)s", finding=Text(NO_DESCRIPTION, column="region"))
    assert Text.restored(text.to_json()) == text
    assert Text.restored(nested(MAX_KEPT_DEPTH - 1)) is not None
    record = {"message": str(text), I18N_KEY: {"message": text.to_json()}}
    assert localize(record)["message"] == "Resolve: Column 'region' has no description."


def test_a_kept_text_beside_a_field_that_says_something_else_is_not_its_translation() -> None:
    """A catalogue message placed beside a user's value (it would pose as what the user wrote) is ignored."""
    kept = Text("Fix the template.").to_json()
    record = {"value": "my own words", I18N_KEY: {"value": kept}}
    assert localize(record) == {"value": "my own words"}
    assert restore_text(record, "value") == "my own words"
    assert restore_texts({"items": ["mine"], I18N_KEY: {"items": [kept]}}, "items") == ["mine"]


@pytest.mark.parametrize(
    "value",
    [
        {"i18n": {}},
        {"msgid": "x", "params": {}},
        [1, {"deep": [{"i18n": None}]}],
        {"a": {"b": {"msgid": "%(a)s", "params": {"a": 1}}}},
    ],
)
def test_user_values_shaped_like_kept_texts_are_recognised(value: Any) -> None:
    assert carries_kept_text(value)


@pytest.mark.parametrize("value", ["i18n", {"msgid": "x"}, {"label": "i18n", "params": 1}, [1, 2], None, 3])
def test_ordinary_user_values_are_not(value: Any) -> None:
    assert not carries_kept_text(value)


def test_every_code_has_one_status_and_unknown_codes_are_refused() -> None:
    assert set(STATUS_OF) == set(ErrorCode)
    assert ReviewError(Text("Fix the template."), "DATASET_NOT_FOUND").status == 404
    assert ReviewError(Text("Fix the template."), "RATE_LIMIT").status == 429, "the gateway's codes keep theirs"
    with pytest.raises(ValueError):
        ReviewError(Text("Fix the template."), "NOT_A_CODE")


ERRORS_WITH_CODES = {"ReviewError", "ReviewSessionError", "ContextError", "ClarificationError", "LinkError",
                     "DictionaryError"}  # fmt: skip


def test_every_code_the_code_raises_is_in_the_taxonomy() -> None:
    """A code outside ErrorCode would fail when the error is made (ValueError): found here, not by a user."""
    import ast
    import re
    from pathlib import Path

    import superset_review

    raised: set[str] = set()
    for path in Path(superset_review.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS_WITH_CODES:
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    value = argument.value if isinstance(argument, ast.Constant) else None
                    if isinstance(value, str) and re.fullmatch(r"[A-Z][A-Z_]{3,}", value):
                        raised.add(value)
            if isinstance(node, ast.ClassDef) and node.name.endswith("ErrorCode"):
                for item in node.body:
                    if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
                        raised.add(str(item.value.value))
    from superset_review.llm.errors import ErrorCode as LlmErrorCode

    assert raised, "the scan finds the codes"
    assert raised - set(ErrorCode) - set(LlmErrorCode) == set()
