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
from tests.users import ADMIN, GAMMA, MANAGER, READER, RUNNER, login, user

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
        # The refusal kept each delta's result, and is in the audit log.
        assert DomainDeltaDAO.find_by_uuid(bad).test["passed"] is False
        assert DomainDeltaDAO.find_by_uuid(good).test == {"passed": True, "applies": True, "failures": [],
                                                          "catalog_passed": False, "base_version": live.version,
                                                          "tested_on": DomainDeltaDAO.find_by_uuid(good).test["tested_on"]}  # fmt: skip
        DomainDeltaDAO.find_by_uuid(bad).test = None
        # The test, run on its own, keeps each delta's result.
        result = TestStagedCatalogCommand(_actor(app)).run()
        assert not result.passed
        assert DomainDeltaDAO.find_by_uuid(bad).test["passed"] is False
        assert DomainDeltaDAO.find_by_uuid(good).test["passed"] is True
    after = _live(app)
    assert (after.version, after.content_hash) == (live.version, live.content_hash)
    refusals = [entry for entry in _audit(app, "catalog:staged") if entry[0] == "promote_refused"]
    assert refusals and refusals[0][3]["failing_domains"] == ["product.misc_code"]


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


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_catalog_api_reads_for_can_read_and_refuses_gamma(app: Any, client: Any) -> None:
    login(client, READER)
    got = client.get(f"{CATALOG_API}/catalog")
    assert got.status_code == 200, got.json
    live = _live(app)
    assert (got.json["version"], got.json["content_hash"], got.json["state"]) == (live.version, live.content_hash,
                                                                                  "live")  # fmt: skip
    assert got.json["staged"] == 0 and len(got.json["catalog"]["domains"]) == len(live.catalog.domains)
    versions = client.get(f"{CATALOG_API}/catalog/versions?limit=5")
    assert versions.status_code == 200 and versions.json["result"][0]["version"] == live.version
    assert client.get(f"{CATALOG_API}/catalog/versions?limit=²").status_code == 400
    profile = client.get(f"{CATALOG_API}/profile")
    assert profile.status_code == 200 and profile.json["profile"]["name"] == "tp_default_v1"
    assert client.get(f"{CATALOG_API}/deltas?state=nonsense").status_code == 400
    assert client.post(f"{CATALOG_API}/deltas", json={"kind": "add_alias", "domain": "contact.email",
                                                       "payload": {"alias": "courriel"}}).status_code == 403  # fmt: skip
    login(client, GAMMA)
    assert client.get(f"{CATALOG_API}/catalog").status_code == 403


def test_stage_discard_test_and_promote_through_the_api(app: Any, client: Any) -> None:
    live = _live(app)
    login(client, MANAGER)
    staged = client.post(f"{CATALOG_API}/deltas", json={"kind": "add_alias", "domain": "contact.email",
                                                         "payload": {"alias": "courriel", "language": "fr"},
                                                         "origin": {"note": "from the API test"}})  # fmt: skip
    assert staged.status_code == 201, staged.json
    assert (staged.json["state"], staged.json["base_version"]) == ("staged", live.version)
    other = client.post(f"{CATALOG_API}/deltas", json={"kind": "add_example", "domain": "contact.email",
                                                        "payload": {"example": "new.person@example.org"}})  # fmt: skip
    assert other.status_code == 201
    bad = client.post(f"{CATALOG_API}/deltas", json={"kind": "add_regex", "domain": "contact.email",
                                                      "payload": {"regex": "(a"}})  # fmt: skip
    assert bad.status_code == 422 and bad.json["error_code"] == "BAD_DELTA"
    assert bad.json["problems"][0]["field"] == "payload.regex"
    assert client.post(f"{CATALOG_API}/deltas", json={"kind": "add_alias"}).status_code == 400
    assert client.post(f"{CATALOG_API}/deltas", json={"kind": "add_alias", "domain": "contact.email",
                                                       "payload": "text"}).status_code == 422  # fmt: skip
    # A curator's actions are not a manager's.
    assert client.post(f"{CATALOG_API}/catalog/test").status_code == 403
    assert client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": live.version}).status_code == 403
    assert client.get(f"{CATALOG_API}/audit").status_code == 403
    listed = client.get(f"{CATALOG_API}/deltas")
    assert [d["uuid"] for d in listed.json["result"]] == [staged.json["uuid"], other.json["uuid"]]
    # Another person's delta: only a curator discards it; its author may.
    login(client, RUNNER)
    refused = client.delete(f"{CATALOG_API}/deltas/{other.json['uuid']}")
    assert refused.status_code == 403 and refused.json["error_code"] == "CURATE_REQUIRED"
    login(client, MANAGER)
    discarded = client.delete(f"{CATALOG_API}/deltas/{other.json['uuid']}")
    assert discarded.status_code == 200 and discarded.json["state"] == "discarded"
    assert client.delete(f"{CATALOG_API}/deltas/{other.json['uuid']}").status_code == 409
    assert client.delete(f"{CATALOG_API}/deltas/not-a-uuid").status_code == 404
    login(client, ADMIN)
    tested = client.post(f"{CATALOG_API}/catalog/test")
    assert tested.status_code == 200 and tested.json["passed"] is True
    assert list(tested.json["deltas"]) == [staged.json["uuid"]]
    stale = client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": live.version + 7})
    assert stale.status_code == 409 and stale.json["error_code"] == "CATALOG_CHANGED"
    promoted = client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": live.version})
    assert promoted.status_code == 200, promoted.json
    assert promoted.json["version"] == live.version + 1 and promoted.json["state"] == "live"
    assert [d["uuid"] for d in promoted.json["provenance"]["deltas"]] == [staged.json["uuid"]]
    got = client.get(f"{CATALOG_API}/catalog")
    assert got.json["version"] == live.version + 1 and got.json["staged"] == 0
    email = next(d for d in got.json["catalog"]["domains"] if d["name"] == "contact.email")
    assert "courriel" in email["aliases"]["fr"]
    nothing = client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": live.version + 1})
    assert nothing.status_code == 422 and nothing.json["error_code"] == "NOTHING_STAGED"
    audit = client.get(f"{CATALOG_API}/audit?subject=delta:*&limit=10")
    assert audit.status_code == 200
    actions = [(row["action"], row["subject"]) for row in audit.json["result"]]
    assert ("discard", f"delta:{other.json['uuid']}") in actions and (
        "stage",
        f"delta:{staged.json['uuid']}",
    ) in actions
    discard = next(row for row in audit.json["result"] if row["action"] == "discard")
    assert (discard["before"]["state"], discard["after"]["state"]) == ("staged", "discarded")
    promote = client.get(f"{CATALOG_API}/audit?subject=catalog:{live.version + 1}").json["result"]
    assert promote[0]["action"] == "promote" and promote[0]["before"]["version"] == live.version


def test_a_failing_promotion_through_the_api_is_a_422_naming_the_domain(app: Any, client: Any) -> None:
    live = _live(app)
    login(client, ADMIN)
    phones = list(builtin_catalog().by_name["contact.phone"].examples)
    staged = client.post(f"{CATALOG_API}/deltas", json={"kind": "add_domain", "domain": "product.misc_code", "payload": {
        "description": "x", "aliases": {"en": ["misc code"], "ru": ["прочий код"]}, "kind": "code",
        "regexes": ["[A-Z]{2}-[0-9]{4}"], "pattern_required": True, "examples": phones, "parent": "product"}})  # fmt: skip
    assert staged.status_code == 201, staged.json
    failed = client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": live.version})
    assert failed.status_code == 422 and failed.json["error_code"] == "CATALOG_TEST_FAILED"
    assert "product.misc_code" in failed.json["message"] and list(failed.json["failures"]) == ["product.misc_code"]
    assert client.get(f"{CATALOG_API}/catalog").json["version"] == live.version


def test_a_reviews_cached_document_is_keyed_by_the_catalog_version(
    app: Any, client: Any, examples: dict[str, int]
) -> None:
    """The review document cached in Redis names the catalog version in its key: a promotion serves a fresh one."""
    from superset_review.domains.commands.promote import PromoteCatalogCommand
    from superset_review.sessions.dao import ReviewSessionDAO

    login(client, ADMIN)
    started = client.post("/api/v1/dataset_review/sessions/", json={"source": str(examples["sales"])})
    assert started.status_code == 201, started.json
    pk, admin = int(started.json["id"]), _actor(app)
    with app.app_context():
        before = ReviewSessionDAO.document_key(pk, admin, True)
    live = _live(app)
    _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
    with app.app_context():
        PromoteCatalogCommand(admin, live.version).run()
        after = ReviewSessionDAO.document_key(pk, admin, True)
    assert before.endswith(f":{live.version}") and after == before.removesuffix(str(live.version)) + str(
        live.version + 1
    )
    assert client.get(f"/api/v1/dataset_review/sessions/{pk}").status_code == 200


def test_hostile_delta_bodies_are_4xx(client: Any) -> None:
    login(client, MANAGER)
    deep: Any = "x"
    for _ in range(12):
        deep = {"a": deep}
    cases = [
        ({"kind": "add_alias", "domain": "contact.email", "payload": deep}, 400),
        ({"kind": "add_alias", "domain": "contact.email", "payload": {"alias": "x" * 30_000}}, 400),
        ({"kind": "add_domain", "domain": "product.big", "payload": {"examples": ["x" * 200] * 60}}, 422),
        ({"kind": "add_alias", "domain": "d" * 500, "payload": {"alias": "x"}}, 400),
        ({"kind": "add_alias", "domain": "contact.email", "payload": {"alias": "x"}, "origin": ["list"]}, 422),
        ({"kind": "add_regex", "domain": "contact.email", "payload": {"regex": "(a+)+$" * 50, "strength": "1"}}, 422),
    ]
    for body, status in cases:
        answer = client.post(f"{CATALOG_API}/deltas", json=body)
        assert answer.status_code == status, (body if len(str(body)) < 200 else str(body)[:200], answer.json)
        assert answer.json["message"]
