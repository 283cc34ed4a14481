"""Where onboarding keeps its files, and the sink an upload streams into: written in chunks as they arrive, hashed on
the way (sha256), refused past a hard size cap with the partial file removed. A user's filename is a label only: the
file is stored under a name the server chose.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path
from typing import Any

from flask import current_app

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text

CHUNK_BYTES = 1024 * 1024
LABEL_MAX = 255


def onboarding_dir() -> Path:
    """``REVIEW_ONBOARDING_DIR``, by default ``<REVIEW_DATA_DIR>/onboarding``; created on first use."""
    configured = current_app.config.get("REVIEW_ONBOARDING_DIR")
    root = Path(str(configured)) if configured else Path(str(current_app.config["REVIEW_DATA_DIR"])) / "onboarding"
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def run_dir(run_id: str) -> Path:
    """A run's own server-side storage (its Sample Pack's raw rows)."""
    path = onboarding_dir() / "runs" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_file_bytes() -> int:
    return int(current_app.config["REVIEW_ONBOARDING_MAX_FILE_BYTES"])


def file_too_large(limit: int) -> ReviewError:
    return ReviewError(
        Text("the file is larger than the limit of %(max)d bytes (REVIEW_ONBOARDING_MAX_FILE_BYTES)", max=limit),
        ErrorCode.FILE_TOO_LARGE,
        details={"max_bytes": limit},
    )


def file_label(filename: str | None) -> str:
    """What the user called the file, for showing only: its last path part, without control characters, bounded."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    return name[:LABEL_MAX] or "upload"


class UploadSink:
    """A file opened for one upload: ``write`` hashes, counts and refuses past ``limit`` (FILE_TOO_LARGE); the
    multipart parser hands it each chunk as it reads it, so the file never sits in memory whole."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.bytes = 0
        self._sha256 = hashlib.sha256()
        # O_EXCL: a name the server chose, never an existing file (nor a link planted in its place).
        self._file = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        if self.bytes > self.limit:
            raise file_too_large(self.limit)
        self._sha256.update(data)
        self._file.write(data)
        return len(data)

    # The parser rewinds a finished part to hand it over as a FileStorage; this sink is write-only.
    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def read(self, size: int = -1) -> bytes:
        return b""

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def discard(self) -> None:
        """Close and remove the partial file (an upload refused or failed half-way)."""
        self.close()
        self.path.unlink(missing_ok=True)

    def __getattr__(self, name: str) -> Any:  # FileStorage asks for a few attributes (name, mode) by duck typing
        return getattr(self._file, name)


def check_format(path: Path, filename: str) -> None:
    """What the file's first bytes say it is must be what its name says (ingest's own sniffing): a PNG named .csv is
    refused at once (FILE_UNREADABLE, naming what it looks like), not after a stage has been started on it."""
    from superset_review.onboarding.ingest.files import HEAD_BYTES, check_extension, sniff_format

    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0, os.SEEK_END)
        handle.seek(max(handle.tell() - 4, 0))
        tail = handle.read(4)
    if not head:
        raise ReviewError(Text("the file is empty: it has no header and no rows"), ErrorCode.FILE_UNREADABLE)
    found, _ = sniff_format(head, tail)
    check_extension(filename, found)


def hash_file(path: Path, limit: int) -> tuple[int, str]:
    """The size and sha256 of a file given by path (the CLI's), read in chunks; FILE_TOO_LARGE past ``limit``."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise file_too_large(limit)
            digest.update(chunk)
    return size, digest.hexdigest()
