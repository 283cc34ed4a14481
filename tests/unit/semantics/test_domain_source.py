"""The column domains as a source of meanings: ranked below every dictionary and above AI drafts, scored by the
domain's own confidence, with its rationale kept through storage."""

from __future__ import annotations

from superset_review.semantics import DictionaryEntry, Field, SemanticSource, SourceKind, Status, load_states, resolve
from superset_review.semantics.resolver import dump_states

DOMAINS = SemanticSource(
    SourceKind.DOMAINS,
    "column domains",
    "v1",
    {"email": DictionaryEntry("email", "Email address", "An e-mail address", 0.83, "contact.email (high, 0.83)")},
)


def test_a_domain_is_a_candidate_with_its_confidence_and_rationale() -> None:
    states = resolve(["email", "other"], [DOMAINS])
    state = states[("email", Field.VERBOSE_NAME)]
    assert state.status is Status.PROPOSED and state.value == "Email address"
    assert state.chosen is not None and state.chosen.confidence == 0.83
    assert state.chosen.rationale == "contact.email (high, 0.83)"
    assert states[("other", Field.VERBOSE_NAME)].status is Status.EMPTY, "a domain is offered to its column only"
    again = load_states(dump_states(states))
    assert again[("email", Field.VERBOSE_NAME)].chosen == state.chosen


def test_a_dictionary_outranks_the_domain() -> None:
    dictionary = SemanticSource(
        SourceKind.DICTIONARY_FILE, "d.csv", "1", {"email": DictionaryEntry("email", "Customer e-mail", None)}
    )
    states = resolve(["email"], [DOMAINS, dictionary])
    state = states[("email", Field.VERBOSE_NAME)]
    assert state.value == "Customer e-mail"
    assert [candidate.source for candidate in state.candidates] == [SourceKind.DICTIONARY_FILE, SourceKind.DOMAINS]
    assert SourceKind.FUZZY.rank < SourceKind.DOMAINS.rank < SourceKind.AI_DRAFT.rank
