"""Mapping and analysis on what Ingest really writes (not hand-built bodies): a partner's CSV with a US date
format, pounds, padded amounts and split names, into a YAML target; run in process as the admin, the stages chained
as the run's task chains them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from superset_review.onboarding.analysis import run_analysis
from superset_review.onboarding.contract import contract_hash, load_contract
from superset_review.onboarding.ingest import run_domains, run_ingest
from superset_review.onboarding.mapping import run_mapping
from superset_review.onboarding.models import ArtifactKind, RunMode
from superset_review.onboarding.profiles import default_profile
from superset_review.onboarding.stages import RunContext
from tests.leaks import register_sensitive
from tests.users import ADMIN, user

ROWS = 60
TARGET = """name: customers
columns:
  - {name: full_name, dtype: string, domain: person.full_name, pii: PERSON}
  - {name: weight_kg, dtype: float, domain: measure.weight}
  - {name: signup_date, dtype: date}
  - {name: amount, dtype: float, domain: money.amount}
  - {name: email, dtype: string, domain: contact.email, pii: EMAIL}
  - {name: loyalty_tier, dtype: string, required: true}
"""


def partner_csv(path: Path) -> Path:
    lines = ["First Name,Last Name,Weight (lb),Signup,Amount,E-Mail"]
    emails = [f"ann{n}@example.com" for n in range(ROWS)]
    for n in range(ROWS):
        lines.append(f"Ann{n},Lee{n},{150 + n},{n % 12 + 1:02d}/{n % 28 + 1:02d}/2024,{n}.5,{emails[n]}")
    register_sensitive("mapping_partner_csv", {"e_mail": emails})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_partner_csv_maps_onto_a_yaml_target(app: Any, tmp_path: Path) -> None:
    from superset.utils.core import override_user

    source = partner_csv(tmp_path / "partner.csv")
    contract = load_contract(
        {"mode": "data_mode", "lhs": {"source": {"type": "file"}, "location": "upload"},
         "rhs": {"source": {"type": "sql"}, "location": "yaml", "schema_ref": TARGET}},
        ADMIN,
    )  # fmt: skip
    ctx = RunContext(contract["run_id"], contract, contract_hash(contract), RunMode.DATA_MODE, default_profile(),
                     tmp_path / "run", source_path=source, source_name="partner.csv")  # fmt: skip
    with app.test_request_context(), override_user(user(ADMIN)):
        artifacts = {artifact.kind: artifact for artifact in run_ingest(ctx)}
        catalog = artifacts[ArtifactKind.CATALOG].body
        catalog = next(a.body for a in run_domains(ctx, catalog) if a.kind == ArtifactKind.CATALOG)
        target = artifacts[ArtifactKind.TARGET_SCHEMA].body
        sample = artifacts[ArtifactKind.SAMPLE_PACK].path
        outcome = run_mapping(ctx, catalog, target, sample)
        [analysis] = run_analysis(ctx, catalog, target, outcome.mappings, sample)
    mappings = {mapping.target: mapping for mapping in outcome.mappings}
    full_name = mappings["full_name"]
    assert (full_name.strategy, full_name.sources) == ("compose", ["first_name", "last_name"]), full_name
    assert full_name.success_rate == 1.0
    weight = mappings["weight_kg"]
    assert weight.strategy == "unit" and {"op": "unit_convert", "from": "lb", "to": "kg"} in weight.dsl["ops"]
    signup = mappings["signup_date"]
    assert signup.sources == ["signup"] and signup.success_rate == 1.0, signup
    assert signup.dsl["ops"] == [{"op": "trim", "side": "both"}, {"op": "date_parse", "format": "%m/%d/%Y"}]
    assert not any(reason.startswith("also tried") for reason in signup.rationale), "one candidate, not itself twice"
    assert mappings["amount"].success_rate == 1.0 and mappings["email"].decision == "accept"
    assert (mappings["loyalty_tier"].strategy, mappings["loyalty_tier"].decision) == ("none", "fix")
    text = repr(outcome.artifacts[0].body) + repr(analysis.body)
    assert "ann7@example.com" not in text and "Ann7 Lee7" not in text, "examples are masked"
    kinds = {(anomaly["kind"], anomaly["target"]) for anomaly in analysis.body["anomalies"]}
    assert ("required_unmapped", "loyalty_tier") in kinds
    assert analysis.body["data"]["distribution"]["target_sample"]["rows"] is None
