"""The onboarding pages inside Superset's navbar: the runs list with Start a run (/dataset_review/onboarding/), Start a
run into a dataset (/new/<dataset_id>, for those who may read it) and a run's page (/runs/<run_id>, for its owner
and admins, 404 for anyone else and for an id that is not a ULID), all behind can_read on DatasetReview."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_domain_studio_page import root_data
from tests.users import ADMIN, GAMMA, MANAGER, READER, login, user

PAGES = "/dataset_review/onboarding"
RUN_ID = "01JF8ZQ2X3VYH5K6M7N8P9PAGE"  # a ULID of this module's own


@pytest.fixture()
def manager_run(app: Any) -> Iterator[str]:
    """A run owned by the manager, written as the runs' commands would leave it after creation (this module's own)."""
    from superset.extensions import db

    from superset_review.onboarding.models import OnboardingRun

    with app.app_context():
        owner = user(MANAGER).id
        run = OnboardingRun(
            run_id=RUN_ID,
            name="pages test run",
            contract={},
            contract_hash="0" * 64,
            mode="metadata_only",
            stages={},
            created_by=owner,
        )
        db.session.add(run)
        db.session.commit()
    try:
        yield RUN_ID
    finally:
        with app.app_context():
            db.session.query(OnboardingRun).filter_by(run_id=RUN_ID).delete()
            db.session.commit()


@pytest.mark.parametrize("username", [ADMIN, READER])
def test_the_runs_page(client: Any, username: str) -> None:
    login(client, username)
    response = client.get(f"{PAGES}/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert root_data(body)["page"] == "onboarding"
    assert "dataset-id" not in root_data(body)
    assert re.search(r"<title>\s*Onboarding\s*</title>", body)
    assert re.search(r'<div id="app"[^>]*data-bootstrap="[^"]*menu_data', body), "inside Superset's navbar"


def test_gamma_has_no_onboarding_page(client: Any) -> None:
    login(client, GAMMA)
    response = client.get(f"{PAGES}/")
    assert response.status_code in (302, 403)
    assert 'id="dataset-review-root"' not in response.get_data(as_text=True)


def test_start_a_run_into_a_dataset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    response = client.get(f"{PAGES}/new/{examples['sales']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = root_data(body)
    assert (data["page"], data["dataset-id"], data["dataset-name"]) == (
        "onboarding",
        str(examples["sales"]),
        "cleaned_sales_data",
    )
    assert re.search(r"<title>\s*Onboard data into cleaned_sales_data\s*</title>", body)


@pytest.mark.parametrize(("path", "status"), [("/new/987654", 404), ("/new/abc", 404)])
def test_start_a_run_into_an_unknown_dataset(client: Any, path: str, status: int) -> None:
    login(client, ADMIN)
    assert client.get(f"{PAGES}{path}").status_code == status


def test_start_a_run_into_a_dataset_the_user_may_not_read(client: Any, examples: dict[str, int]) -> None:
    login(client, READER)  # can_read on DatasetReview, no access to the example datasets
    assert client.get(f"{PAGES}/new/{examples['sales']}").status_code == 403


@pytest.mark.parametrize("username", [MANAGER, ADMIN])
def test_a_run_page_for_its_owner_and_admins(client: Any, manager_run: str, username: str) -> None:
    login(client, username)
    response = client.get(f"{PAGES}/runs/{manager_run}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = root_data(body)
    assert (data["page"], data["run-id"], data["run-name"]) == ("onboarding_run", manager_run, "pages test run")
    # The Migration Console offers Promote, Rollback, Retry and Release to holders of can_migrate only.
    assert data["can-migrate"] == ("true" if username == ADMIN else "false")
    assert re.search(r"<title>\s*Onboarding run: pages test run\s*</title>", body)


@pytest.mark.parametrize(
    "run_id",
    [RUN_ID, "01JF8ZQ2X3VYH5K6M7N8P9R0S", "01jf8zq2x3vyh5k6m7n8p9r0st", "01JF8ZQ2X3VYH5K6M7N8P9R0SU", "x" * 5000],
    ids=["someone-elses", "too-short", "lower-case", "not-crockford", "long"],
)
def test_a_run_page_is_404_for_anyone_else_and_for_what_is_not_a_run_id(
    client: Any, manager_run: str, run_id: str
) -> None:
    login(client, READER)  # not the owner, not an admin: the same 404 as an id that does not exist
    assert client.get(f"{PAGES}/runs/{run_id}").status_code == 404


def test_the_page_speaks_russian(client: Any, manager_run: str) -> None:
    login(client, MANAGER)
    client.get("/lang/ru")
    try:
        body = client.get(f"{PAGES}/runs/{manager_run}").get_data(as_text=True)
        assert re.search(r"<title>\s*Загрузка: pages test run\s*</title>", body)
    finally:
        client.get("/lang/en")
