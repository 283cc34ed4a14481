"""A new version of a threshold profile (``can_admin``): the whole body, schema-checked (PROFILE_INVALID naming the
key); versions are append-only, a run reads the current one when it starts a stage."""

from __future__ import annotations

import string
from typing import Any

from marshmallow import ValidationError
from superset.commands.base import BaseCommand

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import acting_user_id, is_review_admin, require_match
from superset_review.onboarding.dao import ThresholdProfileDAO
from superset_review.onboarding.documents import profile_etag
from superset_review.onboarding.models import ThresholdProfile
from superset_review.onboarding.profiles import ThresholdProfileSchema

PROFILE_ID_MAX = 80
PROFILE_ID_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_.-")


def profile_not_found(profile_id: str) -> ReviewError:
    return ReviewError(
        Text("threshold profile %(profile)s does not exist", profile=profile_id[:PROFILE_ID_MAX]),
        ErrorCode.PROFILE_NOT_FOUND,
    )


def current_profile(profile_id: str) -> ThresholdProfile:
    profile = ThresholdProfileDAO.current(profile_id) if len(profile_id) <= PROFILE_ID_MAX else None
    if profile is None:
        raise profile_not_found(profile_id)
    return profile


class UpdateProfileCommand(BaseCommand):
    def __init__(self, profile_id: str, body: Any, note: str | None, if_match: str | None) -> None:
        self._profile_id = profile_id
        self._data = body
        self._note = note
        self._if_match = if_match
        self._body: dict[str, Any] = {}

    def validate(self) -> None:
        acting_user_id()
        if not is_review_admin():
            raise ReviewError(
                Text("changing a threshold profile needs can_admin on DatasetReview"), ErrorCode.FORBIDDEN
            )
        if not 0 < len(self._profile_id) <= PROFILE_ID_MAX or not set(self._profile_id) <= PROFILE_ID_CHARACTERS:
            raise ReviewError(
                Text("a threshold profile id is 1 to 80 letters, digits, '_', '-' or '.'"),
                ErrorCode.PROFILE_INVALID,
                details={"field": "profile_id"},
            )
        # An id not stored yet is a new profile (version 1); a stored one gets its next version.
        if (current := ThresholdProfileDAO.current(self._profile_id)) is not None:
            require_match(
                self._if_match, profile_etag(current), Text("threshold profile %(profile)s", profile=self._profile_id)
            )
        if not isinstance(self._data, dict):
            raise ReviewError(Text("the profile's body is a JSON object"), ErrorCode.PROFILE_INVALID)
        try:
            self._body = ThresholdProfileSchema().load(self._data)
        except ValidationError as error:
            keys = (
                ", ".join(sorted(str(key) for key in error.messages)[:10]) if isinstance(error.messages, dict) else ""
            )
            raise ReviewError(
                Text("the threshold profile is invalid: %(keys)s (see errors)", keys=keys),
                ErrorCode.PROFILE_INVALID,
                details={"errors": error.messages},
            ) from None

    @unit_of_work
    def run(self) -> ThresholdProfile:
        self.validate()
        return ThresholdProfileDAO.add_version(self._profile_id, self._body, self._note, acting_user_id())
