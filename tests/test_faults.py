"""Faults on the real services: a hung S3 endpoint, a backend killed during a quality gate, a Data Docs copy that
fails, and a republish that fails. Each is an error (exit 2) or a warning, never a hang or a misreported state."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main

EPOCH = dt.date(2026, 1, 1)
HUNG_LIMIT_S = 15


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    """A TCP server that accepts every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_hung_s3_endpoint_fails_ecom_load_within_15_seconds_with_one_line(
    hung_endpoint: str, fresh_db: str, tmp_path: Path
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "AWS_"))} | {
        "ECOM_HOME": str(tmp_path / "home"),
        "ECOM_DATABASE_URL": fresh_db,
        "ECOM_LAKE_URL": "s3://acme-lake/prod",
        "AWS_ENDPOINT_URL": hung_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "load"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seconds = time.perf_counter() - began

    assert proc.returncode == 2, proc.stderr
    assert seconds < HUNG_LIMIT_S, f"took {seconds:.1f} s"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert hung_endpoint in lines[0] and "s3://acme-lake/prod" in lines[0], lines[0]
    print(f"hung endpoint: exit 2 after {seconds:.1f} s: {lines[0]}")


def test_a_hung_postgresql_server_fails_ecom_load_within_15_seconds_with_one_line(
    hung_endpoint: str, tmp_path: Path
) -> None:
    address = hung_endpoint.removeprefix("http://")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "AWS_"))} | {
        "ECOM_HOME": str(tmp_path / "home"),
        "ECOM_DATABASE_URL": f"postgresql://loader:hunter2@{address}/shop",
    }
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "load"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seconds = time.perf_counter() - began

    assert proc.returncode == 2, proc.stderr
    assert seconds < HUNG_LIMIT_S, f"took {seconds:.1f} s"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert address in lines[0] and "hunter2" not in lines[0], lines[0]
    print(f"hung PostgreSQL: exit 2 after {seconds:.1f} s: {lines[0]}")


@pytest.mark.parametrize("call", ["put", "get", "list"])
def test_every_s3_call_on_a_hung_endpoint_gives_up_within_15_seconds(
    hung_endpoint: str, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    from ecom_pipeline.storage.objectstore import LakeUnavailableError, S3Settings, S3Store

    settings = S3Settings(hung_endpoint, "us-east-1", "testing", "testing", None)
    store = S3Store("acme-lake", "prod/silver", settings)
    began = time.perf_counter()
    with pytest.raises(LakeUnavailableError, match=hung_endpoint):
        {
            "put": lambda: store.put("orders/x", b"1"),
            "get": lambda: store.get("orders/x"),
            "list": lambda: store.list(""),
        }[call]()
    assert time.perf_counter() - began < HUNG_LIMIT_S


# --- a connection lost during a quality gate ---------------------------------------------------------------------


@pytest.fixture
def staged_day(fresh_db: str) -> str:
    """The epoch day staged in a warehouse of the test's own."""
    from ecom_pipeline.generation import GeneratorConfig, generate_day
    from ecom_pipeline.generation.dataset import dataset_identity
    from ecom_pipeline.storage.conform import day_to_silver
    from ecom_pipeline.storage.warehouse import Warehouse

    config = GeneratorConfig(seed=42)
    wh = Warehouse(fresh_db)
    wh.migrate()
    wh.stage(EPOCH, day_to_silver(EPOCH, generate_day(config, EPOCH)), dataset_identity(config, pii="full"), EPOCH)
    return fresh_db


class BackendKiller:
    """Terminates every session of a database, over and over, from a session on another database."""

    def __init__(self, server_url: str, database: str) -> None:
        self.server_url, self.database = server_url, database
        self.stop, self.killed = threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            while not self.stop.is_set():
                self.killed += conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                    (self.database,),
                ).fetchone()[0]
                time.sleep(0.01)

    def __enter__(self) -> BackendKiller:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()


def test_a_connection_lost_while_the_staged_gate_reads_its_batch_is_an_error_not_failed_rules(
    staged_day: str, pg_server_url: str, gx_context: Any
) -> None:
    from ecom_pipeline.quality import validate_staged
    from ecom_pipeline.quality.checkpoints import GateUnavailableError

    database = psycopg.conninfo.conninfo_to_dict(staged_day)["dbname"]
    with BackendKiller(pg_server_url, database) as killer, pytest.raises(GateUnavailableError) as error:
        result = validate_staged(staged_day, EPOCH, context=gx_context)
        pytest.fail(f"the gate returned a verdict: {result.summary()}")

    assert killer.killed > 0
    assert "\n" not in str(error.value) and "staged gate for 2026-01-01" in str(error.value)


# A backend that runs this dies mid-query, as if the server or the network dropped it: deterministic, and real.
DIE_READING_RAW_CUSTOMERS = """
ALTER TABLE raw.customers RENAME TO customers_kept;
CREATE FUNCTION raw.customers_then_die() RETURNS SETOF raw.customers_kept LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN QUERY SELECT * FROM raw.customers_kept;
END $$;
CREATE VIEW raw.customers AS SELECT * FROM raw.customers_then_die();
"""


def test_a_backend_killed_in_the_middle_of_the_staged_gates_rules_is_an_error_not_failed_rules(
    staged_day: str, gx_context: Any
) -> None:
    from ecom_pipeline.quality import validate_staged
    from ecom_pipeline.quality.checkpoints import GateUnavailableError

    with psycopg.connect(staged_day) as conn:
        conn.execute(DIE_READING_RAW_CUSTOMERS)

    with pytest.raises(GateUnavailableError, match=r"lost its connection to the warehouse: .*server closed"):
        validate_staged(staged_day, EPOCH, context=gx_context)


def test_ecom_load_exits_2_when_the_warehouse_drops_the_staged_gate(
    fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecom_pipeline.storage.warehouse import Warehouse

    Warehouse(fresh_db).migrate()
    with psycopg.connect(fresh_db) as conn:
        conn.execute(DIE_READING_RAW_CUSTOMERS)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)

    result = CliRunner().invoke(main, ["load", "--stage-only"])

    assert result.exit_code == 2, f"{result.output}\n{result.exception!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "staged gate for 2026-01-01 lost its connection" in lines[0], result.stderr
    with psycopg.connect(fresh_db) as conn:
        recorded = conn.execute("SELECT count(*) FROM raw._ecom_checks").fetchone()[0]
        verdicts = conn.execute("SELECT DISTINCT check_status FROM raw._ecom_partitions").fetchall()
    assert recorded == 0 and verdicts == [(None,)]  # no verdict: the day was not judged


# --- Data Docs: a report, never a reason to stop a good day --------------------------------------------------------


def test_a_failed_data_docs_copy_to_s3_is_a_warning_and_the_day_is_published(
    fresh_db: str, s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ecom_pipeline.storage.objectstore import LakeUnavailableError, S3Store

    real_put = S3Store.put

    def put(self: S3Store, key: str, data: bytes) -> None:
        if key.startswith("data_docs/"):
            raise LakeUnavailableError(f"cannot write {key} to {self.url}: AccessDenied")
        real_put(self, key, data)

    monkeypatch.setattr(S3Store, "put", put)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{s3_bucket}/lake")

    result = CliRunner().invoke(main, ["load"])

    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    with psycopg.connect(fresh_db) as conn:
        statuses = conn.execute("SELECT DISTINCT status FROM raw._ecom_partitions WHERE day = %s", (EPOCH,))
        assert statuses.fetchall() == [("published",)]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "Data Docs" in r.getMessage()]
    assert warnings and "AccessDenied" in warnings[0], caplog.text
