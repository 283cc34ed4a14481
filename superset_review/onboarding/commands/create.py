"""Create a run from its contract: the contract checked (CONTRACT_INVALID naming each key), the source upload the
user's own, the target a dataset the user may write (or a YAML schema), the threshold profile stored; then the run,
its contract version 1 and the ``contract`` ledger event in one transaction."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import ValidationError
from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.adapters.datasets import get_dataset, may_write
from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import (
    acting_user_id,
    initial_stages,
    is_review_admin,
    record_event,
)
from superset_review.onboarding.contract import contract_hash, load_contract
from superset_review.onboarding.dao import OnboardingRunDAO, ThresholdProfileDAO, UploadDAO
from superset_review.onboarding.models import (
    LedgerAction,
    OnboardingRun,
    RunContractVersion,
    RunStatus,
    Stage,
)
from superset_review.onboarding.uploads import run_dir


def contract_invalid(errors: dict[str, Any]) -> ReviewError:
    """422 naming every key that is wrong (marshmallow's messages, keyed by the contract's own keys)."""
    keys = ", ".join(sorted(str(key) for key in errors)[:10])
    return ReviewError(
        Text("the run contract is invalid: %(keys)s (see errors)", keys=keys),
        ErrorCode.CONTRACT_INVALID,
        details={"errors": errors},
    )


def target_dataset_id(contract: dict[str, Any]) -> int | None:
    """The dataset id of ``rhs.location`` ``dataset:<id>``, None for a YAML target; CONTRACT_INVALID otherwise."""
    location = str(contract["rhs"]["location"])
    if location == "yaml":
        return None
    raw = location.removeprefix("dataset:")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 10 and 0 < int(raw) <= 2**31 - 1):
        raise contract_invalid({"rhs": {"location": ['a target dataset is "dataset:<id>" with a positive id']}})
    return int(raw)


class CreateRunCommand(BaseCommand):
    def __init__(self, name: str, contract: Any) -> None:
        self._name = name
        self._data = contract
        self._contract: dict[str, Any] = {}
        self._dataset_id: int | None = None

    def validate(self) -> None:
        user_id = acting_user_id()
        try:
            self._contract = load_contract(self._data, getattr(g.user, "username", None))
        except ValidationError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
            raise contract_invalid(messages) from None
        contract = self._contract
        if OnboardingRunDAO.find(contract["run_id"], None, any_owner=True) is not None:
            raise contract_invalid({"run_id": ["a run with this id exists already: leave run_id out for a new one"]})
        lhs = contract["lhs"]
        if lhs["source"]["type"] == "file":
            upload = UploadDAO.find(str(lhs["location"]), user_id, any_owner=is_review_admin())
            if upload is None:
                raise ReviewError(
                    Text(
                        "upload %(upload)s does not exist or is not yours: upload the file first (POST uploads/)",
                        upload=str(lhs["location"])[:40],
                    ),
                    ErrorCode.NOT_FOUND,
                    details={"field": "contract.lhs.location"},
                )
        self._dataset_id = target_dataset_id(contract)
        if self._dataset_id is not None:
            dataset = get_dataset(self._dataset_id)  # 404 / 403 when it does not exist or cannot be read
            if not may_write(dataset):
                raise ReviewError(
                    Text(
                        "you may not write dataset %(dataset)s, the run's target: only its owners or an admin may "
                        "onboard data into it",
                        dataset=self._dataset_id,
                    ),
                    ErrorCode.TARGET_FORBIDDEN,
                    details={"field": "contract.rhs.location"},
                )
        if ThresholdProfileDAO.current(contract["threshold_profile_id"]) is None:
            raise ReviewError(
                Text("threshold profile %(profile)s does not exist", profile=contract["threshold_profile_id"]),
                ErrorCode.PROFILE_NOT_FOUND,
                details={"field": "contract.threshold_profile_id"},
            )

    @unit_of_work
    def run(self) -> OnboardingRun:
        self.validate()
        contract = self._contract
        digest = contract_hash(contract)
        user_id = acting_user_id()
        run = OnboardingRun(
            run_id=contract["run_id"],
            name=self._name,
            contract=contract,
            contract_hash=digest,
            contract_version=1,
            mode=contract["mode"],
            status=RunStatus.CREATED.value,
            stage=Stage.INGEST.value,
            stages=initial_stages(),
            target_dataset_id=self._dataset_id,
            version=1,
            created_by=user_id,
        )
        db.session.add(run)
        db.session.flush()
        db.session.add(
            RunContractVersion(
                run_pk=run.id,
                version=1,
                contract=contract,
                contract_hash=digest,
                reason="created",
                created_by=user_id,
            )
        )
        record_event(
            run,
            Stage.INGEST.value,
            LedgerAction.CONTRACT.value,
            subject="contract",
            outputs_hash=digest,
            detail={"contract_version": 1, "mode": run.mode},
        )
        db.session.flush()
        run_dir(run.run_id)
        return run
