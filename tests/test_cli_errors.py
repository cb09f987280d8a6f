"""Bad input to `ecom` is one line naming the value and exit status 2: never a traceback, never a half-written lake.

Covers the warehouse URL, the S3 endpoint, required locations under a deployment, malformed manifests, a full disk,
injected identifiers in the Athena DDL, and secrets: the password is never on psql's command line nor in a message.
Runs in process through click's runner, or as real processes where the case needs one (a file size limit, psql).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest
from click.testing import CliRunner, Result

from ecom_pipeline.cli import main
from ecom_pipeline.generation import GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage.lake import MANIFEST, partition_prefix, resolve_lake, scan

EPOCH = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("ECOM_", "AWS_ENDPOINT")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    monkeypatch.setenv("ECOM_HOME", str(home))
    return home


def ecom(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def refused(*args: str) -> str:
    """The command exits 2 with one line on stderr and no traceback; that line."""
    result = ecom(*args)
    assert result.exit_code == 2, f"{result.output}\n{result.exception!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- ECOM_DATABASE_URL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("notaurl", "notaurl"),
        ("mysql://root:hunter2@localhost:3306/shop", "mysql://root:***@localhost:3306/shop"),
        ("postgresql+asyncpg://loader@127.0.0.1:5432/shop", "postgresql+asyncpg://loader@127.0.0.1:5432/shop"),
        ("postgresql://loader@127.0.0.1:99999/shop", "99999"),
        ("postgresql://loader@127.0.0.1:five/shop", "five"),
        ("postgresql://loader@127.0.0.1:5432/shop?connect_timeout=abc", "connect_timeout"),
        ("postgresql://loader@127.0.0.1:5432/my shop", "my shop"),
    ],
    ids=["not a URL", "mysql", "asyncpg driver", "port out of range", "port not a number", "timeout", "space"],
)
@pytest.mark.parametrize("command", [("load",), ("db", "url")])
def test_a_bad_database_url_exits_2_naming_it_before_anything_is_written(
    url: str, shown: str, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, _isolated: Path
) -> None:
    monkeypatch.setenv("ECOM_DATABASE_URL", url)

    line = refused(*command)

    assert "ECOM_DATABASE_URL" in line and shown in line, line
    assert "hunter2" not in line
    assert files_under(_isolated) == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:@/ecom?host=/tmp/ecom/postgres",  # what `ecom db url` prints for the embedded server
        "postgresql://postgres@127.0.0.1/ecom",
        "postgres://u:p@db.example.com:6432/ecom?sslmode=require&connect_timeout=10",
    ],
)
def test_a_good_database_url_passes_validation_unchanged(url: str) -> None:
    from ecom_pipeline.storage.postgres import validate_database_url

    assert validate_database_url(url) == url


def test_the_password_in_a_database_url_is_masked_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    monkeypatch.setenv("ECOM_DATABASE_URL", f"postgresql://loader:hunter2@127.0.0.1:{port}/shop?password=hunter3")

    line = refused("load", "--to", "warehouse")

    assert f"127.0.0.1:{port}" in line
    assert "hunter2" not in line and "hunter3" not in line
    assert "loader:***@" in line and "password=***" in line


# --- the S3 endpoint and required locations ----------------------------------------------------------------------


def test_an_endpoint_that_is_not_a_url_exits_2_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_LAKE_URL", "s3://acme-lake/prod")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "notaurl")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    for command in (("load", "--to", "lake"), ("lake", "where")):
        line = refused(*command)
        assert "AWS_ENDPOINT_URL='notaurl'" in line, line


@pytest.mark.parametrize("deployment", ["docker", "prod"])
@pytest.mark.parametrize("variable", ["ECOM_DATABASE_URL", "ECOM_LAKE_URL"])
@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_required_location_under_a_deployment_is_refused_like_an_unset_one(
    deployment: str, variable: str, value: str, monkeypatch: pytest.MonkeyPatch, _isolated: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("ECOM_ENV", deployment)
    monkeypatch.setenv("ECOM_DATABASE_URL", "postgresql://loader@127.0.0.1:1/shop")
    monkeypatch.setenv("ECOM_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv(variable, value)

    line = refused("load")

    assert f"{variable} is empty" in line and f"ECOM_ENV={deployment}" in line, line
    assert files_under(_isolated) == [] and files_under(tmp_path / "lake") == []  # no embedded default started

    monkeypatch.delenv(variable)
    assert f"{variable} is not set" in refused("load")


def test_an_empty_database_url_is_the_embedded_default_outside_a_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecom_pipeline.storage.locations import require_location

    assert require_location({"ECOM_DATABASE_URL": ""}, "ECOM_DATABASE_URL") is None
    assert require_location({"ECOM_ENV": "local", "ECOM_LAKE_URL": " "}, "ECOM_LAKE_URL") is None


# --- the lake: malformed manifests and a full disk ----------------------------------------------------------------


def _bronze_day(home: Path) -> None:
    config = GeneratorConfig(seed=42)
    resolve_lake(home).bronze.write_day(EPOCH, generate_day(config, EPOCH), dataset_identity(config))


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc, raw: raw[: len(raw) // 3],
        lambda doc, raw: json.dumps({**doc, "files": "part-00000.parquet"}).encode(),
        lambda doc, raw: json.dumps({k: v for k, v in doc.items() if k != "dataset"}).encode(),
        lambda doc, raw: json.dumps({**doc, "table": "payments", "date": "2026-01-09"}).encode(),
    ],
    ids=["truncated JSON", "wrong types", "missing keys", "another table and day"],
)
def test_a_malformed_manifest_exits_2_naming_the_file(damage: Any, _isolated: Path) -> None:
    _bronze_day(_isolated)
    path = _isolated / "lake" / "bronze" / partition_prefix("orders", EPOCH) / MANIFEST
    raw = path.read_bytes()
    path.write_bytes(damage(json.loads(raw), raw))

    line = refused("load", "--to", "lake")

    assert f"{partition_prefix('orders', EPOCH)}/{MANIFEST}" in line, line
    assert path.read_bytes() != raw  # left for a person to look at, not silently overwritten


def test_after_a_malformed_manifest_the_message_says_how_to_have_the_day_written_again(_isolated: Path) -> None:
    _bronze_day(_isolated)
    path = _isolated / "lake" / "bronze" / partition_prefix("orders", EPOCH) / MANIFEST
    path.write_bytes(path.read_bytes()[:40])
    line = refused("load", "--to", "lake")
    commit = Path(unquote(urlsplit(line.split("delete ", 1)[1].split(" to have the day written again")[0]).path))
    assert commit.is_file(), line

    commit.unlink()
    result = ecom("load", "--to", "lake")

    assert result.exit_code == 0, result.stderr
    assert resolve_lake(_isolated).bronze.manifest("orders", EPOCH) is not None


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_writing_the_local_lake_exits_2_with_one_line_and_leaves_nothing_half_written(
    tmp_path: Path,
) -> None:
    home = tmp_path / "full"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "AWS_"))} | {"ECOM_HOME": str(home)}

    proc = subprocess.run(  # files above 16 KiB cannot be written: the epoch day's products are 22 KB
        [sys.executable, "-m", "ecom_pipeline.cli", "load", "--to", "lake"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_file_size(16 * 1024),  # the limit applies to the child only
    )

    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "File too large" in lines[0] and "bronze/" in lines[0], lines[0]
    bronze = home / "lake" / "bronze"
    assert not [f for f in files_under(bronze) if f.endswith(".inflight") or f.startswith("_days/")]
    assert scan(str(bronze), "orders").collect().height == 0
    for f in files_under(bronze):  # what was written is whole: every file reads
        if f.endswith(".parquet"):
            import polars as pl

            pl.read_parquet(bronze / f)


def test_a_full_disk_while_generating_exits_2_with_one_line_and_leaves_no_part_of_the_day(tmp_path: Path) -> None:
    out = tmp_path / "bronze"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}

    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "generate", "--out", str(out)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_file_size(16 * 1024),
    )

    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(out) in lines[0] and "File too large" in lines[0], lines[0]
    assert files_under(out) == []  # the day is published whole or not at all: no table of it, no staging folder


# --- the Athena DDL -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["shop`; DROP TABLE orders; --", "shop'x", "Shop", "a b", ""])
def test_athena_ddl_refuses_a_database_name_that_is_not_a_glue_name(name: str) -> None:
    line = refused("lake", "athena-ddl", "--database", name)

    assert repr(name) in line
    assert "DROP TABLE" not in ecom("lake", "athena-ddl", "--database", name).stdout


def test_athena_ddl_quotes_a_valid_database_name() -> None:
    result = ecom("lake", "athena-ddl", "--database", "shop_2026")

    assert result.exit_code == 0, result.stderr
    assert "CREATE DATABASE IF NOT EXISTS `shop_2026`;" in result.stdout
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `shop_2026`.`orders`" in result.stdout


# --- secrets: psql's command line ------------------------------------------------------------------------------


def test_db_shell_passes_the_password_in_the_environment_never_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ECOM_DATABASE_URL", "postgresql://loader:hunter2@db.internal:5432/shop?sslmode=disable&password=hunter3"
    )
    execs: list[tuple[str, list[str], dict[str, str]]] = []

    class ExecCalledError(Exception):
        pass

    def fake_execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        execs.append((path, argv, env))
        raise ExecCalledError

    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.setattr(os, "execv", lambda *a: pytest.fail(f"execv with {a}"))

    result = ecom("db", "shell", "-c", "select 1")

    assert isinstance(result.exception, ExecCalledError)
    ((_, argv, env),) = execs
    assert not [a for a in argv if "hunter" in a], argv
    assert argv[1:] == ["postgresql://loader@db.internal:5432/shop?sslmode=disable", "-c", "select 1"]
    assert env["PGPASSWORD"] == "hunter3"  # the query's password wins, as libpq reads it last


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def test_a_running_db_shell_shows_no_password_in_its_process_arguments(fresh_db: str, tmp_path: Path) -> None:
    url = _with_password(fresh_db, "hunter2")  # the test server trusts its clients: the password is not checked
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}
    environ |= {"ECOM_HOME": str(tmp_path / "home"), "ECOM_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecom_pipeline.cli", "db", "shell", "-c", "select pg_sleep(3)"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "psql" not in seen:
            time.sleep(0.05)
            seen = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert "psql" in seen, seen
        assert "hunter2" not in seen
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
