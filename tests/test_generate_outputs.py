"""`ecom generate` writes a dataset to a folder or an S3 prefix through the lake's object-store code, and never
mixes two datasets in one output."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import polars as pl
import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main
from ecom_pipeline.generation import TABLES

START = "2026-01-01"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("ECOM_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))


def ecom(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_out_s3_writes_the_objects_to_the_bucket_not_a_local_folder_named_s3(s3_bucket: str, tmp_path: Path) -> None:
    result = ecom("generate", "--start", START, "--out", f"s3://{s3_bucket}/bronze")
    assert result.exit_code == 0, result.output
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert keys == {f"bronze/{t}/date={START}/part-00000.parquet" for t in TABLES}
    assert not (tmp_path / "s3:").exists()
    orders = pl.read_parquet(
        client.get_object(Bucket=s3_bucket, Key=f"bronze/orders/date={START}/part-00000.parquet")["Body"].read()
    )
    assert orders.height > 0


def test_the_readme_examples_run_in_order_refuse_to_mix_two_datasets_in_one_folder(tmp_path: Path) -> None:
    out = str(tmp_path / "data" / "bronze")
    assert ecom("generate", "--start", START, "--end", "2026-01-02", "--scale", "small", "--out", out).exit_code == 0
    before = sorted(p.relative_to(out) for p in Path(out).rglob("*.parquet"))
    result = ecom("generate", "--start", START, "--scale", "xlarge", "--chunks", "4", "--chunk", "2", "--out", out)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "holds another dataset" in line and "scale small" in line and "--replace-dataset" in line
    assert sorted(p.relative_to(out) for p in Path(out).rglob("*.parquet")) == before  # nothing written


def test_replace_dataset_overwrites_an_output_holding_another_dataset(tmp_path: Path) -> None:
    out = str(tmp_path / "bronze")
    assert ecom("generate", "--start", START, "--end", "2026-01-02", "--seed", "7", "--out", out).exit_code == 0
    result = ecom("generate", "--start", START, "--seed", "8", "--out", out, "--replace-dataset")
    assert result.exit_code == 0, result.output
    files = list(Path(out).rglob("*.parquet"))
    assert {p.parent.name for p in files} == {f"date={START}"}  # the other dataset's second day is gone
    assert {pl.read_parquet_metadata(p)["ecom.seed"] for p in files} == {"8"}


def test_the_chunks_of_one_dataset_share_an_output(tmp_path: Path) -> None:
    out = str(tmp_path / "bronze")
    for chunk in ("0", "1"):
        result = ecom("generate", "--start", START, "--chunks", "2", "--chunk", chunk, "--out", out)
        assert result.exit_code == 0, result.output
    assert len(list(Path(out).glob("orders/*/part-*.parquet"))) == 2
