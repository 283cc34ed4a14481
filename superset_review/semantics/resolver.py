"""Choose each column's verbose name and description from trusted sources, with provenance and manual locks.

Everything here is pure: frozen values in, new frozen values out. ``resolve`` turns a dataset's columns and the
sources a review session knows (uploaded dictionary files, dictionary tables, reference datasets) into one
``FieldState`` per column and field; ``add_ai_drafts`` adds the lowest-ranked candidates; ``accept``, ``reject``,
``override``, ``lock``, ``unlock`` and ``apply_batch`` are a person's decisions.

Ranking, best first: the source kind (``SourceKind`` order: manual, dictionary file, dictionary table, reference
dataset, fuzzy, column domains, AI draft), then the match kind (manual, exact, normalized, fuzzy, AI), then the
confidence. The candidates that share the best rank either agree (the first is chosen) or are a conflict (nothing is
chosen until a person decides).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from superset_review.extension.i18n import Text
from superset_review.extension.linear_regex import compile_linear
from superset_review.semantics.dictionary import Dictionary, DictionaryEntry

DEFAULT_FUZZY_THRESHOLD = 88.0
EXACT_CONFIDENCE = 1.0
NORMALIZED_CONFIDENCE = 0.95
MANUAL_CONFIDENCE = 1.0
AI_CONFIDENCE = 0.5


class Field(StrEnum):
    VERBOSE_NAME = "verbose_name"
    DESCRIPTION = "description"


class SourceKind(StrEnum):
    """Where a candidate comes from, in rank order (the first wins)."""

    MANUAL = "manual"
    DICTIONARY_FILE = "dictionary_file"
    DICTIONARY_TABLE = "dictionary_table"
    REFERENCE_DATASET = "reference_dataset"
    FUZZY = "fuzzy"
    # The domain domaining assigned to the column (its label and description): generic, so below every dictionary.
    DOMAINS = "domains"
    AI_DRAFT = "ai_draft"

    @property
    def rank(self) -> int:
        return _SOURCE_RANK[self]


class MatchKind(StrEnum):
    """How the candidate's name (``Candidate.matched_name``) matched the column."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"
    AI = "ai"
    MANUAL = "manual"

    @property
    def rank(self) -> int:
        return _MATCH_RANK[self]


class Status(StrEnum):
    EMPTY = "empty"  # no candidate
    PROPOSED = "proposed"  # chosen by rank, not yet confirmed by a person
    ACCEPTED = "accepted"  # a person accepted, overrode or locked the chosen value
    CONFLICT = "conflict"  # best-ranked candidates disagree: nothing chosen until a person decides
    REJECTED = "rejected"  # a person rejected every candidate


_SOURCE_RANK = {kind: rank for rank, kind in enumerate(SourceKind)}
_MATCH_RANK = {
    MatchKind.MANUAL: 0,
    MatchKind.EXACT: 1,
    MatchKind.NORMALIZED: 2,
    MatchKind.FUZZY: 3,
    MatchKind.AI: 4,
}
# The kinds a caller gives to ``resolve`` as sources; manual values and AI drafts come through their own functions.
SOURCE_KINDS = (
    SourceKind.DICTIONARY_FILE,
    SourceKind.DICTIONARY_TABLE,
    SourceKind.REFERENCE_DATASET,
    SourceKind.DOMAINS,
)


class DecisionError(ValueError):
    """A decision that cannot be applied; in a batch, ``position`` is the 0-based index of the offending one."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def normalize_name(name: str) -> str:
    """Lowercase words: ``OrderDate``, ``order_date``, ``order-date`` and ``Order Date`` are all ``order date``.

    camelCase and PascalCase are split (``HTTPStatus`` -> ``http status``), as are letters from digits
    (``address2`` and ``address_2`` -> ``address 2``).
    """
    spaced = _ACRONYM.sub(r"\1 \2", name)
    spaced = _CAMEL.sub(r"\1 \2", spaced)
    spaced = _DIGIT_LETTER.sub(r"\1 \2", spaced)
    spaced = _LETTER_DIGIT.sub(r"\1 \2", spaced)
    return " ".join(_SEPARATORS.split(spaced.lower())).strip()


# RE2 has no look-around: each pattern consumes the two characters a space goes between. No two such places
# share a character within one pattern, and the spaces put in create no new ones, so nothing is missed.
_ACRONYM = compile_linear(r"([A-Z])([A-Z][a-z])")
_CAMEL = compile_linear(r"([a-z0-9])([A-Z])")
_DIGIT_LETTER = compile_linear(r"(\d)([^\W\d_])")
_LETTER_DIGIT = compile_linear(r"([^\W\d_])(\d)")
_SEPARATORS = compile_linear(r"[\s_\-]+")


def _same_text(value: str) -> str:
    return " ".join(value.split())


# --- values ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One proposed value for one field, with where it came from and how sure the match is (0 to 1)."""

    field: Field
    value: str
    source: SourceKind
    source_name: str
    source_version: str
    match_kind: MatchKind
    confidence: float
    matched_name: str
    rationale: str | None = None  # why the source offers it (a domain's evidence), when the source says

    @property
    def rank_key(self) -> tuple[int, int, float]:
        """Smaller is better."""
        return (self.source.rank, self.match_kind.rank, -self.confidence)

    def same_offer(self, other: Candidate) -> bool:
        """The same value from the same source (whatever the source's version): what a rejection is about."""
        return (self.source, self.source_name, _same_text(self.value)) == (
            other.source,
            other.source_name,
            _same_text(other.value),
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "field": self.field.value,
            "value": self.value,
            "source": self.source.value,
            "source_name": self.source_name,
            "source_version": self.source_version,
            "match_kind": self.match_kind.value,
            "confidence": self.confidence,
            "matched_name": self.matched_name,
        }
        if self.rationale is not None:
            document["rationale"] = self.rationale
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        confidence = data["confidence"]
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise ValueError(f"candidate confidence must be a number, got {confidence!r}")
        return cls(
            field=Field(data["field"]),
            value=_string(data, "value"),
            source=SourceKind(data["source"]),
            source_name=_string(data, "source_name"),
            source_version=_string(data, "source_version"),
            match_kind=MatchKind(data["match_kind"]),
            confidence=float(confidence),
            matched_name=_string(data, "matched_name"),
            rationale=_optional_string(data, "rationale"),
        )


@dataclass(frozen=True)
class Rejection:
    """A person's rejection of a value from a source; it holds across the source's versions."""

    source: SourceKind
    source_name: str
    value: str
    by: str

    def matches(self, candidate: Candidate) -> bool:
        return (self.source, self.source_name, _same_text(self.value)) == (
            candidate.source,
            candidate.source_name,
            _same_text(candidate.value),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source.value, "source_name": self.source_name, "value": self.value, "by": self.by}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rejection:
        return cls(
            SourceKind(data["source"]), _string(data, "source_name"), _string(data, "value"), _string(data, "by")
        )


@dataclass(frozen=True)
class FieldState:
    """The verbose name or the description of one column: every candidate (best first), the chosen one, the lock.

    ``chosen`` is normally one of ``candidates``; a locked or accepted value whose source has since changed or gone
    stays chosen although no source offers it any more. ``decided_by`` is the last person who decided on the field.
    """

    column: str
    field: Field
    candidates: tuple[Candidate, ...] = ()
    chosen: Candidate | None = None
    locked: bool = False
    locked_by: str | None = None
    status: Status = Status.EMPTY
    rejected: tuple[Rejection, ...] = ()
    decided_by: str | None = None

    @property
    def key(self) -> tuple[str, Field]:
        return (self.column, self.field)

    @property
    def value(self) -> str | None:
        return self.chosen.value if self.chosen is not None else None

    def is_rejected(self, candidate: Candidate) -> bool:
        return any(rejection.matches(candidate) for rejection in self.rejected)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: strings, numbers, booleans, None, lists and dicts only."""
        return {
            "column": self.column,
            "field": self.field.value,
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "chosen": self.chosen.to_dict() if self.chosen is not None else None,
            "locked": self.locked,
            "locked_by": self.locked_by,
            "status": self.status.value,
            "rejected": [rejection.to_dict() for rejection in self.rejected],
            "decided_by": self.decided_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldState:
        """The inverse of ``to_dict``; raises ``ValueError`` (or ``KeyError``) on a malformed document."""
        chosen = data.get("chosen")
        locked = data.get("locked", False)
        if not isinstance(locked, bool):
            raise ValueError(f"locked must be a boolean, got {locked!r}")
        state = cls(
            column=_string(data, "column"),
            field=Field(data["field"]),
            candidates=tuple(Candidate.from_dict(item) for item in data.get("candidates", ())),
            chosen=Candidate.from_dict(chosen) if chosen is not None else None,
            locked=locked,
            locked_by=_optional_string(data, "locked_by"),
            status=Status(data.get("status", Status.EMPTY)),
            rejected=tuple(Rejection.from_dict(item) for item in data.get("rejected", ())),
            decided_by=_optional_string(data, "decided_by"),
        )
        if state.locked and state.chosen is None:
            raise ValueError(f"{state.column}.{state.field} is locked without a chosen value")
        return state


def dump_states(states: Mapping[tuple[str, Field], FieldState]) -> list[dict[str, Any]]:
    """Every state as a JSON-safe list (JSON objects cannot have tuple keys), in the mapping's order."""
    return [state.to_dict() for state in states.values()]


def load_states(documents: Iterable[Mapping[str, Any]]) -> dict[tuple[str, Field], FieldState]:
    """The inverse of ``dump_states``."""
    states = (FieldState.from_dict(document) for document in documents)
    return {state.key: state for state in states}


def _string(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        # Said to a person when a decision they sent has it wrong (Decision.from_dict).
        raise ValueError(Text("%(key)s must be a string, got %(value)s", key=key, value=repr(value)))
    return value


def _optional_string(data: Mapping[str, Any], key: str) -> str | None:
    return _string(data, key) if data.get(key) is not None else None


@dataclass(frozen=True)
class SemanticSource:
    """A trusted source of meanings, keyed by column name: an uploaded dictionary file, a dictionary table's rows
    or a reference dataset's columns. ``(kind, name)`` identifies it; ``version`` changes when its content does."""

    kind: SourceKind
    name: str
    version: str
    entries: Mapping[str, DictionaryEntry] = field(hash=False)

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(
                f"a source is a dictionary file, a dictionary table, a reference dataset or the column domains, not "
                f"{self.kind.value}: "
                "give manual values with override() and AI drafts with add_ai_drafts()"
            )

    @classmethod
    def from_dictionary(cls, dictionary: Dictionary, kind: SourceKind = SourceKind.DICTIONARY_FILE) -> SemanticSource:
        return cls(kind, dictionary.name, dictionary.version, dictionary.by_column())


# --- resolution ------------------------------------------------------------------------------------------------


def resolve(
    columns: Sequence[str],
    sources: Sequence[SemanticSource],
    previous: Mapping[tuple[str, Field], FieldState] | None = None,
    *,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
) -> dict[tuple[str, Field], FieldState]:
    """One state per column (in order, repeats dropped) and field, from every source's candidates.

    With ``previous`` (the last result, decisions applied): locked fields keep their value; accepted fields keep
    theirs unless a better-ranked candidate appears or the accepted value's source has a new version; everything
    else is chosen afresh. Manual values and AI drafts are carried over; rejections hold. States of columns not in
    ``columns`` are not returned.
    """
    if not 0 <= fuzzy_threshold <= 100:
        raise ValueError(f"fuzzy_threshold is a rapidfuzz score from 0 to 100, got {fuzzy_threshold}")
    identities = [(source.kind, source.name) for source in sources]
    if len(set(identities)) != len(identities):
        repeated = sorted({f"{kind.value} '{name}'" for kind, name in identities if identities.count((kind, name)) > 1})
        raise ValueError(f"each source must be given once (one version of it); repeated: {', '.join(repeated)}")
    unique = list(dict.fromkeys(columns))
    offered: dict[str, list[Candidate]] = {column: [] for column in unique}
    for source in sources:
        for column, found in _source_candidates(unique, source, fuzzy_threshold).items():
            offered[column].extend(found)
    previous = previous or {}
    states: dict[tuple[str, Field], FieldState] = {}
    for column in unique:
        for kind in Field:
            before = previous.get((column, kind))
            carried = [c for c in before.candidates if c.source in _CARRIED] if before is not None else []
            candidates = _ranked([*(c for c in offered[column] if c.field is kind), *carried])
            states[(column, kind)] = _refresh(column, kind, candidates, before, sources)
    return states


_CARRIED = (SourceKind.MANUAL, SourceKind.AI_DRAFT)


def _ranked(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda candidate: candidate.rank_key))


def _refresh(
    column: str,
    kind: Field,
    candidates: tuple[Candidate, ...],
    before: FieldState | None,
    sources: Sequence[SemanticSource],
) -> FieldState:
    if before is None:
        chosen, status = _choose(candidates, ())
        return FieldState(column, kind, candidates, chosen, status=status)
    if before.locked:
        return replace(before, candidates=candidates)
    accepted = before.chosen if before.status is Status.ACCEPTED else None
    if accepted is not None and not _outdated(accepted, sources):
        active = [c for c in candidates if not before.is_rejected(c)]
        if not any(c.rank_key < accepted.rank_key for c in active):
            return replace(before, candidates=candidates)
    chosen, status = _choose(candidates, before.rejected)
    if accepted is not None and chosen is not None and chosen.same_offer(accepted):
        return replace(
            before, candidates=candidates, chosen=chosen
        )  # a new version with the same value: still accepted
    return replace(before, candidates=candidates, chosen=chosen, status=status, decided_by=None)


def _choose(candidates: Sequence[Candidate], rejected: Sequence[Rejection]) -> tuple[Candidate | None, Status]:
    active = [c for c in candidates if not any(rejection.matches(c) for rejection in rejected)]
    if not active:
        return None, Status.REJECTED if candidates else Status.EMPTY
    best = min(c.rank_key for c in active)
    top = [c for c in active if c.rank_key == best]
    if len({_same_text(c.value) for c in top}) > 1:
        return None, Status.CONFLICT
    return top[0], Status.PROPOSED


def _outdated(candidate: Candidate, sources: Sequence[SemanticSource]) -> bool:
    """Whether the candidate's source is among ``sources`` with another version (a fuzzy candidate's source is
    found by name among the sources, since its kind records the match, not the source)."""
    for source in sources:
        same_kind = candidate.source is source.kind or candidate.source is SourceKind.FUZZY
        if same_kind and source.name == candidate.source_name:
            return source.version != candidate.source_version
    return False


def _source_candidates(columns: Sequence[str], source: SemanticSource, threshold: float) -> dict[str, list[Candidate]]:
    """Per column: the source's exact match, else its normalized matches, else its fuzzy matches (as FUZZY).

    An entry that matches some column exactly or normalized is not offered to other columns fuzzily: it is that
    column's meaning, not a near one.
    """
    by_normalized: dict[str, list[str]] = {}
    for name in source.entries:
        normalized = normalize_name(name)
        if normalized:
            by_normalized.setdefault(normalized, []).append(name)
    matches: dict[str, list[tuple[str, MatchKind, float]]] = {}
    claimed: set[str] = set()
    for column in columns:
        if column in source.entries:
            matches[column] = [(column, MatchKind.EXACT, EXACT_CONFIDENCE)]
        else:
            names = by_normalized.get(normalize_name(column), []) if normalize_name(column) else []
            matches[column] = [(name, MatchKind.NORMALIZED, NORMALIZED_CONFIDENCE) for name in names]
        claimed.update(name for name, _, _ in matches[column])
    pool = [name for name in source.entries if name not in claimed and normalize_name(name)]
    choices = [normalize_name(name) for name in pool]
    for column in columns:
        query = normalize_name(column)
        if matches[column] or not query or not choices:
            continue
        found = process.extract(query, choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None)
        matches[column] = [(pool[index], MatchKind.FUZZY, round(score / 100, 4)) for _, score, index in found]
    result: dict[str, list[Candidate]] = {}
    for column in columns:
        result[column] = []
        for name, match_kind, confidence in matches[column]:
            kind = SourceKind.FUZZY if match_kind is MatchKind.FUZZY else source.kind
            entry = source.entries[name]
            scored = entry.confidence if entry.confidence is not None else confidence
            for target, value in ((Field.VERBOSE_NAME, entry.verbose_name), (Field.DESCRIPTION, entry.description)):
                if value is not None and value.strip():
                    result[column].append(
                        Candidate(
                            target,
                            value.strip(),
                            kind,
                            source.name,
                            source.version,
                            match_kind,
                            scored,
                            name,
                            entry.rationale,
                        )
                    )
    return result


def add_ai_drafts(
    states: Mapping[tuple[str, Field], FieldState],
    drafts: Mapping[tuple[str, Field], str],
    model: str,
    version: str,
    *,
    confidence: float = AI_CONFIDENCE,
) -> dict[tuple[str, Field], FieldState]:
    """Add one AI draft per field (replacing the model's earlier draft). A draft is chosen, as ``proposed``, only
    where nothing better-ranked is on offer and nobody accepted or locked a value; blank drafts are ignored.

    Raises ``DecisionError`` (and changes nothing) for a draft of a column or field not in ``states``.
    """
    if not model.strip():
        raise DecisionError(Text("an AI draft needs the model's name"))
    result = dict(states)
    for (column, raw_field), text in drafts.items():
        state = result.get((column, _field(raw_field)))
        if state is None:
            raise DecisionError(
                Text(
                    "an AI draft for %(column)s.%(field)s, which is not a field of this review",
                    column=column,
                    field=f"{raw_field}",
                )
            )
        if not isinstance(text, str) or not text.strip():
            continue
        draft = Candidate(
            state.field, text.strip(), SourceKind.AI_DRAFT, model, version, MatchKind.AI, confidence, column
        )
        others = (c for c in state.candidates if not (c.source is SourceKind.AI_DRAFT and c.source_name == model))
        candidates = _ranked([*others, draft])
        if state.locked or state.status is Status.ACCEPTED:
            result[state.key] = replace(state, candidates=candidates)
        else:
            chosen, status = _choose(candidates, state.rejected)
            result[state.key] = replace(state, candidates=candidates, chosen=chosen, status=status)
    return result


# --- decisions -------------------------------------------------------------------------------------------------


def accept(state: FieldState, candidate_index: int | None = None, *, by: str) -> FieldState:
    """Accept the chosen value (no index) or the candidate at ``candidate_index``, which then becomes chosen (and
    is no longer rejected). A person may pick another value of a locked field; it stays locked, by them."""
    _person(by)
    if candidate_index is None:
        if state.chosen is None:
            raise DecisionError(
                Text(
                    "%(field)s has no chosen value to accept (it is %(status)s): accept a candidate by its index or "
                    "override the value",
                    field=_where(state),
                    status=state.status.value,
                )
            )
        chosen = state.chosen
    else:
        chosen = _candidate_at(state, candidate_index)
    rejected = tuple(rejection for rejection in state.rejected if not rejection.matches(chosen))
    locked_by = by if state.locked else None
    return replace(state, chosen=chosen, status=Status.ACCEPTED, rejected=rejected, locked_by=locked_by, decided_by=by)


def reject(state: FieldState, candidate_index: int, by: str) -> FieldState:
    """Reject a candidate's value from its source, in this and later versions of the source. Rejecting the chosen
    value of an unlocked field chooses again among the others (or leaves the field ``rejected``)."""
    _person(by)
    if candidate_index is None:
        raise DecisionError(Text("reject on %(field)s needs the index of the candidate to reject", field=_where(state)))
    candidate = _candidate_at(state, candidate_index)
    is_chosen = state.chosen is not None and candidate.same_offer(state.chosen)
    if state.locked and is_chosen:
        raise DecisionError(
            Text(
                "%(field)s is locked on this value (by %(person)s): unlock it first, or override it",
                field=_where(state),
                person=f"{state.locked_by}",
            )
        )
    rejected = state.rejected
    if not state.is_rejected(candidate):
        rejected = (*rejected, Rejection(candidate.source, candidate.source_name, candidate.value, by))
    if state.locked or (state.status is Status.ACCEPTED and not is_chosen):
        return replace(state, rejected=rejected)
    chosen, status = _choose(state.candidates, rejected)
    return replace(state, rejected=rejected, chosen=chosen, status=status, decided_by=by)


def override(state: FieldState, value: str, by: str) -> FieldState:
    """A person's own value: a MANUAL candidate (replacing their earlier one), chosen, accepted and locked."""
    _person(by)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DecisionError(Text("override on %(field)s needs a non-empty value", field=_where(state)))
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    manual = Candidate(
        state.field, text, SourceKind.MANUAL, by, version, MatchKind.MANUAL, MANUAL_CONFIDENCE, state.column
    )
    candidates = _ranked([manual, *(c for c in state.candidates if c.source is not SourceKind.MANUAL)])
    rejected = tuple(rejection for rejection in state.rejected if not rejection.matches(manual))
    return replace(
        state,
        candidates=candidates,
        chosen=manual,
        locked=True,
        locked_by=by,
        status=Status.ACCEPTED,
        rejected=rejected,
        decided_by=by,
    )


def lock(state: FieldState, by: str) -> FieldState:
    """Lock the chosen value (accepting it) against imports, re-imports and AI drafts. Locking twice is a no-op."""
    _person(by)
    if state.chosen is None:
        raise DecisionError(
            Text(
                "%(field)s has no chosen value to lock (it is %(status)s): accept a candidate or override",
                field=_where(state),
                status=state.status.value,
            )
        )
    if state.locked:
        return state
    return replace(state, locked=True, locked_by=by, status=Status.ACCEPTED, decided_by=by)


def unlock(state: FieldState, by: str) -> FieldState:
    """Let new source versions and better candidates change the field again; the value stays accepted.

    A manual value still outranks every source: to return to the sources' values, unlock then reject it.
    """
    _person(by)
    if not state.locked:
        return state
    return replace(state, locked=False, locked_by=None, decided_by=by)


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    OVERRIDE = "override"
    LOCK = "lock"
    UNLOCK = "unlock"


@dataclass(frozen=True)
class Decision:
    """One person's decision on one field. ``candidate_index`` is for accept (optional) and reject (required);
    ``value`` is for override (required)."""

    column: str
    field: Field
    action: Action
    by: str
    candidate_index: int | None = None
    value: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """From a request body; raises ``DecisionError`` on a malformed one."""
        try:
            index = data.get("candidate_index")
            if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
                raise DecisionError(Text("candidate_index must be an integer, got %(value)s", value=repr(index)))
            value = data.get("value")
            if value is not None and not isinstance(value, str):
                raise DecisionError(Text("value must be a string, got %(value)s", value=repr(value)))
            return cls(
                column=_string(data, "column"),
                field=_field(data["field"]),
                action=_action(data["action"]),
                by=_string(data, "by"),
                candidate_index=index,
                value=value,
            )
        except KeyError as error:
            raise DecisionError(Text("a decision needs %(key)s", key=repr(error.args[0]))) from None
        except DecisionError:
            raise
        except ValueError as error:
            # _string's message, as a Text; str(error) would say it in English only.
            said = error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str) else str(error)
            raise DecisionError(said) from None


def apply_batch(
    states: Mapping[tuple[str, Field], FieldState], decisions: Sequence[Decision]
) -> dict[tuple[str, Field], FieldState]:
    """Apply the decisions in order (several may touch one field), all or nothing: on the first invalid one,
    ``DecisionError`` names it (``position``) and no state is changed. ``states`` itself is never mutated."""
    result = dict(states)
    for position, decision in enumerate(decisions):
        try:
            state = result.get((decision.column, _field(decision.field)))
            if state is None:
                raise DecisionError(
                    Text(
                        "%(column)s.%(field)s is not a field of this review",
                        column=f"{decision.column}",
                        field=f"{decision.field}",
                    )
                )
            result[state.key] = _apply(state, decision)
        except DecisionError as error:
            message = Text(
                "decision %(number)d (%(action)s %(column)s.%(field)s): %(error)s; no decision was applied",
                number=position + 1,
                action=f"{decision.action}",
                column=f"{decision.column}",
                field=f"{decision.field}",
                error=error.message,
            )
            raise DecisionError(message, position) from None
    return result


def _apply(state: FieldState, decision: Decision) -> FieldState:
    action = _action(decision.action)
    if action is not Action.OVERRIDE and decision.value is not None:
        raise DecisionError(Text("%(action)s takes no value (only override does)", action=action.value))
    if action in (Action.OVERRIDE, Action.LOCK, Action.UNLOCK) and decision.candidate_index is not None:
        raise DecisionError(Text("%(action)s takes no candidate_index", action=action.value))
    if action is Action.ACCEPT:
        return accept(state, decision.candidate_index, by=decision.by)
    if action is Action.REJECT:
        if decision.candidate_index is None:
            raise DecisionError(Text("reject needs the index of the candidate to reject"))
        return reject(state, decision.candidate_index, decision.by)
    if action is Action.OVERRIDE:
        return override(state, decision.value or "", decision.by)
    if action is Action.LOCK:
        return lock(state, decision.by)
    return unlock(state, decision.by)


def _field(raw: object) -> Field:
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return Field(raw)
    except ValueError:
        raise DecisionError(
            Text("unknown field %(value)s: use one of %(choices)s", value=repr(raw), choices=", ".join(Field))
        ) from None


def _action(raw: object) -> Action:
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return Action(raw)
    except ValueError:
        raise DecisionError(
            Text("unknown action %(value)s: use one of %(choices)s", value=repr(raw), choices=", ".join(Action))
        ) from None


def _candidate_at(state: FieldState, index: int) -> Candidate:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(state.candidates):
        raise DecisionError(
            Text(
                "%(field)s has %(count)d candidate(s): index %(index)s is out of range (0 to %(last)d)",
                field=_where(state),
                count=len(state.candidates),
                index=repr(index),
                last=len(state.candidates) - 1,
            )
            if state.candidates
            else Text("%(field)s has no candidates: override the value instead", field=_where(state))
        )
    return state.candidates[index]


def _person(by: str) -> None:
    if not isinstance(by, str) or not by.strip():
        raise DecisionError(Text("a decision needs the person who made it (by)"))


def _where(state: FieldState) -> str:
    return f"{state.column}.{state.field.value}"
