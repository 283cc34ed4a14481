"""Execution and clarification: compiled preview p95, launch p95 (through the REST API, in-process, as an admin on
the curated examples), and next-question selection with 200 open topics.

Run by bench/run.py in a child process whose environment points at running embedded services (with
`superset-review init` applied); prints one JSON list of rows on its last line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RUNS = 40
TOPICS = 200


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def next_question_ms() -> tuple[float, float]:
    from superset_review.clarification.engine import Answer, Clarification, collect_topics

    semantics = [{"column": f"c{i:03d}", "field": "description", "status": "empty", "candidates": []}
                 for i in range(TOPICS)]  # fmt: skip
    clarification = Clarification()
    build_ms, _ = timed(lambda: clarification.merge_topics(collect_topics([], semantics, {}, None)))
    assert clarification.open_count() == TOPICS
    selections = []
    while clarification.current is not None:
        key = clarification.current
        ms, _ = timed(lambda key=key: clarification.record_answer(Answer(key, "x", None, "bench"), "x"))
        selections.append(ms)
    return p95(selections), build_ms


def main() -> None:
    from superset.app import create_app

    app = create_app()  # before any model import: Superset's models need the initialised app

    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.models.dashboard import Dashboard

    from superset_review.embedded.examples import JINJA_DATASET_NAME, load_curated_examples
    from tests.dashboards import country_mask
    from tests.users import ADMIN, PASSWORD, create_test_users

    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        create_test_users()
        load_curated_examples()
        db.session.commit()
        dashboard = db.session.query(Dashboard).filter_by(dashboard_title="Sales Dashboard").one().id
        templated = db.session.query(SqlaTable).filter_by(table_name=JINJA_DATASET_NAME).one().id
    client = app.test_client()
    client.post("/login/", data={"username": ADMIN, "password": PASSWORD})
    sessions = "/api/v1/dataset_review/sessions/"
    mask = country_mask(["USA", "France"])
    link = client.post(f"/api/v1/dashboard/{dashboard}/permalink",
                       json={"dataMask": mask, "urlParams": [["deal_size", "Large"]]}).json["url"]  # fmt: skip
    session = client.post(sessions, json={"source": link, "dataset_id": templated}).json
    session = client.post(f"{sessions}{session['id']}/mappings/approve", json={"version": session["version"]}).json
    previews, launches = [], []

    def act(action: str, current: dict[str, Any]) -> tuple[float, Any]:
        path, body = f"{sessions}{current['id']}/{action}", {"version": current["version"]}
        return timed(lambda: client.post(path, json=body))

    for _ in range(RUNS):
        ms, response = act("preview", session)
        assert response.status_code == 200 and response.json["execution"]["preview"]["status"] == "ready"
        previews.append(ms)
        session = response.json
        ms, response = act("launch", session)
        assert response.status_code == 201, response.json
        launches.append(ms)
        session = response.json
    selection, build = next_question_ms()
    rows = [
        {"name": "compiled preview p95 (Superset's template processor, value check included)", "value": p95(previews),
         "unit": "ms", "target": "< 300 ms", "met": p95(previews) < 300,
         "note": f"median {statistics.median(previews):.1f} ms over {RUNS} previews, through the REST API"},
        {"name": "launch p95 (gates, SQL Lab permalink, run context)", "value": p95(launches), "unit": "ms",
         "target": "< 500 ms", "met": p95(launches) < 500,
         "note": f"median {statistics.median(launches):.1f} ms over {RUNS} launches, through the REST API"},
        {"name": f"next-question selection, {TOPICS} open topics (p95)", "value": selection, "unit": "ms",
         "target": "< 50 ms", "met": selection < 50,
         "note": f"answer recorded and the next question chosen; building the {TOPICS} topics {build:.1f} ms"},
    ]  # fmt: skip
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
