"""The suite-wide leak check: no raw value of a redacted column reaches an LLM stub, in any test.

Two process-wide records. ``SENSITIVE``: the raw values of the personal-data columns of the tables the tests create,
registered by the fixtures that create them (``register_sensitive``). ``SENT``: every prompt text any ``LLMStub``
received (the stub records each request here as well as in its own list), with the test that was running. At the end
of the session ``tests/conftest.py`` asks ``find_leaks`` and fails the run when a sensitive value was sent.

A test that sends raw values to a model on purpose (an admin's ``local_only_override`` to a local model) says so
with ``@pytest.mark.raw_values_allowed("why")``; its requests are recorded, and left out of the check.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_CHARS = 5  # shorter values ("Mr", "Oslo") are too common to tell a leak from a word of a prompt


@dataclass(frozen=True)
class Sent:
    test: str
    texts: tuple[str, ...]
    allowed: str | None = None  # the reason the test gave for sending raw values


@dataclass(frozen=True)
class Leak:
    value: str
    origin: str  # the table (and column) the value belongs to
    test: str

    def __str__(self) -> str:
        return f"{self.value!r} of {self.origin} reached an LLM stub in {self.test}"


@dataclass
class SentRecord:
    """Every prompt text the stubs received, with the running test; thread-safe (stub handlers are threads)."""

    entries: list[Sent] = field(default_factory=list)
    test: str = "(outside any test)"
    allowed: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, texts: Iterable[str]) -> None:
        with self._lock:
            self.entries.append(Sent(self.test, tuple(texts), self.allowed))

    def running(self, test: str, allowed: str | None) -> None:
        with self._lock:
            self.test, self.allowed = test, allowed


@dataclass
class SensitiveValues:
    """Raw values of redacted (personal-data) columns, each with where it comes from."""

    values: dict[str, str] = field(default_factory=dict)

    def register(self, origin: str, values: Iterable[object]) -> None:
        for value in values:
            text = str(value).strip()
            if value is not None and len(text) >= MIN_CHARS:
                self.values.setdefault(text, origin)


SENT = SentRecord()
SENSITIVE = SensitiveValues()


def register_sensitive(table: str, columns: dict[str, Iterable[object]]) -> None:
    """The raw values of ``table``'s personal-data columns (column -> values), as the fixture inserted them."""
    for column, values in columns.items():
        SENSITIVE.register(f"{table}.{column}", values)


def find_leaks(sent: SentRecord, sensitive: SensitiveValues) -> list[Leak]:
    """Every sensitive value found in a text sent by a test that did not allow it (case-insensitive)."""
    leaks: list[Leak] = []
    lowered = {value.lower(): (value, origin) for value, origin in sensitive.values.items()}
    for entry in sent.entries:
        if entry.allowed is not None:
            continue
        text = "\n".join(entry.texts).lower()
        for needle, (value, origin) in lowered.items():
            if needle in text:
                leaks.append(Leak(value, origin, entry.test))
    return leaks
