"""The docker-compose deployment, as docker-compose itself reads it (no Docker engine needed)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
LANE_WORKERS = {
    "superset-worker-interactive-fast": "interactive_fast",
    "superset-worker-flex-bg": "flex_bg",
    "superset-worker-batch-jobs": "batch_jobs",
}
SUPERSET_SERVICES = ("superset-init", "superset", *LANE_WORKERS, "superset-beat", "superset-mcp")
ALL_SERVICES = ("db", "redis", *SUPERSET_SERVICES)


def _run(compose: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The file refuses to render without a secret key, by design; any value does for reading it.
    env = {**os.environ, "SUPERSET_SECRET_KEY": "test-only-secret-key"}
    return subprocess.run(
        [compose, "-f", str(COMPOSE_FILE), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@functools.cache
def _resolved_config() -> dict[str, Any]:
    """The resolved configuration: JSON where docker-compose can print it (v2), YAML otherwise (1.29).

    Called from each test rather than used as a fixture: a missing docker-compose must fail the tests, and
    pytest.fail in a fixture only counts as a setup error.
    """
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.fail(
            "docker-compose is not installed; it validates docker-compose.yml without a Docker engine: "
            "apt-get install docker-compose"
        )
    help_text = _run(compose, "config", "--help").stdout
    as_json = "--format" in help_text
    result = _run(compose, "config", *(["--format", "json"] if as_json else []))
    assert result.returncode == 0, f"docker-compose config rejected docker-compose.yml:\n{result.stderr}"
    loaded = json.loads(result.stdout) if as_json else yaml.safe_load(result.stdout)
    assert isinstance(loaded, dict)
    return loaded


def _mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each volume, whether docker-compose printed it short ("a:b:ro") or long."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        mounts.append((source, target))
    return mounts


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_all_services_are_defined() -> None:
    config = _resolved_config()
    assert set(ALL_SERVICES) <= set(config["services"])


def test_superset_services_share_the_image_built_from_docker_dockerfile() -> None:
    config = _resolved_config()
    services = config["services"]
    images = {services[name]["image"] for name in SUPERSET_SERVICES}
    assert len(images) == 1, f"the Superset services run different images: {images}"
    for name in SUPERSET_SERVICES:
        build = services[name]["build"]
        assert Path(build["context"]).resolve() == REPO_ROOT, name
        assert (REPO_ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE, name


def test_superset_config_is_mounted_in_every_superset_service() -> None:
    config = _resolved_config()
    for name in SUPERSET_SERVICES:
        mounts = _mounts(config["services"][name])
        sources = [source for source, target in mounts if target == "/app/superset_config.py"]
        assert sources, f"{name} does not mount /app/superset_config.py: {mounts}"
        assert Path(sources[0]).resolve() == REPO_ROOT / "superset_config.py", name
        assert config["services"][name]["environment"]["SUPERSET_CONFIG_PATH"] == "/app/superset_config.py"


@pytest.mark.parametrize(("service", "lane"), LANE_WORKERS.items())
def test_a_worker_per_lane_runs_supersets_celery_app_on_its_lanes_queues(service: str, lane: str) -> None:
    """`superset-review worker --lane L` becomes (exec) the very Celery command below: Superset's app, the lane's
    queues, REVIEW_LANE_CONCURRENCY's slots, a name unique per replica."""
    from superset_review.cli.main import cli
    from superset_review.migration.lanes import Lane, queues_of

    config = _resolved_config()["services"][service]
    command = config["command"] if isinstance(config["command"], list) else str(config["command"]).split()
    assert command[:4] == ["superset-review", "worker", "--lane", lane]
    assert "worker" in cli.commands, "the command the service runs exists"
    assert "container_name" not in config and "ports" not in config, "replicas (--scale) must not collide"
    assert f"ping -d superset-review-{lane}@$" in " ".join(config["healthcheck"]["test"]), "pings its own worker"
    assert queues_of(Lane(lane))[0] == lane


def test_the_lane_worker_command_is_supersets_celery_worker() -> None:
    from superset_review.migration.lanes import Lane, lane_worker_command

    command = lane_worker_command(Lane.FLEX_BG, 3, "prefork")
    assert command[1:5] == ["-m", "celery", "--app=superset.tasks.celery_app:app", "worker"]
    assert {
        "--pool=prefork",
        "--concurrency=3",
        "--queues=flex_bg,celery",
        "--hostname=superset-review-flex_bg@%h",
    } <= set(command)


def test_web_and_workers_wait_for_a_successful_init() -> None:
    config = _resolved_config()
    for name in ("superset", *LANE_WORKERS, "superset-beat"):
        depends_on = config["services"][name]["depends_on"]
        assert depends_on["superset-init"]["condition"] == "service_completed_successfully", name


def test_metadata_database_has_pgvector() -> None:
    config = _resolved_config()
    assert config["services"]["db"]["image"].startswith("pgvector/pgvector:")


def test_dockerfile_builds_on_superset_6_1_0() -> None:
    instructions = [
        line.strip()
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert stages[-1] == "FROM apache/superset:6.1.0", "the final image is Superset 6.1.0"
    assert any(line.startswith("COPY --from=frontend") for line in instructions), "the bundle is built in the image"


def test_mcp_service_serves_the_extensions_tools_with_token_auth() -> None:
    """Superset's MCP service with the extension's tools, its tokens verified (HS256 secret from the environment)."""
    service = _resolved_config()["services"]["superset-mcp"]
    command = service["command"]
    command = command if isinstance(command, list) else str(command).split()
    assert command[:2] == ["superset-review", "mcp"]
    assert "0.0.0.0" in command  # noqa: S104 - the container listens on every interface, by design
    assert service["environment"]["SUPERSET_MCP_AUTH_ENABLED"] == "true"
    assert "SUPERSET_MCP_JWT_SECRET" in service["environment"]
    assert service["depends_on"]["superset-init"]["condition"] == "service_completed_successfully"
