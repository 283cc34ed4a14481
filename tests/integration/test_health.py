"""Health reports each component as ok / degraded / down with a reason, and a dead Redis as down."""

from __future__ import annotations

from typing import Any

from superset_review.embedded.stack import free_port
from tests.users import ADMIN, READER, login


def _health_with_dead_redis(app: Any, client: Any, username: str, dead: str) -> dict[str, Any]:
    login(client, username)
    app.config["REVIEW_REDIS_URL"] = dead
    try:
        response = client.get("/api/v1/dataset_review/health")
    finally:
        app.config["REVIEW_REDIS_URL"] = None
    assert response.status_code == 503
    body: dict[str, Any] = response.json
    return body


def test_unreachable_redis_is_down_with_a_reason(app: Any, client: Any, worker: Any) -> None:
    body = _health_with_dead_redis(app, client, ADMIN, f"redis://127.0.0.1:{free_port()}/0")
    assert body["status"] == "down"
    assert body["checks"]["redis"]["status"] == "down"
    assert "Connect" in body["checks"]["redis"]["reason"]
    assert body["checks"]["metadata_db"]["status"] == "ok", "one dead component does not hide the others"


def test_health_is_in_the_openapi_spec(client: Any) -> None:
    login(client, ADMIN)
    spec = client.get("/api/v1/_openapi").json
    assert "/api/v1/dataset_review/health" in spec["paths"]
    assert "HealthResponseSchema" in spec["components"]["schemas"]


def test_reasons_name_no_hosts_or_users_to_non_admins(app: Any, client: Any, worker: Any) -> None:
    port = free_port()
    dead = f"redis://cache-user:cache-pass@127.0.0.1:{port}/0"
    said = str(_health_with_dead_redis(app, client, READER, dead))
    for private in (str(port), "127.0.0.1", "cache-user", "cache-pass", "celery@"):
        assert private not in said
    admin_view = _health_with_dead_redis(app, client, ADMIN, dead)["checks"]
    assert str(port) in admin_view["redis"]["reason"], "admins still read the driver's reason"
    assert "cache-pass" not in str(admin_view), "but never a credential"
