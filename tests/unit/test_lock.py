"""Every install is the same product: requirements.lock pins each dependency the project names (and theirs), and
every way of installing the project (make, docker) goes through it."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.services import REPO

LOCK = REPO / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            match = PIN.match(line)
            assert match, f"requirements.lock line is not an exact pin: {line!r}"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_every_requirement_of_the_project_is_pinned_within_its_range() -> None:
    pins = locked()
    requirements = [Requirement(text) for text in distribution("superset-review").requires or []]
    assert len(requirements) > 20
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} breaks {requirement}"
        )


def test_the_environment_is_the_locked_one() -> None:
    """What `make install` installed is what the lock says (a stale .venv or a hand-installed package shows here)."""
    mismatched = {}
    for name, pinned in locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a platform-specific pin (markers) that this machine does not need
        if Version(installed) != Version(pinned):
            mismatched[name] = (pinned, installed)
    assert mismatched == {}, "run `make install` (the lock and the virtual environment disagree)"


def test_make_and_docker_install_through_the_lock() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install [^\n]*-c \$\(LOCK\) -e", makefile)
    assert re.search(r"^LOCK := requirements\.lock$", makefile, re.M)
    dockerfile = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "-c /app/superset-review/requirements.lock" in dockerfile
    assert "requirements.lock" not in (REPO / ".dockerignore").read_text(encoding="utf-8")
