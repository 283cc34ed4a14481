"""The semantic layer of a session: import sources, decide per field, write accepted meanings back to Superset.

Every command checks ownership (404 for others) and the caller's version (409 when stale), changes the session in
one transaction with an event carrying before/after, and leaves accepted and locked values alone on re-import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app, g

from superset_review.adapters.datasets import (
    DatasetAccessError,
    DatasetNotFoundError,
    DatasetQueryError,
    get_dataset,
    sample_rows,
    update_column_meanings,
)
from superset_review.extension.i18n import Text, message_of
from superset_review.journal.dao import JournalDAO
from superset_review.journal.models import EntityType
from superset_review.semantics import (
    DecisionError,
    DictionaryEntry,
    DictionaryError,
    Field,
    SemanticSource,
    SourceKind,
    Status,
    apply_batch,
    dump_states,
    load_states,
    parse_dictionary,
    resolve,
)
from superset_review.semantics.resolver import Decision
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, owners_rights, unit_of_work
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewSession, SessionState

DICTIONARY_TABLE_ROWS = 10_000


def _sources(session: ReviewSession) -> list[SemanticSource]:
    return [
        SemanticSource(
            SourceKind(raw["kind"]),
            raw["name"],
            raw["version"],
            {
                column: DictionaryEntry(
                    column, e.get("verbose_name"), e.get("description"), e.get("confidence"), e.get("rationale")
                )
                for column, e in raw["entries"].items()
            },
        )
        for raw in session.semantic_sources or []
    ]


def _dump_source(source: SemanticSource) -> dict[str, Any]:
    return {
        "kind": source.kind.value,
        "name": source.name,
        "version": source.version,
        "entries": {c: _dump_entry(e) for c, e in source.entries.items()},
    }


def _dump_entry(entry: DictionaryEntry) -> dict[str, Any]:
    document: dict[str, Any] = {"verbose_name": entry.verbose_name, "description": entry.description}
    if entry.confidence is not None:
        document["confidence"] = entry.confidence
    if entry.rationale is not None:
        document["rationale"] = entry.rationale
    return document


def summary(session: ReviewSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in session.semantics or []:
        counts[state["status"]] = counts.get(state["status"], 0) + 1
    return counts


class _SemanticsCommand(OwnedSessionCommand):
    def _columns(self) -> list[str]:
        assert self._session is not None
        return [column["column_name"] for column in self._session.profile.get("columns", [])]

    def _resolve_with(self, sources: Sequence[SemanticSource], action: str, detail: dict[str, Any]) -> ReviewSession:
        session = self._session
        assert session is not None
        before = summary(session)
        previous = load_states(session.semantics or [])
        states = resolve(self._columns(), sources, previous)
        session.semantic_sources = [_dump_source(source) for source in sources]
        session.semantics = dump_states(states)
        if any(state.status in (Status.PROPOSED, Status.CONFLICT) for state in states.values()):
            session.state = SessionState.SEMANTIC_SOURCE_REVIEW_NEEDED.value
            session.set_next_action(Text("Review the proposed meanings: accept, reject, override or lock them."))
        ReviewSessionDAO.add_event(session, g.user, action, before=before, after={**summary(session), **detail})
        return session


class ImportDictionaryFileCommand(_SemanticsCommand):
    def __init__(self, session_id: int, is_admin: bool, expected_version: int, filename: str, data: bytes) -> None:
        super().__init__(session_id, is_admin, expected_version)
        self._filename = filename
        self._data = data

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        try:
            dictionary = parse_dictionary(self._data, self._filename)
        except DictionaryError as ex:
            raise ReviewSessionError(ex.message, code=str(ex.code)) from ex
        source = SemanticSource.from_dictionary(dictionary, SourceKind.DICTIONARY_FILE)
        others = [s for s in _sources(self._session) if not (s.kind == source.kind and s.name == source.name)]  # type: ignore[arg-type]
        return self._resolve_with(
            [*others, source],
            "semantics.dictionary_imported",
            {"source": dictionary.name, "version": dictionary.version, "entries": len(dictionary.entries)},
        )


class ImportDatasetSourceCommand(_SemanticsCommand):
    """A reference dataset (its columns' meanings) or a dictionary table (rows of name / description)."""

    def __init__(
        self, session_id: int, is_admin: bool, expected_version: int, dataset_id: int, kind: SourceKind,
        name_column: str | None = None, verbose_column: str | None = None, description_column: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(session_id, is_admin, expected_version)
        self._dataset_id = dataset_id
        self._kind = kind
        self._columns_map = (name_column, verbose_column, description_column)

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        # Read with the owner's rights: what lands in their review is what they may read, whoever imports it.
        with owners_rights(self._session):
            try:
                dataset = get_dataset(self._dataset_id)
            except DatasetNotFoundError as ex:
                raise ReviewSessionError(message_of(ex), code="DATASET_NOT_FOUND") from ex
            except DatasetAccessError as ex:
                raise ReviewSessionError(message_of(ex), code="DATASET_FORBIDDEN") from ex
            if self._kind is SourceKind.REFERENCE_DATASET:
                entries = {
                    column.column_name: DictionaryEntry(column.column_name, column.verbose_name, column.description)
                    for column in dataset.columns
                    if column.verbose_name or column.description
                }
            else:
                entries = self._dictionary_rows(dataset)
        version = str(dataset.changed_on.isoformat() if dataset.changed_on else "0")
        source = SemanticSource(self._kind, f"{dataset.table_name} ({dataset.id})", version, entries)
        others = [s for s in _sources(self._session) if not (s.kind == source.kind and s.name == source.name)]  # type: ignore[arg-type]
        return self._resolve_with(
            [*others, source], "semantics.dataset_source_imported",
            {"source": source.name, "kind": self._kind.value, "entries": len(entries)},
        )  # fmt: skip

    def _dictionary_rows(self, dataset: Any) -> dict[str, DictionaryEntry]:
        name_column, verbose_column, description_column = self._columns_map
        available = {column.column_name for column in dataset.columns}
        if not name_column or name_column not in available or not (verbose_column or description_column):
            raise ReviewSessionError(
                Text(
                    "a dictionary table needs name_column and verbose_column and/or description_column among "
                    "%(columns)s",
                    columns=str(sorted(available)),
                ),
                code="DICTIONARY_TABLE_COLUMNS",
            )
        for wanted in (verbose_column, description_column):
            if wanted and wanted not in available:
                raise ReviewSessionError(
                    Text("column %(column)s is not in %(table)s", column=repr(wanted), table=f"{dataset.table_name}"),
                    "DICTIONARY_TABLE_COLUMNS",
                )
        try:
            frame = sample_rows(dataset, DICTIONARY_TABLE_ROWS)
        except DatasetQueryError as ex:
            raise ReviewSessionError(
                Text("the dictionary table's database did not answer: %(error)s", error=message_of(ex)),
                "SOURCE_UNREACHABLE",
            ) from ex
        # The rows are a sample of a dataset like any other: scanned and masked by the policy before they are kept.
        # Imported here: Polars loads on first use, not in every web worker's start (test_startup holds this).
        from superset_review.profiling.data_profile import mask_pii

        read_columns = [column for column in dict.fromkeys((name_column, verbose_column, description_column)) if column]
        frame, _ = mask_pii(frame.select(read_columns), current_app.config["REVIEW_POLICY"])
        entries: dict[str, DictionaryEntry] = {}
        for row in frame.iter_rows(named=True):
            name = str(row[name_column] or "").strip()
            if name:
                verbose = row.get(verbose_column) if verbose_column else None
                description = row.get(description_column) if description_column else None
                entries[name] = DictionaryEntry(
                    name, str(verbose) if verbose else None, str(description) if description else None
                )
        return entries


class ImportDomainsSourceCommand(_SemanticsCommand):
    """The domains stored for the review's dataset (domaining's proposals and people's decisions) as a source of
    meanings: each column's domain label and description, with the domain's confidence and rationale. Read with the
    owner's rights, like any source of their review."""

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        from superset_review.domains.semantics import domains_source

        with owners_rights(self._session):
            try:
                get_dataset(self._session.dataset_id)
            except DatasetNotFoundError as ex:
                raise ReviewSessionError(message_of(ex), code="DATASET_NOT_FOUND") from ex
            except DatasetAccessError as ex:
                raise ReviewSessionError(message_of(ex), code="DATASET_FORBIDDEN") from ex
            source = domains_source(self._session.dataset_id)
        if not source.entries:
            raise ReviewSessionError(
                Text(
                    "no column of dataset %(dataset)s has a domain yet: classify it first (POST "
                    "/api/v1/dataset_review/domains/datasets/%(dataset)s/classify)",
                    dataset=self._session.dataset_id,
                ),
                "UNPROCESSABLE",
            )
        others = [s for s in _sources(self._session) if s.kind is not SourceKind.DOMAINS]
        return self._resolve_with(
            [*others, source], "semantics.domains_imported", {"source": source.name, "entries": len(source.entries)}
        )


class DecideSemanticsCommand(_SemanticsCommand):
    def __init__(self, session_id: int, is_admin: bool, expected_version: int, decisions: Sequence[Mapping[str, Any]]):
        super().__init__(session_id, is_admin, expected_version)
        self._decisions = decisions

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        by = g.user.username
        try:
            decisions = [Decision.from_dict({**raw, "by": by}) for raw in self._decisions]
            states = apply_batch(load_states(session.semantics or []), decisions)
        except DecisionError as ex:
            message = (
                Text("%(error)s (decision %(number)d); nothing was changed", error=ex.message, number=ex.position + 1)
                if ex.position is not None
                else Text("%(error)s; nothing was changed", error=ex.message)
            )
            raise ReviewSessionError(message, "BAD_DECISION") from ex
        before = summary(session)
        session.semantics = dump_states(states)
        ReviewSessionDAO.add_event(
            session, g.user, "semantics.decided", before=before,
            after={**summary(session), "decisions": [dict(d) for d in self._decisions]},
        )  # fmt: skip
        return session


class ApplySemanticsCommand(_SemanticsCommand):
    """Write accepted meanings to the Superset dataset, through Superset's own update command, as the user."""

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        states = load_states(session.semantics or [])
        accepted = {
            (column, field): state.value
            for (column, field), state in states.items()
            if state.status == Status.ACCEPTED and state.value is not None
        }
        if not accepted:
            raise ReviewSessionError(
                Text("no accepted meaning to apply: accept or override some first"), "NOTHING_TO_APPLY"
            )
        meanings: dict[str, dict[str, str]] = {}
        for (column, field), value in accepted.items():
            meanings.setdefault(column, {})[Field(field).value] = str(value)
        try:
            before, after = update_column_meanings(session.dataset_id, meanings)
        except ReviewSessionError:
            raise
        except Exception as ex:
            message = getattr(ex, "message", None) or str(ex)
            refused = "Forbidden" in type(ex).__name__ or "owner" in str(message).lower()
            raise ReviewSessionError(
                Text("Superset refused the update: %(error)s", error=f"{message}"),
                "WRITE_BACK_REFUSED" if refused else "WRITE_BACK_INVALID",
            ) from ex
        for column, values in after.items():
            was = before.get(column, {})
            JournalDAO.record(
                EntityType.DATASET_COLUMN,
                f"{session.dataset_id}:{column}",
                {key: (was.get(key), value) for key, value in values.items()},
            )
        # New objects, not the stored ones changed in place: a JSON column whose value compares equal to what was
        # loaded emits no UPDATE (and the review would lose what Superset now has).
        columns = [{**column, **after.get(column["column_name"], {})} for column in session.profile.get("columns", [])]
        session.profile = {**session.profile, "columns": columns}
        ReviewSessionDAO.add_event(session, g.user, "semantics.applied", before=before, after=after)
        return session
