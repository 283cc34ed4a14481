"""AI drafts of column meanings through the LLM gateway, last in the confidence order.

The prompt is built from metadata only (names, types, the dataset's description and SQL): no row value, so the
policy's metadata_only mode allows it; the gateway still masks anything that looks like PII. Drafts never replace a
person's value or a better-ranked one; they are proposed where nothing else is.
"""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields

from superset_review.extension.i18n import Text
from superset_review.llm.errors import LlmError
from superset_review.llm.gateway import CompletionRequest, LlmGateway
from superset_review.semantics import DecisionError, Field, Status, add_ai_drafts, dump_states, load_states, resolve
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, end_read, unit_of_work
from superset_review.sessions.commands.semantics import summary
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewSession
from superset_review.tasks.progress import NO_PROGRESS, Progress

MAX_COLUMNS_PER_CALL = 200


class _Meaning(Schema):
    column = fields.String(required=True)
    verbose_name = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)


class ColumnMeanings(Schema):
    columns = fields.List(fields.Nested(_Meaning), required=True)


def _prompt(session: ReviewSession, columns: list[dict[str, Any]]) -> list[dict[str, str]]:
    profile = session.profile or {}
    listing = "\n".join(f"- {c['column_name']} ({c.get('type') or 'unknown type'})" for c in columns)
    sql = f"\nIts SQL:\n{profile['sql']}\n" if profile.get("sql") else ""
    return [
        {
            "role": "system",
            "content": "You document analytics datasets. For each column give a short human verbose_name and a "
            "one-sentence description of what it holds. Say only what the names and types support.",
        },
        {
            "role": "user",
            "content": f"Dataset {profile.get('table_name')} in database {profile.get('database')}. "
            f"{profile.get('description') or ''}{sql}\nColumns:\n{listing}",
        },
    ]


class DraftMeaningsCommand(OwnedSessionCommand):
    """No version check: it runs in the worker, later than the request, on whatever the session is by then.

    The LLM call (the slow part) runs with no transaction of the review open; the drafts are then added to the
    review's states as they are by then, so decisions made meanwhile stay and neither side meets a 409."""

    def __init__(self, session_id: int, is_admin: bool, progress: Progress = NO_PROGRESS) -> None:
        super().__init__(session_id, is_admin)
        self._progress = progress

    def run(self) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        columns = [c["column_name"] for c in session.profile.get("columns", [])]
        states = load_states(session.semantics or []) or resolve(columns, [])
        wanted = [
            column
            for column in session.profile.get("columns", [])
            if any(
                states[(column["column_name"], f)].status in (Status.EMPTY, Status.REJECTED)
                for f in (Field.VERBOSE_NAME, Field.DESCRIPTION)
            )
        ][:MAX_COLUMNS_PER_CALL]
        if not wanted:
            raise ReviewSessionError(
                Text("every column already has a meaning on offer: nothing to draft"), "NOTHING_TO_DRAFT"
            )
        request = CompletionRequest(
            feature="semantics.ai_draft",
            stage="semantics",
            lane="semantics",
            messages=_prompt(session, wanted),
            schema=ColumnMeanings(),
            artifact_hashes=[f"dataset:{session.dataset_id}:{session.profile.get('changed_on')}"],
        )
        end_read()
        self._progress.step(0, 1)
        try:
            result = LlmGateway.from_app().complete(request)
        except LlmError as error:
            raise ReviewSessionError(error.message, code=error.code.value) from error
        self._progress.step(1, 1)
        return self._save(result, set(columns))

    @unit_of_work
    def _save(self, result: Any, known: set[str]) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        drafts: dict[tuple[str, Field], str] = {}
        for item in result.data["columns"]:
            if item["column"] in known:
                for field in (Field.VERBOSE_NAME, Field.DESCRIPTION):
                    if item.get(field.value):
                        drafts[(item["column"], field)] = item[field.value]
        columns = [c["column_name"] for c in session.profile.get("columns", [])]
        states = load_states(session.semantics or []) or resolve(columns, [])
        before = summary(session)
        try:
            states = add_ai_drafts(states, drafts, model=result.model, version=str(result.ledger_id))
        except DecisionError as ex:
            raise ReviewSessionError(ex.message, code="BAD_AI_DRAFT") from ex
        session.semantics = dump_states(states)
        ReviewSessionDAO.add_event(
            session, g.user, "semantics.ai_drafted", before=before,
            after={**summary(session), "model": result.model, "ledger_id": result.ledger_id, "drafts": len(drafts)},
        )  # fmt: skip
        return session
