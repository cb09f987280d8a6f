"""A lake holds one dataset: `Lake.claim` is a conditional write, so of two claimers of different datasets exactly
one wins, in threads and in processes, on a local folder and on S3 (moto's server over HTTP, `If-None-Match`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import polars as pl
import pytest

from ecom_pipeline.generation import GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage.lake import (
    DATASET_CLAIM,
    LAYERS,
    DatasetConflictError,
    Lake,
    commit_key,
    partition_prefix,
    resolve_lake,
)

EPOCH = dt.date(2026, 1, 1)
SEED42 = dataset_identity(GeneratorConfig(seed=42), pii="full")
SEED43 = dataset_identity(GeneratorConfig(seed=43), pii="full")


@pytest.fixture(autouse=True)
def _no_ecom_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["local", "s3"])
def environ(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The variables that locate one lake, for this process and for child processes."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        return {k: v for k, v in os.environ.items() if k.startswith("AWS_")} | {"ECOM_LAKE_URL": f"s3://{bucket}/lake"}
    return {"ECOM_LAKE_URL": str(tmp_path / "lake")}


def lake_of(environ: dict[str, str], tmp_path: Path) -> Lake:
    return resolve_lake(tmp_path / "home", environ)


def claims(lake: Lake) -> dict[str, dict[str, str] | None]:
    return {name: lake.layer(name).claimed() for name in LAYERS}


def test_two_threads_claiming_different_datasets_at_once_exactly_one_wins(
    environ: dict[str, str], tmp_path: Path
) -> None:
    barrier = threading.Barrier(8)
    outcomes: dict[int, str] = {}

    def claim(i: int) -> None:
        identity = SEED42 if i % 2 else SEED43
        lake = lake_of(environ, tmp_path)  # a client of its own, as another process would have
        barrier.wait()
        try:
            lake.claim(identity)
            outcomes[i] = identity["seed"]
        except DatasetConflictError:
            outcomes[i] = "refused"

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    winners = {seed for seed in outcomes.values() if seed != "refused"}
    assert len(winners) == 1, outcomes
    (seed,) = winners
    assert list(outcomes.values()).count(seed) == 4  # every claimer of the winning dataset, none of the other
    assert {name: c["seed"] for name, c in claims(lake_of(environ, tmp_path)).items()} == dict.fromkeys(LAYERS, seed)


def test_two_processes_claiming_different_datasets_at_once_exactly_one_wins(
    environ: dict[str, str], tmp_path: Path
) -> None:
    start = tmp_path / "go"
    script = textwrap.dedent(
        f"""
        import json, os, sys, time
        from pathlib import Path
        from ecom_pipeline.storage.lake import DatasetConflictError, resolve_lake

        identity = json.loads(sys.argv[1])
        lake = resolve_lake(Path({str(tmp_path / "home")!r}))
        while not Path({str(start)!r}).exists():
            time.sleep(0.005)
        try:
            lake.claim(identity)
        except DatasetConflictError as exc:
            print(exc)
            sys.exit(2)
        """
    )
    env = {**os.environ, **environ}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, json.dumps(identity)], env=env, stdout=subprocess.PIPE, text=True
        )
        for identity in (SEED42, SEED43, SEED42, SEED43)
    ]
    start.touch()
    results = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]

    codes = [code for code, _ in results]
    assert sorted(codes) == [0, 0, 2, 2], results
    won = SEED42 if codes[0] == 0 else SEED43
    assert codes == ([0, 2, 0, 2] if won is SEED42 else [2, 0, 2, 0])
    assert {name: c["seed"] for name, c in claims(lake_of(environ, tmp_path)).items()} == dict.fromkeys(
        LAYERS, won["seed"]
    )
    refused = next(out for code, out in results if code == 2)
    assert f"seed {won['seed']}" in refused and f"seed {({'42', '43'} - {won['seed']}).pop()}" in refused


def test_claiming_a_lake_of_another_dataset_names_both_and_writes_nothing(
    environ: dict[str, str], tmp_path: Path
) -> None:
    lake = lake_of(environ, tmp_path)
    lake.claim(SEED42)
    before = {name: lake.layer(name).store.list("") for name in LAYERS}

    with pytest.raises(DatasetConflictError) as error:
        lake.claim(SEED43)

    message = str(error.value)
    assert "\n" not in message
    assert "seed 42" in message and "seed 43" in message and lake.bronze.url in message
    assert {name: lake.layer(name).store.list("") for name in LAYERS} == before
    lake.claim(SEED42)  # the same dataset again: nothing to do


def test_a_dataset_differing_only_in_configuration_is_another_dataset_and_the_message_says_where(
    tmp_path: Path,
) -> None:
    lake = resolve_lake(tmp_path, {"ECOM_LAKE_URL": str(tmp_path / "lake")})
    lake.claim({**SEED42, "config_hash": "0" * 16})

    with pytest.raises(DatasetConflictError, match=r"seed 42.*config_hash 0{16}.*this run is seed 42"):
        lake.claim(SEED42)


def test_replace_clears_every_layer_and_takes_the_claim_over(
    environ: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = lake_of(environ, tmp_path)
    lake.claim(SEED42)
    frames = {"orders": generate_day(GeneratorConfig(seed=42), EPOCH)["orders"]}
    for name in LAYERS:
        lake.layer(name).write_day(EPOCH, frames, SEED42)
    lake.gold.store.put("data_docs/index.html", b"<html/>")

    lake.claim(SEED43, replace=True)

    assert {name: c["seed"] for name, c in claims(lake).items()} == dict.fromkeys(LAYERS, "43")
    for name in LAYERS:
        layer = lake.layer(name)
        assert [k for k in layer.store.list("") if not k.endswith(".lock")] == [DATASET_CLAIM], name
        assert layer.manifest("orders", EPOCH) is None


def test_a_claimed_layer_refuses_to_commit_or_even_write_a_day_of_another_dataset(
    environ: dict[str, str], tmp_path: Path
) -> None:
    lake = lake_of(environ, tmp_path)
    lake.claim(SEED42)
    frames = {"orders": generate_day(GeneratorConfig(seed=43), EPOCH)["orders"]}

    with pytest.raises(DatasetConflictError, match="seed 42"):
        lake.silver.write_day(EPOCH, frames, SEED43)
    assert lake.silver.store.list(partition_prefix("orders", EPOCH)) == []

    manifest = lake.silver.write_table("orders", EPOCH, frames["orders"], SEED43)  # the low-level path
    with pytest.raises(DatasetConflictError):
        lake.silver.commit_day(EPOCH, [manifest])
    assert not lake.silver.store.exists(commit_key(EPOCH))


def test_bronze_of_the_claimed_seed_is_accepted_although_it_carries_no_pii_mode(
    environ: dict[str, str], tmp_path: Path
) -> None:
    lake = lake_of(environ, tmp_path)
    lake.claim(SEED42)
    bronze_identity = dataset_identity(GeneratorConfig(seed=42))
    assert "pii" not in bronze_identity

    lake.bronze.write_day(EPOCH, {"orders": pl.DataFrame({"order_id": ["o1"]})}, bronze_identity)

    assert lake.bronze.manifest("orders", EPOCH) is not None


def test_an_unclaimed_lake_holding_days_of_another_dataset_cannot_be_claimed_without_replace(
    environ: dict[str, str], tmp_path: Path
) -> None:
    lake = lake_of(environ, tmp_path)
    lake.silver.write_day(EPOCH, {"orders": pl.DataFrame({"order_id": ["o1"]})}, SEED42)  # no claim yet

    with pytest.raises(DatasetConflictError, match="seed 42"):
        lake.claim(SEED43)
    assert claims(lake) == dict.fromkeys(LAYERS)  # the bronze claim it made first is released

    lake.claim(SEED43, replace=True)
    assert lake.silver.manifest("orders", EPOCH) is None
