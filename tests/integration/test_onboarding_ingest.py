"""The Ingest and Domains stages against the real app: files of every format into the catalog, a Superset table or
query of the suite's PostgreSQL read as the run's owner (and refused to a user without access), targets from a
dataset or YAML, the Sample Pack deterministic and masked, the domains of every column."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import psycopg2
import pytest

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.onboarding.contract import contract_hash, load_contract
from superset_review.onboarding.ingest import run_domains, run_ingest
from superset_review.onboarding.models import ArtifactKind, RunMode
from superset_review.onboarding.profiles import default_profile
from superset_review.onboarding.stages import ArtifactOut, RunContext
from tests.datasets import register_dataset
from tests.services import Services
from tests.users import ADMIN, MANAGER, READER, user

TABLE = "ingest_orders"  # this module's own table and dataset: no other test reads or changes them
PEOPLE = [
    ("Ann Lee", "ann.lee@example.com", "+1 (415) 555-0132"),
    ("Bo Chen", "bo.chen@example.org", "+44 20 7946 0958"),
    ("Cy Park", "cy.park@example.net", "+49 30 1234567"),
    ("Di Ross", "di.ross@example.com", "(212) 555-0188"),
]
TARGET_YAML = """
name: crm_contacts
columns:
  - {name: contact_name, dtype: string, required: true}
  - {name: email, dtype: string, pii: EMAIL}
  - {name: order_total, dtype: float}
  - {name: ordered_on, dtype: date}
"""


USER_IDS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def user_ids(app: Any) -> None:
    with app.app_context():
        USER_IDS.update({name: int(user(name).id) for name in (ADMIN, MANAGER, READER)})


def orders_csv(rows: int = 200) -> str:
    lines = ["Order ID,Customer Name,E-mail,Phone,Order Total,Order Date,Region"]
    for index in range(rows):
        name, email, phone = PEOPLE[index % len(PEOPLE)]
        lines.append(f'{1000 + index}, {name} ,{email},"{phone}",{index * 1.5:.2f},2024-{1 + index % 12:02d}-15,'
                     f"{('north', 'south', 'east')[index % 3]}")  # fmt: skip
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def orders_dataset(app: Any, services: Services) -> Iterator[dict[str, int]]:
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (order_id bigint NOT NULL, contact_name text, email text, "
                       "order_total numeric(10, 2), ordered_on date, region varchar(20))")  # fmt: skip
        cursor.executemany(
            f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s, %s, %s)",
            [(i, PEOPLE[i % 4][0], PEOPLE[i % 4][1], i * 2.5, f"2024-0{1 + i % 9}-01", ("north", "south")[i % 2])
             for i in range(120)],
        )  # fmt: skip
    connection.close()
    with app.app_context():
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db

        dataset_id = register_dataset(services, TABLE)
        database_id = int(db.session.get(SqlaTable, dataset_id).database_id)
        from superset_review.domains.models import ColumnDomainAssignment

        db.session.add(ColumnDomainAssignment(dataset_id=dataset_id, column_name="email", domain="contact.email",
                                              confidence=0.97, band="high", pii="EMAIL", status="accepted",
                                              catalog_hash="test", profile_id="tp_default_v1"))  # fmt: skip
        db.session.commit()
    yield {"dataset": dataset_id, "database": database_id}
    with app.app_context():
        from superset_review.domains.models import ColumnDomainAssignment

        db.session.query(ColumnDomainAssignment).filter_by(dataset_id=dataset_id).delete()
        db.session.commit()


def context(
    tmp_path: Path,
    lhs: dict[str, Any],
    rhs: dict[str, Any] | None = None,
    mode: RunMode = RunMode.METADATA_ONLY,
    source: Path | None = None,
    name: str | None = None,
    username: str = MANAGER,
    run_dir: str = "run",
) -> RunContext:
    contract = load_contract({"lhs": lhs, "rhs": rhs or {"source": {"type": "sql"}, "location": "yaml",
                                                         "schema_ref": TARGET_YAML},
                              "mode": mode.value, "sample_caps": {"rows_max": 60, "bytes_max": 100_000}},
                             username)  # fmt: skip
    return RunContext(run_id=contract["run_id"], contract=contract, contract_hash=contract_hash(contract), mode=mode,
                      profile=default_profile(), run_dir=tmp_path / run_dir, source_path=source, source_name=name,
                      user_id=USER_IDS[username])  # fmt: skip


def file_context(tmp_path: Path, name: str, data: bytes, **kwargs: Any) -> RunContext:
    path = tmp_path / f"upload-{name}"
    path.write_bytes(data)
    return context(tmp_path, {"source": {"type": "file"}, "location": "upload"}, source=path, name=name, **kwargs)


def by_kind(artifacts: list[ArtifactOut]) -> dict[str, ArtifactOut]:
    return {artifact.kind.value: artifact for artifact in artifacts}


def columns_of(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in catalog["tables"][0]["columns"]}


def test_a_csv_in_metadata_only_gives_catalog_shim_and_target(app: Any, tmp_path: Path) -> None:
    import hashlib

    data = orders_csv().encode()
    ctx = file_context(tmp_path, "orders.csv", data)
    with app.app_context():
        artifacts = by_kind(run_ingest(ctx))
    assert set(artifacts) == {"catalog", "shim", "target_schema"}, "no Sample Pack in metadata_only"
    catalog = artifacts["catalog"].body
    assert catalog["catalog_version"] == 1 and catalog["contract_hash"] == ctx.contract_hash
    assert catalog["source"] == {"type": "file", "format": "csv", "name": "orders.csv", "encoding": "utf-8",
                                 "delimiter": ",", "bytes": len(data)}  # fmt: skip
    table = catalog["tables"][0]
    assert table["name"] == "orders" and table["row_count"] == 200
    assert table["content_hash"] == hashlib.sha256(data).hexdigest()
    columns = columns_of(catalog)
    assert {name: column["dtype"] for name, column in columns.items()} == {
        "order_id": "integer", "customer_name": "string", "e_mail": "string", "phone": "string",
        "order_total": "float", "order_date": "date", "region": "string"}  # fmt: skip
    assert columns["e_mail"]["original_name"] == "E-mail" and columns["order_id"]["min"] == "1000"
    assert columns["order_date"]["min"] == "2024-01-15" and columns["order_date"]["max"] == "2024-12-15"
    assert columns["e_mail"]["min"] is None, "a text column's extremes are row values: not in the catalog"
    assert columns["region"]["distinct_estimate"] == 3 and columns["order_total"]["null_count"] == 0
    assert "examples" not in columns["e_mail"], "no row value in metadata_only"
    shim = artifacts["shim"].body
    assert shim["dsl_version"] == "1.0.0" and catalog["shim_hash"]
    cleaning = next(p for p in shim["pipelines"] if p["target"] == "customer_name")["ops"]
    assert [op["op"] for op in cleaning] == ["trim", "collapse_whitespace"]
    target = artifacts["target_schema"].body
    assert target["name"] == "crm_contacts" and target["columns"][0]["name"] == "contact_name"


def test_the_shim_cleans_text_on_the_whole_file(app: Any, tmp_path: Path) -> None:
    """Types guessed on the first rows are proved on every row: a late value that is not a number keeps the
    column as text."""
    rows = [f"{i},  spaced   out  ,{i}" for i in range(12_000)] + ["12000,x,not a number"]
    ctx = file_context(tmp_path, "late.csv", ("id,label,count\n" + "\n".join(rows) + "\n").encode())
    with app.app_context():
        catalog = by_kind(run_ingest(ctx))["catalog"].body
    columns = columns_of(catalog)
    assert columns["id"]["dtype"] == "integer" and columns["count"]["dtype"] == "string"
    assert columns["label"]["distinct_estimate"] == 2


@pytest.mark.parametrize("encoding", ["cp1251", "utf-16"])
def test_russian_files_in_other_encodings(app: Any, tmp_path: Path, encoding: str) -> None:
    text = "Имя,Город,Сумма\n" + "".join(f"Анна {i},Москва,{i}\n" for i in range(30))
    ctx = file_context(tmp_path, "russian.csv", text.encode(encoding))
    with app.app_context():
        catalog = by_kind(run_ingest(ctx))["catalog"].body
    assert catalog["source"]["encoding"] == encoding
    assert [(c["name"], c["original_name"], c["dtype"]) for c in catalog["tables"][0]["columns"]] == [
        ("imya", "Имя", "string"), ("gorod", "Город", "string"), ("summa", "Сумма", "integer")]  # fmt: skip
    assert (ctx.run_dir / "source.utf8.csv").exists()


def test_parquet_and_json_lines(app: Any, tmp_path: Path) -> None:
    frame = pl.DataFrame({"Id": [1, 2, 3], "Name": [" a ", "b", None], "When": ["2024-01-01"] * 3,
                          "tags": [["x"], [], ["y", "z"]]})  # fmt: skip
    frame.write_parquet(tmp_path / "f.parquet")
    parquet = file_context(tmp_path, "f.parquet", (tmp_path / "f.parquet").read_bytes())
    jsonl = file_context(tmp_path, "f.jsonl", b"".join(json.dumps(row).encode() + b"\n" for row in frame.to_dicts()))
    with app.app_context():
        from_parquet = columns_of(by_kind(run_ingest(parquet))["catalog"].body)
        from_jsonl = columns_of(by_kind(run_ingest(jsonl))["catalog"].body)
    for columns in (from_parquet, from_jsonl):
        assert {n: c["dtype"] for n, c in columns.items()} == {"id": "integer", "name": "string", "when": "date",
                                                               "tags": "string"}  # fmt: skip
        assert columns["name"]["null_count"] == 1


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("orders.csv", b'{"a": 1}\n', ErrorCode.FILE_UNREADABLE, "looks like JSON lines"),
        ("orders.csv", b"a,b\n1,2\n3\n", ErrorCode.FILE_UNREADABLE, "line 3 has 1 fields"),
        ("orders.csv", b"a,b\n1,2\na,b\n", ErrorCode.FILE_UNREADABLE, "line 3 repeats the header"),
        ("orders.csv", "a,b\nä,1\n".encode() + "ж,2\n".encode("cp1251"), ErrorCode.FILE_UNREADABLE, "line 3"),
        ("orders.csv", b"", ErrorCode.FILE_UNREADABLE, "empty"),
        ("orders.csv", b"a,b\n", ErrorCode.FILE_UNREADABLE, "no rows"),
        ("rows.jsonl", b'{"a": 1}\n{"a": 2}\n[3]\n', ErrorCode.FILE_UNREADABLE, "line 3 is not a JSON object"),
    ],
)
def test_bad_files_are_refused_naming_what_was_wrong(
    app: Any, tmp_path: Path, name: str, data: bytes, code: ErrorCode, words: str
) -> None:
    ctx = file_context(tmp_path, name, data)
    with app.app_context(), pytest.raises(ReviewError) as caught:
        run_ingest(ctx)
    assert caught.value.code == code and words in caught.value.message and caught.value.status == 422


def test_a_file_over_the_limit_is_413(app: Any, tmp_path: Path) -> None:
    ctx = file_context(tmp_path, "big.csv", b"a,b\n" + b"1,2\n" * 1000)
    saved = app.config["REVIEW_ONBOARDING_MAX_FILE_BYTES"]
    app.config["REVIEW_ONBOARDING_MAX_FILE_BYTES"] = 1024
    try:
        with app.app_context(), pytest.raises(ReviewError) as caught:
            run_ingest(ctx)
    finally:
        app.config["REVIEW_ONBOARDING_MAX_FILE_BYTES"] = saved
    assert caught.value.code == ErrorCode.FILE_TOO_LARGE and caught.value.status == 413


def test_the_sample_pack_is_deterministic_capped_stratified_and_masked(app: Any, tmp_path: Path) -> None:
    data = orders_csv(500).encode()
    first = file_context(tmp_path, "orders.csv", data, mode=RunMode.DATA_MODE, run_dir="one")
    second = file_context(tmp_path, "orders.csv", data, mode=RunMode.DATA_MODE, run_dir="two")
    with app.app_context():
        one, two = by_kind(run_ingest(first)), by_kind(run_ingest(second))
    pack = one["sample_pack"].body
    assert pack == two["sample_pack"].body, "same file, same sample"
    assert pl.read_parquet(one["sample_pack"].path).equals(pl.read_parquet(two["sample_pack"].path))
    assert pack["row_count"] == 60 and pack["rows_max"] == 60 and len(pack["rows"]) == 50
    assert pack["stratified_by"] == "order_date" and pack["stratification"]["kind"] == "date"
    assert pack["stratification"]["strata"] == 12
    raw = pl.read_parquet(one["sample_pack"].path)
    assert raw.height == 60 and raw.get_column("order_date").dt.month().n_unique() == 12, "every month is drawn"
    assert Path(one["sample_pack"].path).parent == first.run_dir
    body_text = json.dumps(pack) + json.dumps(one["catalog"].body)
    for name, email, phone in PEOPLE:
        assert email not in body_text and phone not in body_text and name not in body_text
    assert raw.get_column("e_mail").is_in([p[1] for p in PEOPLE]).all(), "the raw rows are the rows"
    email_examples = columns_of(one["catalog"].body)["e_mail"]["examples"]
    assert 1 <= len(email_examples) <= 5 and all("@" not in example or "*" in example for example in email_examples)


def test_the_sample_pack_keeps_to_bytes_max(app: Any, tmp_path: Path) -> None:
    ctx = file_context(tmp_path, "orders.csv", orders_csv(500).encode(), mode=RunMode.DATA_MODE)
    ctx.contract["sample_caps"] = {"rows_max": 400, "bytes_max": 2048}
    with app.app_context():
        pack = by_kind(run_ingest(ctx))["sample_pack"]
    assert 0 < pack.body["row_count"] < 400 and pl.read_parquet(pack.path).estimated_size() <= 2048


def test_domains_in_data_mode_and_in_metadata_only(app: Any, tmp_path: Path) -> None:
    data = orders_csv(300).encode()
    with app.app_context():
        sampled = file_context(tmp_path, "orders.csv", data, mode=RunMode.DATA_MODE, run_dir="data")
        with_values = run_domains(sampled, by_kind(run_ingest(sampled))["catalog"].body)
        names_only = file_context(tmp_path, "orders.csv", data, run_dir="meta")
        without = run_domains(names_only, by_kind(run_ingest(names_only))["catalog"].body)
    assert [artifact.kind for artifact in with_values] == [ArtifactKind.CATALOG]
    found = columns_of(with_values[0].body)
    assert (found["e_mail"]["domain"], found["e_mail"]["pii"]) == ("contact.email", "EMAIL")
    assert found["e_mail"]["domain_band"] == "high" and found["phone"]["pii"] == "PHONE"
    assert all(0 <= column["domain_confidence"] <= 1 for column in found.values())
    assert with_values[0].body["domaining"]["profile_id"] == "tp_default_v1"
    assert not any(PEOPLE[0][1] in example for example in found["e_mail"]["examples"])
    headers = columns_of(without[0].body)
    assert all(column["domain_band"] != "high" for column in headers.values()), "a header alone is never high"
    assert headers["e_mail"]["domain"] == "contact.email"


def test_a_superset_table_is_read_as_the_owner(app: Any, tmp_path: Path, orders_dataset: dict[str, int]) -> None:
    location = f"{orders_dataset['database']}:public.{TABLE}"
    ctx = context(tmp_path, {"source": {"type": "sql"}, "location": location}, mode=RunMode.DATA_MODE)
    with app.app_context():
        artifacts = by_kind(run_ingest(ctx))
    catalog = artifacts["catalog"].body
    assert catalog["source"]["type"] == "sql" and catalog["source"]["format"] == "table"
    table = catalog["tables"][0]
    assert table["name"] == TABLE and table["row_count"] == 120 and len(table["content_hash"]) == 64
    columns = columns_of(catalog)
    assert {n: c["dtype"] for n, c in columns.items()} == {"order_id": "integer", "contact_name": "string",
                                                           "email": "string", "order_total": "float",
                                                           "ordered_on": "date", "region": "string"}  # fmt: skip
    assert columns["order_id"]["nullable"] is False and columns["order_id"]["physical_type"] == "BIGINT"
    assert columns["order_id"]["max"] == "119" and columns["region"]["distinct_estimate"] == 2
    assert columns["order_total"]["physical_type"].startswith("NUMERIC")
    pack = artifacts["sample_pack"].body
    assert pack["row_count"] == 60 and PEOPLE[0][1] not in json.dumps(pack)


def test_a_user_without_access_is_refused_the_table(app: Any, tmp_path: Path, orders_dataset: dict[str, int]) -> None:
    location = f"{orders_dataset['database']}:public.{TABLE}"
    for lhs in ({"source": {"type": "sql"}, "location": location},
                {"source": {"type": "sql"}, "location": f"{orders_dataset['database']}:query",
                 "schema_ref": f"SELECT email FROM {TABLE}"}):  # fmt: skip
        ctx = context(tmp_path, lhs, username=READER)
        with app.app_context(), pytest.raises(ReviewError) as caught:
            run_ingest(ctx)
        assert caught.value.code == ErrorCode.DATASET_FORBIDDEN and caught.value.status == 403


def test_a_query_source(app: Any, tmp_path: Path, orders_dataset: dict[str, int]) -> None:
    sql = f"SELECT region, count(*) AS orders, max(ordered_on) AS latest FROM {TABLE} GROUP BY region"
    lhs = {"source": {"type": "sql"}, "location": f"{orders_dataset['database']}:query", "schema_ref": sql}
    with app.app_context():
        catalog = by_kind(run_ingest(context(tmp_path, lhs)))["catalog"].body
    assert catalog["source"]["format"] == "query" and catalog["tables"][0]["row_count"] == 2
    assert {n: c["dtype"] for n, c in columns_of(catalog).items()} == {"region": "string", "orders": "integer",
                                                                       "latest": "date"}  # fmt: skip


@pytest.mark.parametrize(
    "sql",
    [
        f"DELETE FROM {TABLE}",
        f"SELECT 1; DROP TABLE {TABLE}",
        f"SELECT * INTO stolen FROM {TABLE}",
        f"WITH gone AS (DELETE FROM {TABLE} RETURNING *) SELECT * FROM gone",
        f"SELECT * FROM {TABLE} WHERE region = '{{{{ current_username() }}}}'",
        "SELEC broken",
    ],
)
def test_a_query_that_is_not_one_read_only_select_is_refused(
    app: Any, services: Services, tmp_path: Path, orders_dataset: dict[str, int], sql: str
) -> None:
    lhs = {"source": {"type": "sql"}, "location": f"{orders_dataset['database']}:query", "schema_ref": sql}
    with app.app_context(), pytest.raises(ReviewError) as caught:
        run_ingest(context(tmp_path, lhs))
    assert caught.value.code == ErrorCode.CONTRACT_INVALID and caught.value.status == 422
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        assert cursor.fetchone()[0] == 120, "nothing was written"
    connection.close()


def test_a_dataset_target_is_read_with_its_domains(app: Any, tmp_path: Path, orders_dataset: dict[str, int]) -> None:
    rhs = {"source": {"type": "sql"}, "location": f"dataset:{orders_dataset['dataset']}"}
    ctx = file_context(tmp_path, "orders.csv", orders_csv(10).encode())
    ctx = context(tmp_path, ctx.contract["lhs"], rhs, source=ctx.source_path, name="orders.csv", username=ADMIN)
    with app.app_context():
        target = by_kind(run_ingest(ctx))["target_schema"].body
    assert target["dataset_id"] == orders_dataset["dataset"] and target["name"] == TABLE
    columns = {column["name"]: column for column in target["columns"]}
    assert (columns["email"]["domain"], columns["email"]["pii"]) == ("contact.email", "EMAIL")
    assert columns["order_id"]["dtype"] == "integer" and columns["order_id"]["required"] is True
    assert columns["ordered_on"]["dtype"] == "date" and target["writable"] is True
    assert len(target["schema_hash"]) == 64


@pytest.mark.parametrize(
    ("location", "username", "code"),
    [
        ("dataset:{dataset}", READER, ErrorCode.TARGET_FORBIDDEN),
        ("dataset:987654321", MANAGER, ErrorCode.DATASET_NOT_FOUND),
    ],
)
def test_a_target_the_owner_cannot_read_is_refused(
    app: Any, tmp_path: Path, orders_dataset: dict[str, int], location: str, username: str, code: ErrorCode
) -> None:
    rhs = {"source": {"type": "sql"}, "location": location.format(dataset=orders_dataset["dataset"])}
    ctx = file_context(tmp_path, "orders.csv", orders_csv(10).encode())
    ctx = context(tmp_path, ctx.contract["lhs"], rhs, source=ctx.source_path, name="orders.csv", username=username)
    with app.app_context(), pytest.raises(ReviewError) as caught:
        run_ingest(ctx)
    assert caught.value.code == code


def test_a_yaml_target_with_a_bad_field(app: Any, tmp_path: Path) -> None:
    rhs = {
        "source": {"type": "sql"},
        "location": "yaml",
        "schema_ref": TARGET_YAML.replace("dtype: float", "dtype: money"),
    }
    ctx = file_context(tmp_path, "orders.csv", orders_csv(10).encode())
    ctx = context(tmp_path, ctx.contract["lhs"], rhs, source=ctx.source_path, name="orders.csv")
    with app.app_context(), pytest.raises(ReviewError) as caught:
        run_ingest(ctx)
    assert caught.value.code == ErrorCode.TARGET_INVALID and caught.value.details["field"] == "columns[2].dtype"
