"""Data Docs: built to the local GX project on every gate run, and copied to the gold layer when it is on S3.

The S3 lake is moto's server over HTTP (the same code path as AWS or MinIO); the warehouse a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main
from ecom_pipeline.storage.lake import resolve_lake

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 1, 1)


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


def test_gate_pages_land_in_the_gold_bucket_when_the_lake_is_on_s3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str, s3_bucket: str
) -> None:
    _clean_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{s3_bucket}/lake")
    result = CliRunner().invoke(main, ["load"])
    assert result.exit_code == 0, result.output + result.stderr

    gold = resolve_lake(tmp_path / "home").gold.store
    keys = set(gold.list("data_docs"))
    assert "data_docs/index.html" in keys
    assert any(k.startswith("data_docs/static/") for k in keys)
    for checkpoint in ("bronze_orders", "staged"):
        pages = [k for k in keys if k.startswith(f"data_docs/validations/{checkpoint}/") and k.endswith(".html")]
        assert pages, f"no {checkpoint} page in the gold bucket"
    # The ledger links the staged run's page, which exists locally and, copied, in the bucket.
    import psycopg

    with psycopg.connect(fresh_db) as conn:
        (url,) = conn.execute("SELECT data_docs_url FROM raw._ecom_checks WHERE checkpoint = 'staged'").fetchone()
    local = Path(unquote(urlsplit(url).path))
    assert local.is_file()
    page = "data_docs/" + unquote(url.split("/local_site/", 1)[1])
    assert page in keys
    assert gold.get(page) == local.read_bytes()


def test_a_local_lake_keeps_the_docs_in_the_gx_project_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str
) -> None:
    _clean_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    result = CliRunner().invoke(main, ["load", "--to", "lake"])
    assert result.exit_code == 0, result.output + result.stderr
    assert resolve_lake(tmp_path / "home").gold.store.list("data_docs") == []
