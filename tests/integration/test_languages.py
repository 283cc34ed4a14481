"""The server speaks the reader's language (Superset's locale, kept in the session by Flask-AppBuilder): the same
review reads in English to one request and in Russian to the next, from the cache too; errors, the list, runs and
the Markdown export follow; nothing stored changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.users import ADMIN, login

SESSIONS = "/api/v1/dataset_review/sessions/"


@pytest.fixture()
def reader(client: Any) -> Iterator[Any]:
    login(client, ADMIN)
    yield client
    set_language(client, "en")


def set_language(client: Any, language: str) -> None:
    # What Superset's language menu does (/lang/<code>), without following its redirect.
    with client.session_transaction() as session:
        session["locale"] = language


def finding(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(item for item in body["findings"] if item["code"] == code)


def test_a_review_reads_in_the_readers_language(reader: Any, examples: dict[str, int]) -> None:
    started = reader.post(SESSIONS, json={"source": str(examples["templated"])})
    assert started.status_code == 201
    session_id = started.json["id"]
    english = reader.get(f"{SESSIONS}{session_id}").json
    assert finding(english, "URL_PARAM_MISSING")["message"].startswith("url_param('deal_size') has no value")
    assert english["next_action"].startswith("Document ")

    set_language(reader, "ru")
    russian = reader.get(f"{SESSIONS}{session_id}").json  # same version: the cache keeps one document per language
    missing = finding(russian, "URL_PARAM_MISSING")
    assert missing["message"].startswith("У url_param('deal_size') нет значения"), missing
    assert "deal_size" in missing["suggested_fix"] and "Add" not in missing["suggested_fix"]
    assert russian["next_action"].startswith("Опишите столбцы")
    assert "i18n" not in russian and all("i18n" not in item for item in russian["findings"])
    listed = next(item for item in reader.get(SESSIONS).json["result"] if item["id"] == session_id)
    assert listed["next_action"] == russian["next_action"]
    export = reader.get(f"{SESSIONS}{session_id}/export?format=md").get_data(as_text=True)
    assert "У столбца 'sales' нет описания." in export and "has no description" not in export

    set_language(reader, "en")
    again = reader.get(f"{SESSIONS}{session_id}").json
    assert finding(again, "URL_PARAM_MISSING")["message"] == finding(english, "URL_PARAM_MISSING")["message"]
    assert again["version"] == english["version"], "reading in another language wrote nothing"


def test_errors_are_said_in_the_readers_language(reader: Any, examples: dict[str, int]) -> None:
    set_language(reader, "ru")
    refused = reader.post(SESSIONS, json={"source": "https://example.com/not/superset"})
    assert refused.status_code in (400, 422)
    message = refused.json["message"]
    assert message and not any(word in message for word in ("link", "Superset link", "paste")), message
    assert any("а" <= letter <= "я" for letter in message.lower()), message

    started = reader.post(SESSIONS, json={"source": str(examples["templated"])}).json
    blocked = reader.post(f"{SESSIONS}{started['id']}/launch", json={"version": started["version"]})
    assert blocked.status_code == 409 and blocked.json["error_code"] == "LAUNCH_BLOCKED"
    assert blocked.json["message"].startswith("Запуск заблокирован: ")
    assert "Нет успешного предпросмотра" in blocked.json["message"]
    gates = {gate["gate"]: gate["message"] for gate in blocked.json["gates"]}
    assert gates["preview"] == "Нет успешного предпросмотра: сначала скомпилируйте SQL."
    runs = reader.get(f"{SESSIONS}{started['id']}/runs").json["result"]
    assert runs[0]["outcome"] == "blocked" and "Нет успешного предпросмотра" in runs[0]["error"]
    set_language(reader, "en")
    runs = reader.get(f"{SESSIONS}{started['id']}/runs").json["result"]
    assert "There is no successful preview: preview the SQL first." in runs[0]["error"], "stored once, read in each"
