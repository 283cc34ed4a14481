"""The server's words in English and Russian: every message in the code is in the Russian catalogue with the same
placeholders, the shipped .mo is the compiled .po, and a Text reads in the reader's language, stored or not."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, refresh

from superset_review.extension.i18n import (
    I18N_KEY,
    TRANSLATIONS_DIR,
    Text,
    in_readers_language,
    keep_texts,
    localize,
    register_translations,
    restore_text,
    restore_texts,
    texts_of,
)
from tests.services import REPO

PO = TRANSLATIONS_DIR / "ru" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "Text": None}


def extracted() -> dict[str, str]:
    """Every message in the package's code and templates, as `make translations` extracts them."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    messages: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO / "superset_review"), method_map=method_map, keywords=KEYWORDS
    ):
        if isinstance(message, str) and message:
            messages.setdefault(message, filename)
    return messages


def catalog() -> Any:
    with PO.open("rb") as handle:
        return read_po(handle, locale="ru")


def test_every_message_of_the_code_is_translated_into_russian() -> None:
    russian = catalog()
    missing = {
        message: where
        for message, where in extracted().items()
        if not (russian.get(message) and russian.get(message).string and not russian.get(message).fuzzy)
    }
    assert missing == {}, f"run `make translations` and translate these in {PO}"


def test_translations_keep_the_placeholders() -> None:
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog().check() if errors]
    assert problems == []


def test_the_shipped_mo_is_the_compiled_po() -> None:
    """The .mo says what the .po says: the same messages and translations, whatever Babel version compiled it (the
    bytes differ between Babel releases; the catalogue must not)."""
    with MO.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    source = {message.id: message.string for message in catalog() if message.id and not message.fuzzy}
    compiled = {msgid: text for msgid, text in shipped._catalog.items() if msgid}  # type: ignore[attr-defined]
    assert compiled == source, "run `make translations` to compile the catalogue"


@pytest.fixture()
def russian_app() -> Iterator[Flask]:
    app = Flask(__name__)
    register_translations(app.config)
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"]
    Babel(app, locale_selector=lambda: app.config["LOCALE"], default_translation_directories=directories)
    app.config["LOCALE"] = "ru"
    with app.test_request_context():
        yield app


NO_DESCRIPTION = "Column '%(column)s' has no description."


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (Text(NO_DESCRIPTION, column="region"), "Column 'region' has no description."),
        (Text("Fix the template."), "Fix the template."),
        (Text("Resolve: %(finding)s", finding=Text(NO_DESCRIPTION, column="a")), "Resolve: Column 'a' has no description."),
        (Text("Document %(count)d column(s): import a dictionary or accept candidates.", count=3),
         "Document 3 column(s): import a dictionary or accept candidates."),
    ],
)  # fmt: skip
def test_a_text_reads_in_english_and_survives_storage(text: Text, english: str) -> None:
    assert text == english and isinstance(text, str)
    stored = Text.from_json(text.to_json())
    assert (stored, stored.msgid, stored.to_json()) == (text, text.msgid, text.to_json())


def test_a_text_reads_in_russian_for_a_russian_reader(russian_app: Flask) -> None:
    text = Text("Resolve: %(finding)s", finding=Text(NO_DESCRIPTION, column="region"))
    russian = text.translated()
    assert "region" in russian and "Column" not in russian and "Resolve" not in russian
    assert str(text) == "Resolve: Column 'region' has no description."
    russian_app.config["LOCALE"] = "en"
    refresh()  # flask-babel keeps a request's translations: a new request would pick the new locale
    assert text.translated() == str(text)


def test_stored_records_are_localized_when_read(russian_app: Flask) -> None:
    record = keep_texts({"code": "X"}, message=Text(NO_DESCRIPTION, column="region"), note="plain words")
    assert record["message"] == "Column 'region' has no description." and set(record[I18N_KEY]) == {"message"}
    assert isinstance(restore_text(record, "message"), Text) and restore_text(record, "note") == "plain words"
    document = {"findings": [record], "next_action": "Fix the template.",
                I18N_KEY: texts_of(next_action=Text("Fix the template."))}  # fmt: skip
    localized = localize(document)
    assert I18N_KEY not in localized and I18N_KEY not in localized["findings"][0]
    assert localized["findings"][0]["message"] != record["message"] and "region" in localized["findings"][0]["message"]
    assert localized["next_action"] != "Fix the template." and localized["findings"][0]["note"] == "plain words"
    warnings = keep_texts({}, warnings=["plain", Text(NO_DESCRIPTION, column="b")])
    assert restore_texts(warnings, "warnings") == ["plain", "Column 'b' has no description."]
    assert isinstance(restore_texts(warnings, "warnings")[1], Text)
    listed = localize(warnings)["warnings"]
    assert listed[0] == "plain" and listed[1] != "Column 'b' has no description." and "b" in listed[1]
    reply = in_readers_language(
        {"message": Text("Fix the template."), "gates": [{"message": Text("Fix the template.")}]}
    )
    assert reply["message"] == localized["next_action"] == reply["gates"][0]["message"]


def test_the_catalogue_joins_superset_translation_directories_once() -> None:
    config: dict[str, Any] = {}
    register_translations(config)
    register_translations(config)
    assert config["BABEL_TRANSLATION_DIRECTORIES"] == f"translations;{TRANSLATIONS_DIR}"
    config = {"BABEL_TRANSLATION_DIRECTORIES": "/opt/mine"}
    register_translations(config)
    assert config["BABEL_TRANSLATION_DIRECTORIES"] == f"/opt/mine;{TRANSLATIONS_DIR}"
