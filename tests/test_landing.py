"""Landing days end to end, through the `ecom` command line: generator -> bronze -> silver -> raw_stage -> raw.

Runs are in-process through click's `CliRunner` with ECOM_HOME in tmp and ECOM_DATABASE_URL at a database of the
test's own (`fresh_db`, a real PostgreSQL); the timed failure cases and `ecom db shell` (which execs psql) run
as real processes. Faults are injected on the real services: a backend terminated mid-COPY, a rewritten bronze
partition, closed ports. What the warehouse holds is read back with SQL (every row's text, `_loaded_at` included),
so "exactly as it was" means byte for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from ecom_pipeline.cli import main
from ecom_pipeline.generation import TABLES, GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage import migrate
from ecom_pipeline.storage import warehouse as warehouse_module
from ecom_pipeline.storage.digest import rows_digest
from ecom_pipeline.storage.lake import MANIFEST, Lake, partition_prefix, resolve_lake
from ecom_pipeline.storage.warehouse import Warehouse

CONFIG = GeneratorConfig(seed=42)
D1, D2, D3 = (CONFIG.epoch + dt.timedelta(days=i) for i in range(3))
BRONZE_IDENTITY = dataset_identity(CONFIG)  # bronze does not depend on the PII mode
OUTER_DATABASE_URL = os.environ.get("ECOM_DATABASE_URL")  # read at import, before any test clears ECOM_*
TIME_LIMIT_S = 10


# --------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Env:
    home: Path
    url: str

    def lake(self) -> Lake:
        return resolve_lake(self.home)


def _clear_ecom_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ECOM_* variable leaks in from the outside, and nothing lands in the checkout."""
    from ecom_pipeline import paths

    _clear_ecom_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "project_root", lambda: tmp_path)


@pytest.fixture
def env(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """ECOM_HOME in tmp and ECOM_DATABASE_URL at an empty database of this test's own."""
    home = tmp_path / "home"
    monkeypatch.setenv("ECOM_HOME", str(home))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    return Env(home, fresh_db)


@pytest.fixture(scope="module")
def generated() -> dict[dt.date, dict[str, pl.DataFrame]]:
    """What the generator produces for the first three days (small scale, seed 42)."""
    return {day: generate_day(CONFIG, day) for day in (D1, D2, D3)}


def ecom(*args: str | dt.date) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def ok(*args: str | dt.date) -> Result:
    result = ecom(*args)
    assert result.exit_code == 0, f"{result.output}\n{result.stderr}\n{result.exception!r}"
    return result


def refused(*args: str | dt.date) -> str:
    """Run a command that must exit 2 with one line on stderr and no traceback; return that line."""
    result = ecom(*args)
    assert result.exit_code == 2, f"{result.output}\n{result.exception!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def run_process(args: list[str], environ: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """`python -m ecom_pipeline.cli ARGS` in a process of its own; returns it and its wall-clock seconds."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "AWS_"))}
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", *args],
        env={**base, **environ},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc, time.perf_counter() - began


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def query(url: str, statement: str | sql.Composable, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def count(url: str, schema: str, table: str, day: dt.date) -> int:
    statement = sql.SQL("SELECT count(*) FROM {} WHERE _partition_date = %s").format(sql.Identifier(schema, table))
    return query(url, statement, (day,))[0][0]


def snapshot(url: str) -> dict[str, list[str]]:
    """Every raw table and the ledger, every row as PostgreSQL's text of it (loader columns included), sorted."""
    state = {}
    for table in (*TABLES, "_ecom_partitions"):
        statement = sql.SQL("SELECT t::text FROM {} AS t ORDER BY 1").format(sql.Identifier("raw", table))
        state[table] = [r[0] for r in query(url, statement)]
    return state


def ledger(url: str) -> dict[tuple[str, dt.date], dict[str, Any]]:
    rows = query(url, "SELECT table_name, day, identity, rows, sha256, status FROM raw._ecom_partitions")
    return {(r[0], r[1]): {"identity": r[2], "rows": r[3], "sha256": r[4], "status": r[5]} for r in rows}


def manifest_bytes(lake: Lake, layer: str, table: str, day: dt.date) -> bytes:
    return lake.layer(layer).store.get(f"{partition_prefix(table, day)}/{MANIFEST}")


# ------------------------------------------------------------------------------------- the round trip


@pytest.fixture(params=["local", "s3"])
def lake_env(request: pytest.FixtureRequest, env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    """The lake under ECOM_HOME, or on S3 (moto's server over HTTP) through ECOM_LAKE_URL."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{bucket}/lake")
    return env


def test_every_table_and_day_has_the_same_rows_in_the_generator_bronze_silver_raw_and_the_ledger(
    lake_env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    ok("load", "--start", D1, "--end", D2, "--pii", "full")

    lake, book = lake_env.lake(), ledger(lake_env.url)
    assert set(book) == {(t, d) for t in TABLES for d in (D1, D2)}
    digests: dict[tuple[str, dt.date], str] = {}
    for day in (D1, D2):
        for table in TABLES:
            frame = generated[day][table]
            digest = rows_digest(table, frame)
            bronze, silver = lake.bronze.read(table, day), lake.silver.read(table, day)
            assert bronze.height == silver.height == frame.height, (table, day)
            assert rows_digest(table, bronze) == digest, f"bronze {table} {day}"
            assert rows_digest(table, silver) == digest, f"silver {table} {day}"
            assert count(lake_env.url, "raw", table, day) == frame.height, f"raw {table} {day}"
            assert book[(table, day)]["rows"] == frame.height
            assert book[(table, day)]["sha256"] == digest, f"ledger {table} {day}"
            assert book[(table, day)]["status"] == "published"
            digests[(table, day)] = digest
    warehouse = Warehouse(lake_env.url)
    for (table, day), digest in digests.items():
        raw = warehouse.read_day(table, day)
        assert raw.height == generated[day][table].height
        assert rows_digest(table, raw) == digest, f"raw {table} {day}"


def test_masked_mode_puts_masked_emails_in_raw_customers_and_records_it_in_the_identity(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    ok("load", "--start", D1, "--end", D2, "--pii", "masked")

    emails = [r[0] for r in query(env.url, "SELECT email FROM raw.customers")]
    real = set(generated[D1]["customers"]["email"]) | set(generated[D2]["customers"]["email"])
    assert len(emails) == len(real) > 0
    assert all(e.endswith("@masked.invalid") for e in emails)
    assert not set(emails) & real
    book, lake = ledger(env.url), env.lake()
    assert {e["identity"]["pii"] for e in book.values()} == {"masked"}
    for (table, day), entry in book.items():
        assert entry["sha256"] == rows_digest(table, lake.silver.read(table, day)), (table, day)
    assert lake.bronze.read("customers", D1)["email"].to_list() == generated[D1]["customers"]["email"].to_list()


# ----------------------------------------------------------------------------------- write, audit, publish


def test_stage_only_then_publish_only_are_the_two_halves_of_a_load(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    ok("load", "--stage-only")

    for table in TABLES:
        assert count(env.url, "raw", table, D1) == 0
        assert count(env.url, "raw_stage", table, D1) == generated[D1][table].height
    assert {e["status"] for e in ledger(env.url).values()} == {"staged"}

    ok("load", "--publish-only")

    for table in TABLES:
        assert count(env.url, "raw", table, D1) == generated[D1][table].height
        assert count(env.url, "raw_stage", table, D1) == 0
    book = ledger(env.url)
    assert len(book) == len(TABLES)
    assert {e["status"] for e in book.values()} == {"published"}


def test_loading_the_same_day_again_leaves_exactly_one_copy(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    ok("load")
    ok("load")

    for table in TABLES:
        assert count(env.url, "raw", table, D1) == generated[D1][table].height
    assert len(ledger(env.url)) == len(TABLES)


def test_publish_only_of_a_day_that_was_never_staged_exits_2_and_changes_nothing(env: Env) -> None:
    ok("load")
    before = snapshot(env.url)

    line = refused("load", "--publish-only", "--start", D2)

    assert "2026-01-02" in line and "not staged" in line
    assert snapshot(env.url) == before


def test_loading_a_day_after_a_gap_exits_2_naming_the_first_missing_day(env: Env) -> None:
    line = refused("load", "--start", D3)
    assert "2026-01-01" in line

    ok("load")
    before = snapshot(env.url)
    line = refused("load", "--start", D3)

    assert "2026-01-02" in line and "2026-01-01 is not" not in line
    assert snapshot(env.url) == before


# -------------------------------------------------------------------------------------- one dataset only


def test_loading_another_seed_exits_2_naming_the_conflict_and_changes_nothing(env: Env) -> None:
    ok("load")
    before = snapshot(env.url)
    lake = env.lake()
    manifests = {(layer, t): manifest_bytes(lake, layer, t, D1) for layer in ("bronze", "silver") for t in TABLES}

    line = refused("load", "--seed", "7")
    assert "another dataset" in line and "seed 42" in line and "--replace-dataset" in line
    line = refused("load", "--seed", "7", "--to", "warehouse")
    assert "another dataset" in line and "seed 42" in line and "seed 7" in line

    assert snapshot(env.url) == before
    assert {k: manifest_bytes(lake, *k, D1) for k in manifests} == manifests


def test_replace_dataset_clears_the_warehouse_and_the_lake_before_loading_another_seed(env: Env) -> None:
    ok("load", "--end", D2)
    other = generate_day(GeneratorConfig(seed=7), D1)

    ok("load", "--seed", "7", "--replace-dataset")

    book = ledger(env.url)
    assert set(book) == {(t, D1) for t in TABLES}
    assert {e["identity"]["seed"] for e in book.values()} == {"7"}
    assert all(book[(t, D1)]["sha256"] == rows_digest(t, other[t]) for t in TABLES)
    assert all(count(env.url, "raw", t, D2) == 0 for t in TABLES)
    assert query(env.url, "SELECT count(*) FROM raw.orders")[0][0] == other["orders"].height
    lake = env.lake()
    assert lake.bronze.manifest("orders", D1).dataset["seed"] == "7"
    assert lake.bronze.manifest("orders", D2) is None
    assert lake.silver.manifest("orders", D2) is None


# ------------------------------------------------------------------------------------------------ faults


def _missing_total(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("total")


def _item_count_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("item_count").cast(pl.String))


@pytest.mark.parametrize(
    ("breaks", "column", "says"),
    [(_missing_total, "total", "missing"), (_item_count_as_text, "item_count", "String")],
    ids=["a-required-column-is-missing", "a-column-has-the-wrong-type"],
)
def test_schema_drift_in_a_bronze_partition_exits_2_naming_table_column_and_partition_and_loads_nothing(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]], breaks: Any, column: str, says: str
) -> None:
    ok("load", "--end", D2)
    lake = env.lake()
    lake.bronze.write_partition("orders", D2, breaks(generated[D2]["orders"]), BRONZE_IDENTITY)
    before = snapshot(env.url)
    silver = manifest_bytes(lake, "silver", "orders", D2)

    line = refused("load", "--start", D2)

    assert "orders" in line and f"'{column}'" in line and "date=2026-01-02" in line and says in line
    assert snapshot(env.url) == before
    assert all(count(env.url, "raw_stage", t, D2) == 0 for t in TABLES)
    assert manifest_bytes(lake, "silver", "orders", D2) == silver


@pytest.fixture
def drop_connection_mid_copy(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Once armed, terminate the loader's backend from a second connection during the COPY of orders.

    COPY_BLOCK is made small so each table is many writes; the fault fires once, on the second write of the
    fifth COPY after arming (orders, in contract order), before that block is sent.
    """
    monkeypatch.setattr(warehouse_module, "COPY_BLOCK", 64)
    state: dict[str, Any] = {"copies": [], "writes": 0, "fired": False, "armed": False}
    real_write = psycopg.Copy.write

    def write(self: psycopg.Copy, buffer: Any) -> None:
        if not state["copies"] or state["copies"][-1] is not self:
            state["copies"].append(self)
            state["writes"] = 0
        state["writes"] += 1
        if state["armed"] and not state["fired"] and len(state["copies"]) == 5 and state["writes"] == 2:
            with psycopg.connect(self.connection.info.dsn, autocommit=True) as admin:
                pid = self.connection.info.backend_pid
                (state["fired"],) = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        real_write(self, buffer)

    monkeypatch.setattr(psycopg.Copy, "write", write)
    return state


@pytest.mark.parametrize("day", [D1, D2], ids=["reloading-the-published-day", "loading-the-next-day"])
def test_a_connection_dropped_mid_copy_leaves_the_published_day_exactly_as_it_was_and_rerunning_succeeds(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]], drop_connection_mid_copy: dict[str, Any], day: dt.date
) -> None:
    ok("load")
    before = snapshot(env.url)
    drop_connection_mid_copy["copies"].clear()
    drop_connection_mid_copy["armed"] = True

    failed = ecom("load", "--start", day)

    assert failed.exit_code != 0
    assert drop_connection_mid_copy["fired"], "the backend was not terminated during the COPY"
    assert snapshot(env.url) == before
    assert all(count(env.url, "raw_stage", t, day) == 0 for t in TABLES)

    ok("load", "--start", day)

    book = ledger(env.url)
    for table in TABLES:
        assert count(env.url, "raw", table, day) == generated[day][table].height
        assert book[(table, day)]["status"] == "published"
        assert book[(table, day)]["sha256"] == rows_digest(table, generated[day][table])


def test_an_unreachable_database_exits_2_with_one_line_within_10_seconds(tmp_path: Path) -> None:
    port = closed_port()
    home = tmp_path / "home"

    proc, seconds = run_process(
        ["load"], {"ECOM_HOME": str(home), "ECOM_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/x"}
    )

    assert proc.returncode == 2, proc.stderr
    assert seconds < TIME_LIMIT_S, f"took {seconds:.1f} s"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "PostgreSQL" in lines[0]
    assert not [p for p in home.rglob("*") if p.is_file()], "something was written before the failure"


def test_an_unreachable_s3_endpoint_exits_2_with_one_line_within_10_seconds(tmp_path: Path, fresh_db: str) -> None:
    port = closed_port()
    environ = {
        "ECOM_HOME": str(tmp_path / "home"),
        "ECOM_DATABASE_URL": fresh_db,
        "ECOM_LAKE_URL": "s3://bucket/x",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }

    proc, seconds = run_process(["load"], environ)

    assert proc.returncode == 2, proc.stderr
    assert seconds < TIME_LIMIT_S, f"took {seconds:.1f} s"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "s3://bucket/x" in lines[0] and f"127.0.0.1:{port}" in lines[0]
    assert query(fresh_db, "SELECT to_regclass('raw._ecom_partitions')")[0][0] is None


def test_an_unreachable_s3_lake_does_not_stop_a_warehouse_only_load(
    env: Env, generated: dict[dt.date, dict[str, pl.DataFrame]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOM_LAKE_URL", "s3://bucket/x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    result = ecom("load", "--to", "warehouse")

    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    assert all(count(env.url, "raw", t, D1) == generated[D1][t].height for t in TABLES)


# -------------------------------------------------------------------------------------------- ecom db


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def test_db_url_prints_a_url_psycopg_can_connect_to(env: Env) -> None:
    url = ok("db", "url").stdout.strip()

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == database_name(env.url)


def test_without_ecom_database_url_db_url_prints_the_embedded_server_under_the_home(
    pg_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if OUTER_DATABASE_URL:
        pytest.skip("the tests run against ECOM_DATABASE_URL, not the embedded server")
    # The session's embedded server (conftest.pg_server_url) listens in its data folder, `<home>/postgres`.
    socket_dir = Path(parse_qs(urlsplit(pg_server_url).query)["host"][0])
    assert socket_dir.name == "postgres", pg_server_url
    monkeypatch.setenv("ECOM_HOME", str(socket_dir.parent))

    url = ok("db", "url").stdout.strip().splitlines()[-1]

    assert url == pg_server_url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    # No `ecom db shell` process here: it would register a handle on the session's server and exec psql,
    # leaving a stale handle that keeps the server from stopping at the end of the session.


def test_db_shell_runs_psql_on_the_warehouse(env: Env) -> None:
    proc, _ = run_process(
        ["db", "shell", "-c", "select 1 as one, current_database()"],
        {"ECOM_HOME": str(env.home), "ECOM_DATABASE_URL": env.url},
    )

    assert proc.returncode == 0, proc.stderr
    assert "one" in proc.stdout and "(1 row)" in proc.stdout
    assert database_name(env.url) in proc.stdout


def regclass(url: str, name: str) -> str | None:
    return query(url, "SELECT to_regclass(%s)::text", (name,))[0][0]


def test_db_upgrade_and_downgrade_to_base_work_on_a_fresh_database(env: Env) -> None:
    assert f"revision {migrate.head()}" in ok("db", "upgrade").stdout
    assert regclass(env.url, "raw.orders") == "raw.orders"
    assert regclass(env.url, "raw._ecom_partitions") == "raw._ecom_partitions"
    assert regclass(env.url, "raw_stage.orders") == "raw_stage.orders"
    assert f"revision {migrate.head()}" in ok("db", "upgrade").stdout  # at head: nothing to do

    assert "revision base" in ok("db", "downgrade", "--revision", "base").stdout
    assert regclass(env.url, "raw.orders") is None
    assert regclass(env.url, "raw._ecom_partitions") is None
    assert query(env.url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'raw_stage'")[0][0] == 0

    ok("db", "upgrade")
    ok("load")
    assert query(env.url, "SELECT count(*) FROM raw._ecom_partitions")[0][0] == len(TABLES)
