"""One dataset per lake and warehouse, on every path: concurrent loads, Dagster runs, `--replace-dataset`, and
silver holding only days their gates passed.

Real services: the PostgreSQL of the session (a database per test) and a local lake under tmp; loads run as real
`ecom` processes where the point is concurrency.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import polars as pl
import psycopg
import pytest

from ecom_pipeline.storage.lake import resolve_lake
from tests.defs.conftest import run_assets

DAY = dt.date(2026, 1, 1)
LANDING_WAREHOUSE = dg.AssetSelection.groups("raw_stage", "raw")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str) -> dict[str, str]:
    values = {"ECOM_EPOCH": "2026-01-01", "ECOM_HOME": str(tmp_path / "home"), "ECOM_DATABASE_URL": fresh_db}
    for name in [n for n in os.environ if n.startswith("ECOM_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _load(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ecom_pipeline.cli", "load", "--start", DAY.isoformat(), *args],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _seeds_in_bronze_files(home: Path) -> set[str]:
    """The seed in the footer of every Parquet file of the lake, committed or not."""
    seeds = set()
    for path in (home / "lake").rglob("*.parquet"):
        seeds.add(pl.read_parquet_metadata(path).get("ecom.seed"))
    return seeds


def _ledger_seeds(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT DISTINCT identity->>'seed' FROM raw._ecom_partitions").fetchall()}


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
def test_two_loads_of_different_seeds_at_once_exactly_one_writes_anything(env: dict[str, str], round_: int) -> None:
    first, second = _load(env, "--seed", "42"), _load(env, "--seed", "43")
    results = {"42": first.communicate(timeout=300), "43": second.communicate(timeout=300)}
    codes = {"42": first.returncode, "43": second.returncode}
    assert sorted(codes.values()) == [0, 2], (codes, results)
    winner = next(seed for seed, code in codes.items() if code == 0)
    loser = "43" if winner == "42" else "42"
    refusal = results[loser][1].strip().splitlines()
    assert len(refusal) == 1 and "another dataset" in refusal[0], refusal
    home = Path(env["ECOM_HOME"])
    assert _seeds_in_bronze_files(home) == {winner}  # the refused load wrote no file, not even uncommitted ones
    assert _ledger_seeds(env["ECOM_DATABASE_URL"]) == {winner}
    lake = resolve_lake(home, environ={})
    assert all(lake.layer(layer).claimed()["seed"] == winner for layer in ("bronze", "silver", "gold"))


def test_a_dagster_run_of_the_warehouse_layers_refuses_a_lake_holding_another_dataset(env: dict[str, str]) -> None:
    lake_only = _load(env, "--to", "lake", "--seed", "43")
    assert lake_only.wait(timeout=300) == 0, lake_only.stderr.read()
    result = run_assets(partition_key=DAY.isoformat(), selection=LANDING_WAREHOUSE, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "another dataset" in message and "43" in message and "42" in message
    with psycopg.connect(env["ECOM_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM raw._ecom_partitions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM raw_stage.orders").fetchone()[0] == 0


def test_a_day_the_staged_gate_refuses_never_reaches_silver(env: dict[str, str], monkeypatch) -> None:
    refused = _load(env, "--anomalies", "orphan_items=0.01")
    assert refused.wait(timeout=300) == 1, refused.stderr.read()
    assert "staged gate failed" in refused.stderr.read()
    lake = resolve_lake(Path(env["ECOM_HOME"]), environ={})
    assert lake.silver.committed_day(DAY) is None
    assert not list((Path(env["ECOM_HOME"]) / "lake" / "silver").rglob("*.parquet"))
    assert lake.bronze.committed_day(DAY) is not None  # bronze keeps what the generator produced


@pytest.mark.slow
def test_replace_dataset_clears_the_marts_their_verdicts_and_gold_of_the_previous_dataset(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_assets(partition_key=DAY.isoformat()).success  # seed 42 through everything
    url = env["ECOM_DATABASE_URL"]
    replaced = _load(env, "--seed", "43", "--replace-dataset")
    assert replaced.wait(timeout=300) == 0, replaced.stderr.read()
    with psycopg.connect(url) as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}
        assert not schemas & {"staging", "intermediate", "marts"}  # dbt's tables of seed 42 are gone
        # the old dataset's marts verdict is gone; the only verdict is the staged check of the new load
        assert conn.execute("SELECT checkpoint FROM raw._ecom_checks").fetchall() == [("staged",)]
    lake = resolve_lake(Path(env["ECOM_HOME"]), environ={})
    assert lake.gold.committed_days() == []
    assert lake.gold.claimed()["seed"] == "43"

    monkeypatch.setenv("ECOM_SEED", "43")
    derived = dg.AssetSelection.all() - dg.AssetSelection.groups("bronze", "silver", "raw_stage", "raw")
    assert run_assets(partition_key=DAY.isoformat(), selection=derived).success
    with psycopg.connect(url) as conn:
        raw_orders = {r[0] for r in conn.execute("SELECT order_id FROM raw.orders").fetchall()}
    gold = lake.gold.read("fct_orders", DAY)
    assert set(gold["order_id"]) == raw_orders
    assert lake.gold.manifest("fct_orders", DAY).dataset["seed"] == "43"


def test_the_derived_schemas_the_replace_drops_are_the_ones_dbt_builds() -> None:
    import yaml

    from ecom_pipeline.storage.warehouse import DERIVED_SCHEMAS

    project = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml").read_text())
    built = {
        config["+schema"]
        for section in ("models", "seeds")
        for config in project[section]["ecom"].values()
        if isinstance(config, dict) and "+schema" in config
    } | {project["seeds"]["ecom"].get("+schema")}
    assert set(DERIVED_SCHEMAS) == built - {None}
