from superset_review.extension.i18n import Text


class ReviewSessionError(Exception):
    """``message`` is for the user: a Text, translated when the API replies (or when a stored task state is read)."""

    status = 422
    code = "SESSION_ERROR"

    def __init__(
        self, message: str, code: str | None = None, status: int | None = None, details: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}


class ReviewSessionNotFoundError(ReviewSessionError):
    """Also what another user's session answers: its existence is not leaked."""

    status = 404
    code = "SESSION_NOT_FOUND"

    def __init__(self, session_id: int) -> None:
        super().__init__(Text("review session %(session)s does not exist", session=session_id))


class ReviewSessionConflictError(ReviewSessionError):
    status = 409
    code = "SESSION_CHANGED"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            Text(
                "the session changed since you loaded it (your version %(expected)s, now %(current)s): reload it and "
                "retry",
                expected=expected,
                current=current,
            )
        )
