"""What the server writes, in the reader's language.

The language is Superset's own: Flask-AppBuilder keeps the user's choice in the session, among the ``LANGUAGES``
an admin lists (English only by default). Messages said at once (errors, validation) go through flask-babel's
``gettext`` in the request's language. Messages a review keeps (findings, next actions, questions, mapping
warnings, diagnostics) are :class:`Text`: a ``str`` that reads in English, carrying its template and values, so
that it is stored as both and translated when it is read; every reader sees their own language, and a worker
(which has no user) writes the same text as a request would.

The catalogue is ``superset_review/translations`` (``make translations`` extracts and compiles it).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from flask_babel import get_locale, gettext

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# The key under which a stored record keeps the Text of its translatable fields; read by localize().
I18N_KEY = "i18n"


class Text(str):
    """A message in English (its value as a ``str``) with the template and values to say it in another language.

    Values may be Texts themselves (``Text("Resolve: %(finding)s", finding=finding.message)``).
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Text:
        text = super().__new__(cls, _render(msgid, params, translate=False))
        text.msgid, text.params = msgid, params
        return text

    def translated(self) -> str:
        return _render(self.msgid, self.params, translate=True)

    def to_json(self) -> dict[str, Any]:
        params = {name: value.to_json() if isinstance(value, Text) else value for name, value in self.params.items()}
        return {"msgid": self.msgid, "params": params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        params = {name: cls.from_json(value) if _is_text(value) else value for name, value in data["params"].items()}
        return cls(str(data["msgid"]), **params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.msgid, self.params))


def _restore(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def _is_text(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"msgid", "params"}


def _render(msgid: str, params: Mapping[str, Any], translate: bool) -> str:
    template = gettext(msgid) if translate else msgid
    if not params:
        return template
    values = {
        name: value.translated() if translate and isinstance(value, Text) else value for name, value in params.items()
    }
    return template % values


def joined(messages: Sequence[str], separator: str = " ") -> str:
    """Messages said one after another, each in the reader's language (a Text when there are several)."""
    result = messages[0] if messages else ""
    for message in messages[1:]:
        result = Text("%(before)s%(separator)s%(after)s", before=result, separator=separator, after=message)
    return result


def message_of(error: BaseException) -> str:
    """An exception's message as it was raised: its Text when it is one (``str(error)`` would be English only)."""
    message = error.args[0] if len(error.args) == 1 else None
    return message if isinstance(message, Text) else str(error)


def texts_of(**fields: str | Sequence[str] | None) -> dict[str, Any]:
    """The stored form of the fields that are Texts (plain strings, such as a model's own wording, stay as they are);
    a list of messages keeps a Text or None per item."""
    texts: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Text):
            texts[name] = value.to_json()
        elif isinstance(value, (list, tuple)) and any(isinstance(item, Text) for item in value):
            texts[name] = [item.to_json() if isinstance(item, Text) else None for item in value]
    return texts


def keep_texts(record: MutableMapping[str, Any], **fields: str | Sequence[str] | None) -> MutableMapping[str, Any]:
    """Set ``fields`` on a record that is stored as JSON, keeping the Text of each under ``I18N_KEY``."""
    record.update(fields)
    texts = texts_of(**fields)
    if texts:
        record[I18N_KEY] = {**(record.get(I18N_KEY) or {}), **texts}
    return record


def restore_text(record: Mapping[str, Any], name: str) -> str | None:
    """A stored field as it was set: the Text when one was kept, the plain value otherwise."""
    kept = (record.get(I18N_KEY) or {}).get(name)
    return Text.from_json(kept) if kept else record.get(name)


def restore_texts(record: Mapping[str, Any], name: str) -> list[str]:
    """A stored list of messages as it was set: each item the Text it was when one was kept."""
    values = list(record.get(name) or ())
    kept = [*((record.get(I18N_KEY) or {}).get(name) or ()), *([None] * len(values))]
    return [Text.from_json(text) if text else value for value, text in zip(values, kept, strict=False)]


def localize(document: Any) -> Any:
    """A dumped document with every kept Text in the reader's language and the ``I18N_KEY`` entries dropped."""
    if isinstance(document, list):
        return [localize(item) for item in document]
    if not isinstance(document, dict):
        return document
    texts = document.get(I18N_KEY)
    localized = {key: localize(value) for key, value in document.items() if key != I18N_KEY}
    if isinstance(texts, Mapping):
        for name, kept in texts.items():
            if _is_text(kept):
                localized[name] = Text.from_json(kept).translated()
            elif isinstance(kept, list) and isinstance(localized.get(name), list):
                # A list of messages (warnings, changes) keeps a Text or None (a plain string) per item.
                localized[name] = [
                    Text.from_json(text).translated() if _is_text(text) else value
                    for value, text in zip(localized[name], [*kept, *[None] * len(localized[name])], strict=False)
                ]
    return localized


def in_readers_language(value: Any) -> Any:
    """A reply body with every Text in it translated (Texts made in this request: errors, gates, diagnostics)."""
    if isinstance(value, Text):
        return value.translated()
    if isinstance(value, dict):
        return {key: in_readers_language(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [in_readers_language(item) for item in value]
    return value


def current_language() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def register_translations(config: MutableMapping[str, Any]) -> None:
    """Add the extension's catalogue to flask-babel's directories (before Flask-AppBuilder starts Babel)."""
    directories = str(config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations")
    if str(TRANSLATIONS_DIR) not in directories.split(";"):
        config["BABEL_TRANSLATION_DIRECTORIES"] = f"{directories};{TRANSLATIONS_DIR}"
