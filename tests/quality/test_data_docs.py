"""Data Docs: built to the local GX project on every gate run, linked on the docs server (ECOM_DOCS_URL), and
copied to the gold layer when it is on S3, where a presigned link opens the page.

The S3 lake is moto's server over HTTP (the same code path as AWS or MinIO); the warehouse a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main
from ecom_pipeline.landing import DATA_DOCS_LINK_EXPIRY_S, land
from ecom_pipeline.quality.checkpoints import DATA_DOCS_DIR
from ecom_pipeline.settings import load_settings
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
    monkeypatch.setenv("ECOM_DOCS_URL", "http://docs.example.test:8080/ecom/")
    result = CliRunner().invoke(main, ["load"])
    assert result.exit_code == 0, result.output + result.stderr

    gold = resolve_lake(tmp_path / "home").gold.store
    keys = set(gold.list("data_docs"))
    assert "data_docs/index.html" in keys
    assert any(k.startswith("data_docs/static/") for k in keys)
    for checkpoint in ("bronze_orders", "staged"):
        pages = [k for k in keys if k.startswith(f"data_docs/validations/{checkpoint}/") and k.endswith(".html")]
        assert pages, f"no {checkpoint} page in the gold bucket"
    # The ledger links the staged run's page on the docs server; the page exists locally and, copied, in the bucket.
    import psycopg

    with psycopg.connect(fresh_db) as conn:
        (url,) = conn.execute("SELECT data_docs_url FROM raw._ecom_checks WHERE checkpoint = 'staged'").fetchone()
    assert url.startswith("http://docs.example.test:8080/ecom/data_docs/validations/staged/")
    page = unquote(url.split("/ecom/data_docs/", 1)[1])
    local = DATA_DOCS_DIR / page
    assert local.is_file()
    assert gold.get(f"data_docs/{page}") == local.read_bytes()


def test_the_gold_link_of_a_gate_page_opens_over_http_without_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str, s3_bucket: str
) -> None:
    _clean_env(monkeypatch)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{s3_bucket}/lake")
    plan = land(load_settings(), [DAY])

    assert {v.result.checkpoint for v in plan.verdicts} == {"bronze", "staged"}
    for verdict in plan.verdicts:
        link = verdict.result.published_docs_url
        assert link is not None and link.startswith(("http://", "https://")), link
        assert f"X-Amz-Expires={DATA_DOCS_LINK_EXPIRY_S}" in link
        with urllib.request.urlopen(link, timeout=10) as response:  # no credentials: the link carries them
            assert response.status == 200
            assert response.read() == (DATA_DOCS_DIR / verdict.result.data_docs_page).read_bytes()


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


def test_the_store_keeps_the_newest_validation_results_so_a_docs_build_does_not_grow_with_every_run(
    tmp_path: Path,
) -> None:
    import os
    from types import SimpleNamespace

    from ecom_pipeline.quality.checkpoints import prune_validation_results

    store = tmp_path / "uncommitted" / "validations"
    for i in range(12):
        path = store / "staged" / f"run {i}" / "20260101T000000Z" / "batch.json"
        path.parent.mkdir(parents=True)
        path.write_text("{}")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    context = SimpleNamespace(root_directory=str(tmp_path))
    assert prune_validation_results(context, keep=5) == 7
    kept = sorted(p.parent.parent.name for p in store.rglob("*.json"))
    assert kept == sorted(f"run {i}" for i in range(7, 12))
    assert sorted(p.name for p in (store / "staged").iterdir()) == kept  # no empty folders left behind
    assert prune_validation_results(context, keep=5) == 0
