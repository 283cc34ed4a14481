"""The clarification dialog of a session: start (or refresh) the topics, answer the current question, skip it,
mark it for an expert, pause, resume, finish. An answer and its effect are saved in one transaction with the
pointer to the next question."""

from __future__ import annotations

from typing import Any

from flask import g

from superset_review.clarification.engine import (
    Answer,
    Clarification,
    ClarificationError,
    ClarificationStatus,
    Topic,
    TopicKind,
    collect_topics,
)
from superset_review.clarification.phrasing import phrase
from superset_review.execution.mappings import MappingKind, MappingValueError, override_value
from superset_review.extension.i18n import Text, message_of
from superset_review.semantics import DecisionError, Field, dump_states, load_states, override, resolve
from superset_review.sessions.commands.execution import session_mappings, store_mappings
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, end_read, unit_of_work
from superset_review.sessions.commands.profile import refresh_readiness
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewSession


def session_topics(session: ReviewSession) -> list[Topic]:
    columns = [column["column_name"] for column in (session.profile or {}).get("columns", [])]
    semantics = session.semantics or dump_states(resolve(columns, []))
    statistics = ((session.profile or {}).get("data") or {}).get("statistics")
    mappings = (session.execution or {}).get("mappings") or []
    return collect_topics(mappings, semantics, session.context or {}, statistics)


class _ClarificationCommand(OwnedSessionCommand):
    action = "clarification"

    def _load(self) -> Clarification:
        assert self._session is not None
        clarification = Clarification.from_dict(self._session.clarification)
        if clarification is None:
            raise ReviewSessionError(
                Text("Clarification has not started: start it first."), "CLARIFICATION_NOT_STARTED"
            )
        return clarification

    def _save(self, clarification: Clarification, after: dict[str, Any] | None = None) -> ReviewSession:
        assert self._session is not None
        self._session.clarification = clarification.to_dict()
        refresh_readiness(self._session)
        ReviewSessionDAO.add_event(self._session, g.user, self.action, after=after)
        return self._session


def _flow(error: ClarificationError) -> ReviewSessionError:
    return ReviewSessionError(error.message, code=error.code)


class StartClarificationCommand(_ClarificationCommand):
    """Start, or resume and refresh: topics settled elsewhere leave, new ones join, answers stay."""

    action = "clarification.started"

    def run(self) -> ReviewSession:
        """New topics are worded (an LLM call, when one is configured) with no transaction of the review open; the
        dialog is then saved on the review read again, at the caller's version (409 if it moved meanwhile)."""
        self.validate()
        assert self._session is not None
        known = (Clarification.from_dict(self._session.clarification) or Clarification()).topics
        new = [topic for topic in session_topics(self._session) if topic.key not in known]
        worded: list[Topic] = []
        phrased_by: str | None = None
        if new:
            end_read()
            worded, phrased_by = phrase(new)
        return self._start({topic.key: topic for topic in worded}, phrased_by)

    @unit_of_work
    def _start(self, worded: dict[str, Topic], phrased_by: str | None) -> ReviewSession:
        self.validate()
        assert self._session is not None
        clarification = Clarification.from_dict(self._session.clarification) or Clarification()
        # Resuming a paused dialog or reopening a finished one keeps every answer and the current question.
        clarification.status = ClarificationStatus.ACTIVE
        fresh = session_topics(self._session)
        new = [topic for topic in fresh if topic.key not in clarification.topics]
        if new:
            fresh = [topic for topic in fresh if topic.key in clarification.topics]
            fresh += [worded.get(topic.key, topic) for topic in new]
            if phrased_by is not None:
                clarification.phrased_by = phrased_by
        clarification.merge_topics(fresh)
        return self._save(clarification, {"open": clarification.open_count(), "current": clarification.current})


class AnswerQuestionCommand(_ClarificationCommand):
    action = "clarification.answered"

    def __init__(self, session_id: int, is_admin: bool, version: int, topic: str, option: int | None, value: Any,
                 can_approve: bool) -> None:  # fmt: skip
        super().__init__(session_id, is_admin, None)
        self._version, self._topic, self._option, self._value = version, topic, option, value
        self._can_approve = can_approve
        self.duplicate = False

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()  # ownership only: a duplicate submission carries the version it was made on
        assert self._session is not None
        clarification = self._load()
        topic = clarification.topics.get(self._topic)
        value = self._value
        if topic is not None and self._option is not None:
            if not 0 <= self._option < len(topic.options):
                raise ReviewSessionError(
                    Text("Option %(option)s does not exist for '%(topic)s' (it has %(count)d).",
                         option=self._option, topic=self._topic, count=len(topic.options)), "BAD_OPTION",
                )  # fmt: skip
            value = topic.options[self._option].value
        answer = Answer(self._topic, value, self._option, g.user.username)
        try:
            if clarification.check_answer(answer):
                self.duplicate = True
                return self._session
        except ClarificationError as error:
            raise _flow(error) from error
        if self._session.version != self._version:
            from superset_review.sessions.exceptions import ReviewSessionConflictError

            raise ReviewSessionConflictError(self._version, self._session.version)
        assert topic is not None
        change = self._apply(topic, value)
        clarification.record_answer(answer, change)
        return self._save(clarification, {"topic": topic.key, "value": value, "change": change,
                                          "next": clarification.current})  # fmt: skip

    def _apply(self, topic: Topic, value: Any) -> str:
        """The answer's effect on the session; the message of a refused value names the question."""
        assert self._session is not None
        try:
            if topic.kind in (TopicKind.VARIABLE, TopicKind.FILTER):
                return self._set_mapping(topic, value)
            return self._set_meaning(topic, value)
        except (MappingValueError, DecisionError) as ex:
            raise ReviewSessionError(
                Text("'%(topic)s': %(error)s", topic=topic.key, error=message_of(ex)), code="BAD_ANSWER"
            ) from ex

    def _set_mapping(self, topic: Topic, value: Any) -> str:
        assert self._session is not None
        mappings = session_mappings(self._session)
        column = topic.target
        if topic.kind is TopicKind.FILTER:
            filters = (self._session.context or {}).get("filters") or []
            column = next((f.get("column") for f in filters if f"filter:{f.get('filter_id')}" == topic.key), column)
        for index, mapping in enumerate(mappings):
            if mapping.variable in (column, topic.target):
                if mapping.kind is MappingKind.FILTER_VALUES:  # a filter's answer is one value, none, or a list
                    value = [] if value is None else value if isinstance(value, list) else [value]
                mappings[index] = override_value(
                    mapping, value, g.user.username, "clarification answer", self._can_approve
                )
                store_mappings(self._session, mappings)
                return f"{mapping.kind.value} '{mapping.variable}' = {mappings[index].value!r}"
        return Text(
            "Filter '%(filter)s': %(value)s (noted; the dataset's SQL does not read this filter)",
            filter=topic.target,
            value=repr(value),
        )

    def _set_meaning(self, topic: Topic, value: Any) -> str:
        assert self._session is not None
        columns = [column["column_name"] for column in (self._session.profile or {}).get("columns", [])]
        states = load_states(self._session.semantics or []) or resolve(columns, [])
        field = Field.DESCRIPTION if topic.kind is TopicKind.MEANING else Field(topic.key.rsplit(":", 1)[1])
        key = (topic.target, field)
        states[key] = override(states[key], str(value or ""), g.user.username)
        self._session.semantics = dump_states(states)
        if field is Field.DESCRIPTION:
            return Text("description of '%(column)s' = %(value)s (locked)", column=topic.target, value=repr(value))
        return Text("verbose name of '%(column)s' = %(value)s (locked)", column=topic.target, value=repr(value))


class SkipQuestionCommand(_ClarificationCommand):
    action = "clarification.skipped"

    def __init__(self, session_id: int, is_admin: bool, version: int, topic: str, expert: bool = False) -> None:
        super().__init__(session_id, is_admin, version)
        self._topic, self._expert = topic, expert
        if expert:
            self.action = "clarification.deferred"

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        clarification = self._load()
        try:
            clarification.defer(self._topic) if self._expert else clarification.skip(self._topic)
        except ClarificationError as error:
            raise _flow(error) from error
        return self._save(clarification, {"topic": self._topic, "next": clarification.current})


class PauseClarificationCommand(_ClarificationCommand):
    action = "clarification.paused"

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        clarification = self._load()
        try:
            clarification.pause()
        except ClarificationError as error:
            raise _flow(error) from error
        return self._save(clarification, {"current": clarification.current})


class FinishClarificationCommand(_ClarificationCommand):
    action = "clarification.finished"

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        clarification = self._load()
        summary = clarification.finish()
        return self._save(clarification, summary)
