"""The stored domain catalog on the real metadata database: seeding, staged deltas, the auto-test, promotion, import,
the audit log, caches across processes, and the catalog API with its permissions.

Every test starts with no staged delta and ends with the built-in catalog live again (imported back), so the other
modules of a session see the catalog they expect."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from superset_review.domains.catalog import builtin_catalog
from tests.conftest import run_cli
from tests.users import ADMIN, GAMMA, MANAGER, READER, user

CATALOG_API = "/api/v1/dataset_review/domains"
BROKEN = """\
extends: builtin
name: acme
version: "2"
domains:
  - name: identifier.loyalty_card
    parent: identifier
    description: An Acme loyalty card.
    aliases: {en: [loyalty card], ru: [карта лояльности]}
    regexes: ['LC-[0-9]{8']
    units: [parsec]
    examples: [LC-00000001]
"""
LOYALTY = """\
extends: builtin
name: acme
version: "3"
domains:
  - name: identifier.loyalty_card
    parent: identifier
    description: An Acme loyalty card.
    aliases: {en: [loyalty card], ru: [карта лояльности]}
    regexes: ['LC-[0-9]{8}']
    pattern_required: true
    examples: [LC-00000001, LC-12345678, LC-99999999, LC-55555555, LC-10000001]
"""


def _actor(app: Any, username: str = ADMIN) -> int:
    with app.app_context():
        return int(user(username).id)


def _restore_builtin(app: Any) -> None:
    from superset.extensions import db

    from superset_review.domains.commands.import_catalog import ImportCatalogCommand
    from superset_review.domains.dao import DomainDeltaDAO
    from superset_review.domains.models import DeltaState

    text = (Path(__file__).resolve().parents[2] / "superset_review" / "domains" / "builtin.yaml").read_text()
    with app.app_context():
        for delta in DomainDeltaDAO.in_state(DeltaState.STAGED.value):
            delta.state = DeltaState.DISCARDED.value
        db.session.commit()
        ImportCatalogCommand(None, text, "builtin.yaml", replace=True).run()


@pytest.fixture(autouse=True)
def clean_catalog(app: Any) -> Iterator[None]:
    _restore_builtin(app)
    yield
    _restore_builtin(app)


def _live(app: Any) -> Any:
    from superset_review.domains.live import live_catalog

    with app.app_context():
        return live_catalog()


def _stage(app: Any, kind: str, domain: str, payload: dict[str, Any], username: str = ADMIN) -> str:
    from superset_review.domains.commands.stage_delta import StageDeltaCommand

    with app.app_context():
        return str(StageDeltaCommand(_actor(app, username), kind, domain, payload).run().uuid)


def _audit(app: Any, subject: str) -> list[Any]:
    from superset_review.domains.dao import DomainAuditDAO

    with app.app_context():
        return [(e.action, e.actor_id, e.before, e.after) for e in DomainAuditDAO.entries(subject)]


def test_the_built_in_catalog_is_seeded_as_version_one(app: Any) -> None:
    from superset_review.domains.dao import DomainCatalogDAO

    with app.app_context():
        first = DomainCatalogDAO.get_version(1)
        assert first is not None and first.source == "builtin"
        assert first.content_hash == builtin_catalog().content_hash
    assert _live(app).content_hash == builtin_catalog().content_hash


def test_a_staged_delta_is_stored_with_its_base_version_and_audited(app: Any) -> None:
    from superset_review.domains.dao import DomainDeltaDAO

    live = _live(app)
    key = _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    with app.app_context():
        delta = DomainDeltaDAO.find_by_uuid(key)
        assert delta is not None
        assert (delta.state, delta.base_version, delta.created_by) == ("staged", live.version, _actor(app))
    [(action, actor, before, after)] = _audit(app, f"delta:{key}")
    assert (action, actor, before, after["payload"]) == ("stage", _actor(app), None, {"alias": "courriel",
                                                                                        "language": "fr"})  # fmt: skip
    # Staged, not live.
    assert "courriel" not in set(_live(app).catalog.by_name["contact.email"].alias_phrases())
    # The same change again is the same delta.
    assert _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"}) == key


@pytest.mark.parametrize(
    ("kind", "domain", "payload", "field"),
    [
        ("add_alias", "no.such", {"alias": "x"}, "domain"),
        ("add_regex", "contact.email", {"regex": "(a"}, "payload.regex"),
        ("add_alias", "contact.email", {"alias": "Email Address"}, "payload.alias"),
        ("rename", "contact.email", {}, "kind"),
        ("add_domain", "product.lot_code", {"aliases": {"en": ["lot"]}, "units": ["parsec"]}, "payload.units[0]"),
    ],
)
def test_a_bad_delta_is_refused_with_its_field_and_nothing_is_stored(
    app: Any, kind: str, domain: str, payload: dict[str, Any], field: str
) -> None:
    from superset_review.domains.commands.stage_delta import StageDeltaCommand
    from superset_review.domains.dao import DomainDeltaDAO
    from superset_review.domains.exceptions import BadDeltaError

    with app.app_context():
        before = DomainDeltaDAO.count_staged()
        with pytest.raises(BadDeltaError) as raised:
            StageDeltaCommand(_actor(app), kind, domain, payload).run()
        assert raised.value.status == 422
        assert field in {p["field"] for p in raised.value.details["problems"]}
        assert DomainDeltaDAO.count_staged() == before


def test_promotion_makes_a_new_live_version_with_provenance_audit_and_fresh_caches(app: Any) -> None:
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.dao import DomainCatalogDAO, DomainDeltaDAO
    from superset_review.domains.live import live_catalog, live_classifier

    before = _live(app)
    with app.app_context():
        old_classifier = live_classifier()
    alias = _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"}, MANAGER)
    regex = _stage(app, "add_regex", "identifier.order_id", {"regex": "ORD-[0-9]{6}", "strength": 0.9})
    with app.app_context():
        promoted = PromoteCatalogCommand(_actor(app), before.version).run()
        assert (promoted.version, promoted.parent_version, promoted.source) == (before.version + 1, before.version,
                                                                                "promotion")  # fmt: skip
        provenance = promoted.provenance
        assert [(d["uuid"], d["author"]) for d in provenance["deltas"]] == [(alias, _actor(app, MANAGER)),
                                                                            (regex, _actor(app))]  # fmt: skip
        assert provenance["test"]["passed"] is True and provenance["parent_hash"] == before.content_hash
        # One live version; the old one retired, kept.
        live_rows = [v for v in DomainCatalogDAO.versions() if v.state == "live"]
        assert [v.version for v in live_rows] == [promoted.version]
        assert DomainCatalogDAO.get_version(before.version).state == "retired"
        for key in (alias, regex):
            delta = DomainDeltaDAO.find_by_uuid(key)
            assert (delta.state, delta.promoted_in_version) == ("promoted", promoted.version)
        # This process's caches: a new catalog and a new classifier.
        live = live_catalog()
        assert (live.version, live.content_hash) == (promoted.version, promoted.content_hash)
        assert "courriel" in set(live.catalog.by_name["contact.email"].alias_phrases())
        assert live_classifier() is not old_classifier
        assert live_classifier().catalog.content_hash == promoted.content_hash
    [(action, actor, audit_before, audit_after)] = _audit(app, f"catalog:{promoted.version}")
    assert (action, actor) == ("promote", _actor(app))
    assert audit_before["version"] == before.version and audit_after["version"] == promoted.version
    assert audit_after["deltas"] == [alias, regex]


def _answer(process: subprocess.Popen[str]) -> list[str]:
    """The next answer of the second process (Superset prints lines of its own at start)."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("LIVE "):
            return line.split()[1:]
    raise AssertionError("the second process ended without answering")


def test_another_process_sees_a_promotion_on_its_next_read(app: Any, service_env: dict[str, str]) -> None:
    """A second Superset process builds its cached catalog, the test promotes in this one, and the second one's next
    read is the promoted catalog (its cache is keyed by the live stamp in the metadata database)."""
    from superset_review.domains.commands.promote import PromoteCatalogCommand

    script = (
        "import sys\n"
        "from superset.app import create_app\n"
        "from superset_review.domains.live import live_catalog\n"
        "app = create_app()\n"
        "for line in sys.stdin:\n"
        "    with app.app_context():\n"
        "        live = live_catalog()\n"
        "        print('LIVE', live.version, 'courriel' in set(live.catalog.by_name['contact.email'].alias_phrases()),"
        " flush=True)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, env={**os.environ, **service_env},
    )  # fmt: skip
    try:
        assert other.stdin is not None and other.stdout is not None
        before = _live(app).version
        other.stdin.write("read\n")
        other.stdin.flush()
        assert _answer(other) == [str(before), "False"]
        _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
        with app.app_context():
            PromoteCatalogCommand(_actor(app), before).run()
        other.stdin.write("read\n")
        other.stdin.flush()
        assert _answer(other) == [str(before + 1), "True"]
    finally:
        other.kill()
        other.wait()


def test_a_stale_expected_version_is_a_409_and_changes_nothing(app: Any) -> None:
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.exceptions import CatalogChangedError

    live = _live(app)
    _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    with app.app_context(), pytest.raises(CatalogChangedError) as raised:
        PromoteCatalogCommand(_actor(app), live.version - 1).run()
    assert raised.value.status == 409
    assert raised.value.details == {"expected_version": live.version - 1, "current_version": live.version}
    assert _live(app).version == live.version


def test_a_failing_delta_is_a_422_listing_the_failing_domain_and_the_live_catalog_is_untouched(app: Any) -> None:
    from superset_review.domains.commands.auto_test import TestStagedCatalogCommand
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.dao import DomainDeltaDAO
    from superset_review.domains.exceptions import CatalogTestFailedError

    live = _live(app)
    phones = list(builtin_catalog().by_name["contact.phone"].examples)
    bad = _stage(app, "add_domain", "product.misc_code", {
        "description": "x", "aliases": {"en": ["misc code"], "ru": ["прочий код"]}, "kind": "code",
        "regexes": ["[A-Z]{2}-[0-9]{4}"], "pattern_required": True, "examples": phones, "parent": "product"})  # fmt: skip
    good = _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    with app.app_context():
        with pytest.raises(CatalogTestFailedError) as raised:
            PromoteCatalogCommand(_actor(app), live.version).run()
        assert raised.value.status == 422 and raised.value.code == "CATALOG_TEST_FAILED"
        assert list(raised.value.details["failures"]) == ["product.misc_code"]
        assert "product.misc_code (misc code)" in raised.value.message
        assert DomainDeltaDAO.find_by_uuid(bad).state == "staged"
        # The test, run on its own, keeps each delta's result.
        result = TestStagedCatalogCommand(_actor(app)).run()
        assert not result.passed
        assert DomainDeltaDAO.find_by_uuid(bad).test["passed"] is False
        assert DomainDeltaDAO.find_by_uuid(good).test["passed"] is True
    after = _live(app)
    assert (after.version, after.content_hash) == (live.version, live.content_hash)


def test_two_concurrent_promotions_leave_exactly_one_live_version(app: Any) -> None:
    from superset.extensions import db

    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.dao import DomainCatalogDAO
    from superset_review.domains.exceptions import DomainCatalogError

    live = _live(app)
    _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def promote() -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(f"ok {PromoteCatalogCommand(_actor(app), live.version).run().version}")
            except DomainCatalogError as error:
                outcomes.append(f"{error.status} {error.code}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=promote) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["409 CATALOG_CHANGED", f"ok {live.version + 1}"], outcomes
    with app.app_context():
        assert [v.version for v in DomainCatalogDAO.versions() if v.state == "live"] == [live.version + 1]


def test_an_import_with_problems_is_refused_whole_and_the_live_catalog_is_kept(app: Any) -> None:
    from superset_review.domains.commands.import_catalog import ImportCatalogCommand
    from superset_review.domains.exceptions import CatalogRefusedError

    live = _live(app)
    with app.app_context(), pytest.raises(CatalogRefusedError) as raised:
        ImportCatalogCommand(_actor(app), BROKEN, "/somewhere/acme.yaml").run()
    problems = {(p["line"], p["field"]) for p in raised.value.details["problems"]}
    assert (9, "domains[0].regexes[0]") in problems and (10, "domains[0].units[0]") in problems
    assert "acme.yaml" in raised.value.message and "/somewhere" not in raised.value.message
    after = _live(app)
    assert (after.version, after.content_hash) == (live.version, live.content_hash)


def test_an_import_extends_the_live_catalog_as_a_new_version(app: Any) -> None:
    from superset_review.domains.commands.import_catalog import ImportCatalogCommand

    live = _live(app)
    with app.app_context():
        command = ImportCatalogCommand(_actor(app), LOYALTY, "acme.yaml")
        version = command.run()
        assert command.changed and version.source == "import:acme.yaml"
        assert version.provenance["domains"] == {"added": ["identifier.loyalty_card"], "replaced": [], "removed": []}
        assert version.provenance["mode"] == "extend" and version.provenance["test"]["passed"] is True
        # The same file again changes nothing.
        again = ImportCatalogCommand(_actor(app), LOYALTY, "acme.yaml")
        assert again.run().version == version.version and not again.changed
    after = _live(app)
    assert after.version == live.version + 1 and "identifier.loyalty_card" in after.catalog.by_name
    assert len(after.catalog.domains) == len(live.catalog.domains) + 1
    [(action, _, before, audit_after)] = _audit(app, f"catalog:{after.version}")
    assert action == "import" and before["version"] == live.version and audit_after["mode"] == "extend"


def test_the_cli_imports_refuses_and_prints_the_live_catalog(app: Any, service_env: dict[str, str],
                                                             tmp_path: Path) -> None:  # fmt: skip
    import json

    broken, good = tmp_path / "broken.yaml", tmp_path / "acme.yaml"
    broken.write_text(BROKEN)
    good.write_text(LOYALTY)
    live = _live(app)
    refused = run_cli(["domains", "import", str(broken)], service_env)
    assert refused.returncode == 2
    assert "line 9: domains[0].regexes[0]" in refused.stderr and "line 10: domains[0].units[0]" in refused.stderr
    assert _live(app).version == live.version
    imported = run_cli(["domains", "import", str(good)], service_env)
    assert imported.returncode == 0, imported.stderr
    assert f"catalog version {live.version + 1} is live (import:acme.yaml, extend: 1 added" in imported.stdout
    printed = run_cli(["domains", "catalog", "--format", "json"], service_env)
    assert printed.returncode == 0, printed.stderr
    document = json.loads(printed.stdout)
    assert document["live_version"] == live.version + 1
    assert "identifier.loyalty_card" in {d["name"] for d in document["domains"]}
    assert document["hash"] == _live(app).content_hash


def test_gamma_and_a_manager_cannot_promote(app: Any) -> None:
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.domains.exceptions import CurateRequiredError

    live = _live(app)
    _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    for username in (GAMMA, MANAGER, READER):
        with app.app_context(), pytest.raises(CurateRequiredError) as raised:
            PromoteCatalogCommand(_actor(app, username), live.version).run()
        assert raised.value.status == 403
    assert _live(app).version == live.version
