"""The analysis report reads the target dataset's own sample through Superset's query path, as the run's owner:
PSI and KS against it, and a unit fix found from the ratio of the medians. A user who may not read the dataset
gets a report that says so, with no distribution and no error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg2
import pytest

from superset_review.onboarding.analysis import fix_to_mapping, run_analysis
from superset_review.onboarding.mapping import run_mapping
from superset_review.onboarding.models import RunMode
from tests.datasets import register_dataset
from tests.services import Services
from tests.unit.onboarding.mapping_bodies import catalog, context, sample_file, source, target
from tests.users import ADMIN, GAMMA, user

TABLE = "review_mapping_weights"
KILOGRAMS = [50.0 + n for n in range(40)]


@pytest.fixture(scope="module")
def weights_dataset(app: Any, services: Services) -> int:
    """A target table of the module's own: weights in pounds, statuses in lower case."""
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (weight_lb double precision, status text)")
        cursor.execute(f"TRUNCATE {TABLE}")
        rows = [(value / 0.45359237, "active" if n % 2 else "closed") for n, value in enumerate(KILOGRAMS)]
        cursor.executemany(f"INSERT INTO {TABLE} VALUES (%s, %s)", rows)
    connection.close()
    with app.app_context():
        return register_dataset(services, TABLE)


def analysed(app: Any, tmp_path: Path, dataset_id: int, username: str) -> dict[str, Any]:
    from superset.utils.core import override_user

    body = catalog(source("weight", "float", domain="measure.weight"), source("status"))
    schema = {
        "name": TABLE,
        "dataset_id": dataset_id,
        "columns": [target("weight_lb", "float", domain="measure.weight"), target("status")],
        "schema_hash": "t" * 64,
    }
    path = sample_file(tmp_path, {"weight": KILOGRAMS, "status": ["active", "closed"] * 20})
    ctx = context(tmp_path, RunMode.DATA_MODE)
    with app.test_request_context(), override_user(user(username)):
        outcome = run_mapping(ctx, body, schema, path)
        [artifact] = run_analysis(ctx, body, schema, outcome.mappings, path)
    return artifact.body


def test_distributions_against_the_target_datasets_sample(app: Any, weights_dataset: int, tmp_path: Path) -> None:
    report = analysed(app, tmp_path, weights_dataset, ADMIN)
    distribution = report["data"]["distribution"]
    assert distribution["target_sample"] == {"rows": 40, "note": None}
    columns = {column["target"]: column for column in distribution["columns"]}
    assert columns["weight_lb"]["ks"] == 1.0 and columns["weight_lb"]["psi"] > 0.25
    assert columns["status"]["kind"] == "categorical" and columns["status"]["psi"] == 0.0
    [shift] = [a for a in report["anomalies"] if a["kind"] == "distribution_shift"]
    change = fix_to_mapping(report, shift["fix"]["id"])
    assert change["target"] == "weight_lb"
    assert change["dsl"]["ops"][-1] == {"op": "unit_convert", "from": "kg", "to": "lb"}


def test_a_user_who_may_not_read_the_target_gets_no_distribution(
    app: Any, weights_dataset: int, tmp_path: Path
) -> None:
    report = analysed(app, tmp_path, weights_dataset, GAMMA)
    distribution = report["data"]["distribution"]
    assert distribution["columns"] == [] and distribution["target_sample"]["rows"] is None
    assert "could not be read" in distribution["target_sample"]["note"]
    assert report["data"]["nulls"], "the other data checks still ran"
