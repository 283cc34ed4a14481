"""schemathesis against the real app: every operation of the extension's OpenAPI spec (as Superset serves it), with
bodies, parameters and ids it generates (valid and invalid ones), answers no undocumented 5xx and nothing that breaks
the schema it documents.

Each operation runs twice: with generated path ids (mostly reviews that do not exist) and on a review the user owns,
made fresh for the operation (so that a DELETE or an archive does not starve the next one). Examples are bounded per
operation and the seed is fixed: the same cases every run. What was tried and what it found is written to
test-artifacts/openapi-fuzz.json.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.users import ADMIN, login

PREFIX = "/api/v1/dataset_review/"
EXAMPLES = 12
SEED = 20261201


def review_spec(client: Any) -> dict[str, Any]:
    """Superset's OpenAPI document with only the extension's paths."""
    spec = dict(client.get("/api/v1/_openapi").json)
    spec["paths"] = {path: item for path, item in spec["paths"].items() if path.startswith(PREFIX)}
    return spec


def session_cookie(client: Any) -> dict[str, str]:
    cookie = client.get_cookie("session")
    assert cookie is not None, "logged in"
    return {"session": cookie.value}


class Findings:
    """What the suite tried and what it found, per operation."""

    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.statuses: dict[str, Counter[int]] = {}
        self.failures: list[dict[str, Any]] = []


def fuzz(app: Any, operation: Any, mode: GenerationMode, path_parameters: dict[str, Any] | None,
         cookies: dict[str, str], findings: Findings) -> None:  # fmt: skip
    """EXAMPLES cases of one operation in one mode: each call's status counted, each problem recorded."""
    label = f"{operation.method.upper()} {operation.path}"
    documented = {str(code) for code in operation.definition.raw.get("responses", {})}
    statuses = findings.statuses.setdefault(label, Counter())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def exercise(case: Any) -> None:
        # Superset compresses its answers; the WSGI client does not decompress them.
        response = case.call(app=app, cookies=cookies, headers={"Accept-Encoding": "identity"})
        findings.tried[label] += 1
        statuses[response.status_code] += 1
        problems = []
        if response.status_code >= 500 and str(response.status_code) not in documented:
            problems.append(f"undocumented {response.status_code}: {response.text[:300]}")
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except BaseException as error:  # noqa: BLE001 - schemathesis's FailureGroup, collected for the report
            problems.append(str(error)[:600])
        if problems:
            request = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"[:600]
            findings.failures.append({"operation": label, "mode": mode.value, "problems": problems, "request": request})

    exercise()


def test_every_operation_holds_under_generated_input(
    app: Any, client: Any, examples: dict[str, int], artifacts: Path
) -> None:
    login(client, ADMIN)
    schema = schemathesis.openapi.from_dict(review_spec(client))
    cookies = session_cookie(client)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25, "every endpoint of the extension is in the spec"

    def fresh_review() -> int:
        started = client.post(f"{PREFIX}sessions/", json={"source": str(examples["templated"])})
        assert started.status_code == 201, started.json
        return int(started.json["id"])

    findings = Findings()
    for operation in operations:
        passes: list[dict[str, Any] | None] = [None]
        if "{pk}" in operation.path and "/sessions/" in operation.path:
            passes.append({"pk": fresh_review()})
        for path_parameters in passes:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(app, operation, mode, path_parameters, cookies, findings)

    failures = findings.failures
    report = {
        "operations": len(operations),
        "examples_per_operation_and_mode": EXAMPLES,
        "seed": SEED,
        "requests": sum(findings.tried.values()),
        "statuses": {label: dict(counts) for label, counts in findings.statuses.items()},
        "failures": failures,
    }
    (artifacts / "openapi-fuzz.json").write_text(json.dumps(report, indent=2, default=str))
    assert all(findings.tried[f"{op.method.upper()} {op.path}"] > 0 for op in operations), "every operation was called"
    broken = sorted({failure["operation"] for failure in failures})
    assert failures == [], f"{len(broken)} of {len(operations)} operations failed: {broken}\n{failures[:5]}"


def _resolved(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def edge_cases(spec: dict[str, Any], operation: dict[str, Any]) -> list[tuple[str, dict[str, str], bytes]]:
    """(what, headers, body) that hypothesis seldom draws: the wrong media type, no body, broken JSON, JSON nested
    thousands deep, and for each field of the documented body an integer beyond any database's range and a string far
    longer than any column."""
    content = (operation.get("requestBody") or {}).get("content", {})
    cases: list[tuple[str, dict[str, str], bytes]] = [
        ("text/plain", {"Content-Type": "text/plain"}, b'{"version": 1}'),
        ("no content type", {}, b'{"version": 1}'),
        ("broken JSON", {"Content-Type": "application/json"}, b'{"version": '),
        ("5000 deep", {"Content-Type": "application/json"}, b'{"a": ' * 5000 + b"1" + b"}" * 5000),
        ("a JSON array", {"Content-Type": "application/json"}, b"[]"),
    ]
    schema = _resolved(spec, content.get("application/json", {}).get("schema", {}))
    for name, field in (schema.get("properties") or {}).items():
        field = _resolved(spec, field)
        for value in (2**63, -(2**63), "x" * 100_000, {"i18n": {"x": {"msgid": "%(a)900000000s", "params": {}}}}):
            body = json.dumps({"version": 1, name: value}).encode()
            cases.append((f"{name}={str(value)[:20]}", {"Content-Type": "application/json"}, body))
        if field.get("type") == "array":
            body = json.dumps({"version": 1, name: [{"x": "y"}] * 5000}).encode()
            cases.append((f"{name}=5000 items", {"Content-Type": "application/json"}, body))
    return cases


def test_every_operation_answers_edge_cases_with_4xx(
    app: Any, client: Any, examples: dict[str, int], artifacts: Path
) -> None:
    """Each operation on a review the user owns (and with an id beyond the integer range), fed the edge cases: a 4xx
    with a message every time, or the endpoint's own success (a body it may ignore), never a 5xx."""
    login(client, ADMIN)
    spec = client.get("/api/v1/_openapi").json
    tried, wrong = 0, []
    for path, item in spec["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method, operation in item.items():
            if method not in ("post", "put", "delete", "get"):
                continue
            urls = [path]
            if "{pk}" in path:
                started = client.post(f"{PREFIX}sessions/", json={"source": str(examples["templated"])})
                pk = started.json["id"] if "/sessions/" in path else examples["templated"]
                urls = [path.replace("{pk}", str(pk)), path.replace("{pk}", str(2**63))]
            urls = [url.replace("{task_id}", "not-a-task") for url in urls]
            cases = edge_cases(spec, operation) if method in ("post", "put") else [("no body", {}, b"")]
            for url in urls:
                for what, headers, body in cases:
                    response = client.open(url, method=method.upper(), data=body, headers=headers)
                    tried += 1
                    said = response.is_json and bool((response.json or {}).get("message"))
                    documented = str(response.status_code) in operation.get("responses", {})
                    server_error = response.status_code >= 500 and not documented  # health's 503 is its answer
                    if server_error or (400 <= response.status_code < 500 and not said):
                        wrong.append({"operation": f"{method.upper()} {path}", "url": url[:80], "case": what,
                                      "status": response.status_code,
                                      "body": response.get_data(as_text=True)[:200]})  # fmt: skip
    (artifacts / "openapi-edge-cases.json").write_text(json.dumps({"requests": tried, "wrong": wrong}, indent=1))
    assert tried > 300
    assert wrong == [], f"{len(wrong)} of {tried}: {wrong[:6]}"
