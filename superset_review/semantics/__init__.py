"""Semantic enrichment of a review session's dataset: each column's verbose name and description, recovered from
trusted sources (dictionary files and tables, reference datasets, fuzzy matches) before any AI draft, with
provenance, conflicts, rejections and manual locks.

Pure: no Superset, no database, no Flask. The caller turns uploads, dictionary tables and reference datasets into
``SemanticSource`` values and stores the resulting ``FieldState`` values (``dump_states``) as JSON.
"""

from superset_review.semantics.dictionary import (
    Dictionary,
    DictionaryEntry,
    DictionaryError,
    DictionaryErrorCode,
    parse_dictionary,
)
from superset_review.semantics.resolver import (
    Action,
    Candidate,
    Decision,
    DecisionError,
    Field,
    FieldState,
    MatchKind,
    Rejection,
    SemanticSource,
    SourceKind,
    Status,
    accept,
    add_ai_drafts,
    apply_batch,
    dump_states,
    load_states,
    lock,
    normalize_name,
    override,
    reject,
    resolve,
    unlock,
)

__all__ = [
    "Action",
    "Candidate",
    "Decision",
    "DecisionError",
    "Dictionary",
    "DictionaryEntry",
    "DictionaryError",
    "DictionaryErrorCode",
    "Field",
    "FieldState",
    "MatchKind",
    "Rejection",
    "SemanticSource",
    "SourceKind",
    "Status",
    "accept",
    "add_ai_drafts",
    "apply_batch",
    "dump_states",
    "load_states",
    "lock",
    "normalize_name",
    "override",
    "parse_dictionary",
    "reject",
    "resolve",
    "unlock",
]
