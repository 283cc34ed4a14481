"""An upload: a file streamed onto the server for a run to read (``CreateUploadCommand``), or a file the CLI names
by its path, registered where it is (``RegisterFileCommand``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import acting_user_id
from superset_review.onboarding.models import OnboardingUpload
from superset_review.onboarding.uploads import (
    UploadSink,
    check_format,
    file_label,
    hash_file,
    max_file_bytes,
    onboarding_dir,
)

# Given a function that opens the sink for a file part, the request's reader writes the part into it and returns the
# filename the client gave (None when the request carried no file).
Receive = Callable[[Callable[[], UploadSink]], str | None]


class CreateUploadCommand(BaseCommand):
    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._user_id: int | None = None

    def validate(self) -> None:
        self._user_id = acting_user_id()

    @unit_of_work
    def run(self) -> OnboardingUpload:
        self.validate()
        upload_id = str(uuid.uuid4())
        path = onboarding_dir() / upload_id
        opened: list[UploadSink] = []

        def open_sink() -> UploadSink:
            if opened:
                raise ReviewError(Text("send one file in the field 'file'"), ErrorCode.INVALID_REQUEST)
            opened.append(UploadSink(path, max_file_bytes()))
            return opened[0]

        try:
            filename = self._receive(open_sink)
            if not opened or filename is None:
                raise ReviewError(
                    Text("send the file as multipart/form-data in the field 'file'"), ErrorCode.INVALID_REQUEST
                )
            sink = opened[0]
            sink.close()
            check_format(path, file_label(filename))
            upload = OnboardingUpload(
                upload_id=upload_id,
                filename=file_label(filename),
                path=str(path),
                bytes=sink.bytes,
                sha256=sink.sha256,
                created_by=self._user_id,
            )
            db.session.add(upload)
            db.session.flush()
        except BaseException:
            for sink in opened:  # nothing half-written: the partial file goes with the refusal
                sink.discard()
            path.unlink(missing_ok=True)
            raise
        return upload


class RegisterFileCommand(BaseCommand):
    """A file on the server's disk (the CLI's argument) as an upload pointing at it: no copy is made."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._size = 0
        self._sha256 = ""

    def validate(self) -> None:
        acting_user_id()
        if not self._path.is_file():
            raise ReviewError(
                Text("%(path)s is not a readable file", path=str(self._path)[:500]), ErrorCode.FILE_UNREADABLE
            )
        self._size, self._sha256 = hash_file(self._path, max_file_bytes())

    @unit_of_work
    def run(self) -> OnboardingUpload:
        self.validate()
        upload = OnboardingUpload(
            filename=file_label(self._path.name),
            path=str(self._path.resolve()),
            bytes=self._size,
            sha256=self._sha256,
            created_by=acting_user_id(),
        )
        db.session.add(upload)
        db.session.flush()
        return upload
