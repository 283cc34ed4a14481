"""Topics, the order they are asked in, and the state of a clarification (answers, skips, expert deferrals, pause).

A topic is something the review could not settle: a template variable nothing supplies, conflicting meanings of a
column, a dashboard filter with no value, a column with no trustworthy meaning. Its key is stable across
recomputations, so answers, skips and the current-question pointer survive a reload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from superset_review.extension.i18n import Text, keep_texts, restore_text, restore_texts


class TopicKind(StrEnum):
    VARIABLE = "variable"
    CONFLICT = "conflict"
    FILTER = "filter"
    MEANING = "meaning"


PRIORITY = {TopicKind.VARIABLE: 100, TopicKind.CONFLICT: 80, TopicKind.FILTER: 60, TopicKind.MEANING: 40}


class TopicState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SKIPPED = "skipped"  # stays visible as unresolved
    DEFERRED = "deferred"  # marked for expert review; never counted as resolved


class ClarificationStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"


@dataclass(frozen=True)
class Option:
    label: str
    value: Any


@dataclass(frozen=True)
class Topic:
    key: str
    kind: TopicKind
    target: str
    question: str
    why: str
    best_guess: Any
    options: tuple[Option, ...]
    effect: str
    free_text: bool = True
    state: TopicState = TopicState.OPEN
    priority: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The stored form; the Texts of question, why, effect and option labels are kept under ``I18N_KEY``."""
        data = asdict(self)
        options = [keep_texts(asdict(o), label=o.label) for o in self.options]
        data.update(kind=self.kind.value, state=self.state.value, options=options)
        keep_texts(data, question=self.question, why=self.why, effect=self.effect)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Topic:
        return cls(
            key=str(data["key"]), kind=TopicKind(data["kind"]), target=str(data["target"]),
            question=_kept(data, "question"), why=_kept(data, "why"), best_guess=data.get("best_guess"),
            options=tuple(Option(_kept(o, "label"), o.get("value")) for o in data.get("options") or ()),
            effect=_kept(data, "effect"), free_text=bool(data.get("free_text", True)),
            state=TopicState(data.get("state") or "open"), priority=int(data.get("priority") or 0),
        )  # fmt: skip


def _kept(record: Mapping[str, Any], name: str) -> str:
    """A stored field as it was set: its Text when one was kept, the plain string (a model's wording) otherwise."""
    value = restore_text(record, name)
    return value if isinstance(value, Text) else str(value or "")


@dataclass(frozen=True)
class Answer:
    topic: str
    value: Any
    option: int | None
    by: str

    def same_as(self, other: Answer) -> bool:
        return self.topic == other.topic and self.value == other.value


class ClarificationError(ValueError):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Clarification:
    status: ClarificationStatus = ClarificationStatus.ACTIVE
    topics: dict[str, Topic] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    current: str | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    phrased_by: str = "templates"  # the model that worded the questions, or the templates

    # ----------------------------------------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "status": self.status.value,
            "topics": [self.topics[key].to_dict() for key in self.order],
            "current": self.current,
            "answers": {key: asdict(answer) for key, answer in self.answers.items()},
            "changes": list(self.changes),
            "phrased_by": self.phrased_by,
        }
        keep_texts(document, changes=list(self.changes))
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Clarification | None:
        if not data:
            return None
        topics = [Topic.from_dict(item) for item in data.get("topics") or ()]
        return cls(
            status=ClarificationStatus(data.get("status") or "active"),
            topics={topic.key: topic for topic in topics},
            order=[topic.key for topic in topics],
            current=data.get("current"),
            answers={key: Answer(**value) for key, value in (data.get("answers") or {}).items()},
            changes=restore_texts(data, "changes"),
            phrased_by=str(data.get("phrased_by") or "templates"),
        )

    # ------------------------------------------------------------------------------------------- the flow
    def merge_topics(self, fresh: Iterable[Topic]) -> None:
        """Topics recomputed from the session: new ones join, settled ones elsewhere leave, answered ones stay."""
        incoming = {topic.key: topic for topic in fresh}
        kept = {key: topic for key, topic in self.topics.items() if topic.state is not TopicState.OPEN}
        for key, topic in incoming.items():
            kept.setdefault(key, topic)
        ranked = sorted(kept.values(), key=lambda t: (-t.priority, self._position(t.key), t.key))
        self.topics = {topic.key: topic for topic in ranked}
        self.order = [topic.key for topic in ranked]
        if self.current not in self.topics or self.topics[self.current].state is not TopicState.OPEN:
            self.current = self.next_open()

    def _position(self, key: str) -> int:
        return self.order.index(key) if key in self.order else len(self.order)

    def next_open(self) -> str | None:
        """The highest-priority open topic (topics are kept in that order)."""
        return next((key for key in self.order if self.topics[key].state is TopicState.OPEN), None)

    def open_count(self) -> int:
        return sum(1 for topic in self.topics.values() if topic.state is TopicState.OPEN)

    def _require_active(self) -> None:
        if self.status is ClarificationStatus.PAUSED:
            raise ClarificationError("CLARIFICATION_PAUSED", Text("Clarification is paused: resume it first."), 409)
        if self.status is ClarificationStatus.DONE:
            raise ClarificationError(
                "CLARIFICATION_DONE", Text("Clarification is finished: start it again to reopen."), 409
            )

    def _require_current(self, key: str) -> Topic:
        if key not in self.topics:
            raise ClarificationError(
                "UNKNOWN_TOPIC", Text("There is no question '%(key)s' in this session.", key=key), 404
            )
        if key != self.current:
            raise ClarificationError(
                "NOT_CURRENT_QUESTION",
                Text(
                    "'%(key)s' is not the current question (the current one is '%(current)s'): reload and answer that.",
                    key=key,
                    current=self.current,
                ),
                409,
            )
        return self.topics[key]

    def check_answer(self, answer: Answer) -> bool:
        """True when this exact answer was already given (a duplicate submission: nothing to do)."""
        earlier = self.answers.get(answer.topic)
        if earlier is not None:
            if earlier.same_as(answer):
                return True
            raise ClarificationError(
                "ANSWER_CONFLICT",
                Text(
                    "'%(topic)s' was already answered with %(value)s by %(by)s; a different answer is refused. "
                    "Change the value where it now lives (mappings or semantics).",
                    topic=answer.topic,
                    value=repr(earlier.value),
                    by=earlier.by,
                ),
                409,
            )
        self._require_active()
        self._require_current(answer.topic)
        return False

    def record_answer(self, answer: Answer, change: str) -> None:
        self.answers[answer.topic] = answer
        self._settle(answer.topic, TopicState.ANSWERED)
        self.changes.append(change)

    def skip(self, key: str) -> None:
        self._require_active()
        self._require_current(key)
        self._settle(key, TopicState.SKIPPED)

    def defer(self, key: str) -> None:
        self._require_active()
        self._require_current(key)
        self._settle(key, TopicState.DEFERRED)
        self.changes.append(Text("Marked for expert review: %(question)s", question=self.topics[key].question))

    def pause(self) -> None:
        self._require_active()
        self.status = ClarificationStatus.PAUSED

    def finish(self) -> dict[str, Any]:
        self.status = ClarificationStatus.DONE
        return self.summary()

    def summary(self) -> dict[str, Any]:
        counts = {state.value: 0 for state in TopicState}
        for topic in self.topics.values():
            counts[topic.state.value] += 1
        return {"changes": list(self.changes), "counts": counts, "unresolved": counts["open"] + counts["skipped"]
                + counts["deferred"]}  # fmt: skip

    def _settle(self, key: str, state: TopicState) -> None:
        self.topics[key] = replace(self.topics[key], state=state)
        self.current = self.next_open()


# ------------------------------------------------------------------------------------------------- topics


def collect_topics(
    mappings: Sequence[Mapping[str, Any]],
    semantics: Sequence[Mapping[str, Any]],
    context: Mapping[str, Any],
    statistics: Mapping[str, Any] | None,
) -> list[Topic]:
    """Every topic of a session, from its documents (mappings, semantic field states, recovered context, data
    statistics when the policy allowed them)."""
    columns_stats = (statistics or {}).get("columns") or {}
    topics: list[Topic] = []
    for mapping in mappings:
        if mapping.get("value") is None and mapping.get("provenance") == "none":
            topics.append(_variable_topic(mapping, columns_stats))
    for state in semantics:
        if state.get("status") == "conflict":
            topics.append(_conflict_topic(state))
    dataset_id = context.get("dataset_id")
    for item in context.get("filters") or []:
        if item.get("status") == "unresolved" and item.get("dataset_id") in (dataset_id, None):
            topics.append(_filter_topic(item, columns_stats))
    for state in semantics:
        if state.get("field") == "description" and state.get("status") in ("empty", "rejected"):
            topics.append(_meaning_topic(state))
    return topics


def _top_options(column: str | None, stats: Mapping[str, Any], limit: int = 5) -> tuple[Option, ...]:
    figures = stats.get(column or "") or {}
    return tuple(Option(str(item["value"]), item["value"]) for item in (figures.get("top_values") or [])[:limit])


def _variable_topic(mapping: Mapping[str, Any], stats: Mapping[str, Any]) -> Topic:
    name, kind = str(mapping["variable"]), str(mapping["kind"])
    return Topic(
        key=f"variable:{kind}:{name}", kind=TopicKind.VARIABLE, target=name,
        question=Text("What value should %(kind)s '%(name)s' take when this dataset runs?", kind=kind, name=name),
        why=Text("The SQL uses '%(name)s' (line %(line)s) and neither the link, the filters nor the dataset's "
                 "parameters supply it: the compiled SQL would be wrong or fail.", name=name, line=mapping.get("line")),
        best_guess=None, options=_top_options(name, stats),
        effect=Text("Sets the mapping of '%(name)s' (a manual value, approved by someone with can_approve).",
                    name=name),
        priority=PRIORITY[TopicKind.VARIABLE],
    )  # fmt: skip


def _conflict_topic(state: Mapping[str, Any]) -> Topic:
    column, field_name = str(state["column"]), str(state["field"])
    candidates = state.get("candidates") or []
    options = tuple(Option(f"{c['value']} ({c['source_name']}, {c['match_kind']})", c["value"]) for c in candidates)
    return Topic(
        key=f"conflict:{column}:{field_name}", kind=TopicKind.CONFLICT, target=column,
        question=_conflict_question(field_name, column),
        why=Text("%(count)d sources of equal rank disagree; the dataset shows one meaning to every user.",
                 count=len(candidates)),
        best_guess=candidates[0]["value"] if candidates else None, options=options,
        effect=_conflict_effect(field_name, column),
        priority=PRIORITY[TopicKind.CONFLICT],
    )  # fmt: skip


def _conflict_question(field_name: str, column: str) -> Text:
    if field_name == "verbose_name":
        return Text("Which verbose name is right for column '%(column)s'?", column=column)
    if field_name == "description":
        return Text("Which description is right for column '%(column)s'?", column=column)
    return Text("Which %(field)s is right for column '%(column)s'?", field=field_name.replace("_", " "), column=column)


def _conflict_effect(field_name: str, column: str) -> Text:
    if field_name == "verbose_name":
        return Text("Chooses the verbose name of '%(column)s' and locks it as decided by you.", column=column)
    if field_name == "description":
        return Text("Chooses the description of '%(column)s' and locks it as decided by you.", column=column)
    return Text(
        "Chooses the %(field)s of '%(column)s' and locks it as decided by you.",
        field=field_name.replace("_", " "),
        column=column,
    )


def _filter_topic(item: Mapping[str, Any], stats: Mapping[str, Any]) -> Topic:
    name, column = str(item.get("name")), item.get("column")
    options = (Option(Text("No filter (all values)"), None), *_top_options(column, stats))
    return Topic(
        key=f"filter:{item.get('filter_id')}", kind=TopicKind.FILTER, target=name,
        question=Text("Which value of dashboard filter '%(name)s' (column %(column)s) should the run use?",
                      name=name, column=column),
        why=Text("The link carries no value for this filter and it has no default: the run would see every row."),
        best_guess=None, options=options,
        effect=Text("Sets the filter values used for column %(column)s.", column=column),
        priority=PRIORITY[TopicKind.FILTER],
    )  # fmt: skip


def _meaning_topic(state: Mapping[str, Any]) -> Topic:
    column = str(state["column"])
    return Topic(
        key=f"meaning:{column}", kind=TopicKind.MEANING, target=column,
        question=Text("What does column '%(column)s' hold?", column=column),
        why=Text("No dictionary, reference dataset or fuzzy match gives it a meaning; analysts will guess."),
        best_guess=None, options=(),
        effect=Text("Sets the description of '%(column)s' as yours (locked against imports and AI drafts).",
                    column=column),
        priority=PRIORITY[TopicKind.MEANING],
    )  # fmt: skip
