"""Superset's ``@transaction`` as the extension uses it."""

from __future__ import annotations


def reraise_as_is(error: Exception) -> None:
    """The ``on_error`` of the extension's units of work. Superset's default turns every SQLAlchemyError into a bare
    one, without its message; the transaction is rolled back already and the caller needs the error as it was (a
    stale version is a 409)."""
    raise error
