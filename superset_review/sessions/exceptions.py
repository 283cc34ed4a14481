from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text


class ReviewSessionError(ReviewError):
    """``message`` is for the user: a Text, translated when the API replies (or when a stored task state is read);
    the code's status is the taxonomy's (superset_review.extension.errors)."""

    code = ErrorCode.SESSION_ERROR


class ReviewSessionNotFoundError(ReviewSessionError):
    """Also what another user's session answers: its existence is not leaked."""

    code = ErrorCode.SESSION_NOT_FOUND

    def __init__(self, session_id: int) -> None:
        super().__init__(Text("review session %(session)s does not exist", session=session_id))


class ReviewSessionConflictError(ReviewSessionError):
    code = ErrorCode.SESSION_CHANGED

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            Text(
                "the session changed since you loaded it (your version %(expected)s, now %(current)s): reload it and "
                "retry",
                expected=expected,
                current=current,
            )
        )
