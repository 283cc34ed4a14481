"""What the server writes, in the reader's language.

The language is Superset's own: Flask-AppBuilder keeps the user's choice in the session, among the ``LANGUAGES``
an admin lists (English only by default). Messages said at once (errors, validation) go through flask-babel's
``gettext`` in the request's language. Messages a review keeps (findings, next actions, questions, mapping
warnings, diagnostics) are :class:`Text`: a ``str`` that reads in English, carrying its template and values, so
that it is stored as both and translated when it is read; every reader sees their own language, and a worker
(which has no user) writes the same text as a request would.

The catalogue is ``superset_review/translations`` (``make translations`` extracts and compiles it).

A kept Text is read back only when it is one the code could have written: its msgid is a message of the catalogue
(``messages.pot``), its placeholders are plain ``%(name)s``/``%(name)d`` with a value for each, its values are
scalars of bounded size or kept Texts themselves, nested no deeper than the code nests them. Anything else found
under ``I18N_KEY`` (a record written by hand into the database, a value a user managed to store) is ignored and the
record's plain value stays: a forged Text can neither fail a read nor allocate what its width asks for. A kept Text is
also only the translation of a field whose plain value is its English (what every writer stores): a valid message
placed beside a field that says something else is ignored too. User values
that carry the shape of a kept Text are refused before they are stored (:func:`carries_kept_text`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from flask_babel import get_locale, gettext

from superset_review.extension.linear_regex import compile_linear

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# The key under which a stored record keeps the Text of its translatable fields; read by localize().
I18N_KEY = "i18n"
# What a kept Text may hold when it is read back. joined() nests one level per message it joins.
MAX_KEPT_DEPTH = 64
MAX_KEPT_PARAMS = 16
MAX_KEPT_VALUE_CHARS = 20_000
# A placeholder the code's messages use, or an escaped percent sign: no width, precision or other conversion.
_PLACEHOLDER = compile_linear(r"%\((\w{1,64})\)[sd]|%%")


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
        """A kept Text; ValueError when ``data`` is not one the code writes (see :meth:`restored`)."""
        text = cls.restored(data)
        if text is None:
            raise ValueError("not a kept Text of this extension's catalogue")
        return text

    @classmethod
    def restored(cls, data: Any, depth: int = 0) -> Text | None:
        """A kept Text, or None when ``data`` is not one the code could have written (never raises)."""
        if not _is_text(data) or depth > MAX_KEPT_DEPTH:
            return None
        msgid, stored = data["msgid"], data["params"]
        if not isinstance(msgid, str) or not isinstance(stored, Mapping) or len(stored) > MAX_KEPT_PARAMS:
            return None
        if msgid not in catalogue_messages() or not _placeholders_fit(msgid, stored):
            return None
        params: dict[str, Any] = {}
        for name, value in stored.items():
            if _is_text(value):
                params[name] = cls.restored(value, depth + 1)
                if params[name] is None:
                    return None
            elif _is_kept_scalar(value):
                params[name] = value
            else:
                return None
        try:
            return cls(msgid, **params)
        except (TypeError, ValueError, KeyError):  # a %d given a string, an int too long to print
            return None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.msgid, self.params))


def _restore(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def _is_text(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"msgid", "params"}


def _is_kept_scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_KEPT_VALUE_CHARS
    return value is None or isinstance(value, (bool, int, float))


def _placeholders_fit(msgid: str, params: Mapping[str, Any]) -> bool:
    """Every ``%`` of the msgid starts a plain placeholder, and each placeholder has a value."""
    names = [match.group(1) for match in _PLACEHOLDER.finditer(msgid) if match.group(1)]
    if _PLACEHOLDER.sub("", msgid).count("%"):
        return False
    return all(name in params for name in names) and all(isinstance(name, str) for name in params)


@functools.cache
def catalogue_messages() -> frozenset[str]:
    """Every message of the code (the extracted ``messages.pot``): the only msgids a kept Text may name."""
    from babel.messages.pofile import read_po

    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        return frozenset(message.id for message in read_po(handle) if isinstance(message.id, str) and message.id)


def carries_kept_text(value: Any, depth: int = 0) -> bool:
    """Whether a user value holds, at any depth, the shape of a kept Text (an ``I18N_KEY`` key, or a mapping of
    exactly msgid and params): such a value is refused before it is stored, so that it never poses as one."""
    if depth > MAX_KEPT_DEPTH:
        return True
    if isinstance(value, Mapping):
        if I18N_KEY in value or _is_text(value):
            return True
        return any(carries_kept_text(item, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(carries_kept_text(item, depth + 1) for item in value)
    return False


def _render(msgid: str, params: Mapping[str, Any], translate: bool) -> str:
    template = gettext(msgid) if translate else msgid
    if not params:
        return template
    values = {
        name: value.translated() if translate and isinstance(value, Text) else value for name, value in params.items()
    }
    if not translate:
        return template % values
    try:
        return template % values
    except (TypeError, ValueError, KeyError):  # a translation that lost a placeholder: the English still reads
        return msgid % values


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
    restored = _matching(_kept(record).get(name), record.get(name))
    return restored if restored is not None else record.get(name)


def restore_texts(record: Mapping[str, Any], name: str) -> list[str]:
    """A stored list of messages as it was set: each item the Text it was when one was kept."""
    values = list(record.get(name) or ())
    texts = _kept(record).get(name)
    kept = [*(texts if isinstance(texts, list) else ()), *([None] * len(values))]
    return [_restored_or(text, value) for value, text in zip(values, kept, strict=False)]


def _kept(record: Mapping[str, Any]) -> Mapping[str, Any]:
    texts = record.get(I18N_KEY)
    return texts if isinstance(texts, Mapping) else {}


def _matching(kept: Any, value: Any) -> Text | None:
    """The kept Text of a field whose plain value is that Text's English, as every writer (keep_texts, texts_of)
    stores them; a kept Text that does not say what its field says is not the field's, and is ignored."""
    text = Text.restored(kept) if kept else None
    return text if text is not None and text == value else None


def _restored_or(kept: Any, value: Any) -> Any:
    text = _matching(kept, value)
    return text if text is not None else value


def _translated_or(kept: Any, value: Any) -> Any:
    text = _matching(kept, value)
    return text.translated() if text is not None else value


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
            # Only fields the record has: a kept Text does not add a field (nor does a forged one).
            if name not in localized:
                continue
            if _is_text(kept):
                localized[name] = _translated_or(kept, localized[name])
            elif isinstance(kept, list) and isinstance(localized[name], list):
                # A list of messages (warnings, changes) keeps a Text or None (a plain string) per item.
                localized[name] = [
                    _translated_or(text, value)
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
