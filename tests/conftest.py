"""Real services for the tests: PostgreSQL, an S3 server over HTTP, and a GX project of their own.

PostgreSQL: the server in `ECOM_DATABASE_URL` when set (CI: 127.0.0.1:5432), with a throwaway database
created for the session and dropped after it; otherwise the embedded pgserver, so the README's test command
passes on a fresh machine. S3: moto's server on 127.0.0.1, reached over HTTP like any endpoint.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

# Read once, before any test's fixtures clear ECOM_* variables from the environment.
DATABASE_URL = os.environ.get("ECOM_DATABASE_URL")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """An administrative URL of a real PostgreSQL server."""
    if DATABASE_URL:
        yield DATABASE_URL
        return
    import shutil
    import tempfile

    from ecom_pipeline.storage.postgres import embedded_url

    # Outside pytest's temp folder: pgserver runs the server as another user when started as root, and a
    # later pytest session resetting that folder's permissions would pull the data directory from under it.
    home = Path(tempfile.mkdtemp(prefix="ecom-test-pg-"))
    try:
        yield embedded_url(home, keep_running=False)
    finally:
        import pgserver

        pgserver.get_server(home / "postgres").cleanup()  # stop it before its folder goes
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database on the server, dropped (with its sessions) afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database for the session, dropped at the end."""
    with throwaway_database(pg_server_url, "ecom_test") as url:
        yield url


@pytest.fixture
def fresh_db(pg_server_url: str) -> Iterator[str]:
    """A database of its own for one test (for migrations and destructive scenarios)."""
    with throwaway_database(pg_server_url, "ecom_t") as url:
        yield url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Standard AWS variables pointing at the test server (keys are required by polars and pyarrow)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_endpoint


@pytest.fixture
def s3_bucket(s3_env: str) -> str:
    """A new, empty bucket on the test server."""
    import boto3

    name = f"ecom-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_env, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def project_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ECOM_HOME of its own, so no test writes into the checkout."""
    home = tmp_path / "ecom-home"
    monkeypatch.setenv("ECOM_HOME", str(home))
    return home


# --- Great Expectations ---------------------------------------------------------------------------------------
# One GX project for the tests: a temporary copy of `great_expectations/`, rewritten from code, so the runs'
# results and Data Docs stay out of the checkout. Writing the warehouse checkpoints needs a migrated warehouse
# (GX tests the connection and the ledger table), so the copy is written against one.


@pytest.fixture(scope="session")
def migrated_url(pg_server_url: str) -> Iterator[str]:
    """A migrated, empty warehouse for the session (the ledger the warehouse checkpoints read from)."""
    from ecom_pipeline.storage.warehouse import Warehouse

    with throwaway_database(pg_server_url, "ecom_gx") as url:
        Warehouse(url).migrate()
        yield url


@pytest.fixture(scope="session")
def gx_root(tmp_path_factory: pytest.TempPathFactory, migrated_url: str) -> Path:
    """A copy of the repository's GX project (without run output), rewritten from code."""
    import shutil

    from ecom_pipeline.quality import GX_DIR, get_context, write_project

    root = tmp_path_factory.mktemp("gx") / "great_expectations"
    if GX_DIR.exists():
        shutil.copytree(GX_DIR, root, ignore=shutil.ignore_patterns("uncommitted"))
    write_project(get_context(root), database_url=migrated_url)
    return root


@pytest.fixture(scope="session")
def gx_context(gx_root: Path) -> Any:
    from ecom_pipeline.quality import get_context

    return get_context(gx_root)
