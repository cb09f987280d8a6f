"""Injected anomalies: exactly the promised rows are corrupted, labelled, deterministic, and still on contract."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main
from ecom_pipeline.generation import (
    ANOMALIES_TABLE,
    ANOMALY_CLASSES,
    CONTRACTS,
    TABLES,
    AnomalySpec,
    Chunk,
    GenerationError,
    GeneratorConfig,
    generate_day,
    inject,
    parse_anomalies,
)
from ecom_pipeline.generation.anomalies import LABEL_SCHEMA, TARGETS, corrupted_count, pick_rows

EPOCH = dt.date(2026, 1, 1)
DAY = EPOCH  # the opening day has products, so negative_prices corrupts both of its tables


@pytest.fixture(autouse=True)
def _no_ecom_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def clean(busy_config: GeneratorConfig) -> dict[str, pl.DataFrame]:
    return generate_day(busy_config, DAY)


def _key(table: str) -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.String) for c in CONTRACTS[table].primary_key], separator="|").alias("key")


def _labelled(labels: pl.DataFrame, table: str, name: str) -> list[str]:
    return sorted(labels.filter((pl.col("table") == table) & (pl.col("class") == name))["key"].to_list())


def _changed_keys(table: str, before: pl.DataFrame, after: pl.DataFrame) -> list[str]:
    """Keys of the rows (same position) that differ in any column; `after` may have rows appended."""
    head = after.head(before.height)
    differs = pl.Series([a != b for a, b in zip(before.iter_rows(), head.iter_rows(), strict=True)])
    return sorted(before.filter(differs).select(_key(table))["key"].to_list())


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("bogus=1", "bogus"),
        ("duplicate_orders=0.01,bogus=0.1", "bogus"),
        ("duplicate_orders", "duplicate_orders"),
        ("null_emails=", "null_emails="),
        ("=0.1", "=0.1"),
        ("null_emails=abc", "null_emails=abc"),
        ("null_emails=1.5", "null_emails=1.5"),
        ("null_emails=-0.1", "null_emails=-0.1"),
        ("null_emails=nan", "null_emails=nan"),
        ("null_emails=inf", "null_emails=inf"),
        ("null_emails=0.1,null_emails=0.2", "null_emails"),
    ],
)
def test_a_bad_spec_raises_a_one_line_error_naming_the_token(text: str, token: str) -> None:
    with pytest.raises(GenerationError) as err:
        parse_anomalies(text)
    assert token in str(err.value)
    assert "\n" not in str(err.value)


def test_the_spec_has_a_canonical_sorted_text_that_parses_back_to_it() -> None:
    spec = parse_anomalies(" null_emails=0.010 , duplicate_orders=0.01,total_mismatch=1 ")
    assert str(spec) == "duplicate_orders=0.01,null_emails=0.01,total_mismatch=1.0"
    assert parse_anomalies(str(spec)) == spec
    assert hash(spec) == hash(parse_anomalies("total_mismatch=1.0,duplicate_orders=0.01,null_emails=0.01"))
    assert spec.rate("null_emails") == 0.01 and spec.rate("orphan_items") == 0.0


@pytest.mark.parametrize("text", ["", "  ", None, "duplicate_orders=0", "null_emails=0.0,orphan_items=0"])
def test_empty_text_and_zero_rates_are_no_anomalies(text: str | None) -> None:
    spec = parse_anomalies(text)
    assert spec == AnomalySpec() and not spec and str(spec) == ""


def test_the_classes_are_the_six_of_the_spec() -> None:
    assert (
        set(ANOMALY_CLASSES)
        == set(TARGETS)
        == {
            "duplicate_orders",
            "orphan_items",
            "negative_prices",
            "future_timestamps",
            "total_mismatch",
            "null_emails",
        }
    )


def test_the_count_is_at_least_one_for_a_positive_rate_and_never_more_than_the_rows() -> None:
    assert corrupted_count(0.0, 100) == 0
    assert corrupted_count(1e-9, 100) == 1
    assert corrupted_count(0.05, 1000) == 50
    assert corrupted_count(1.0, 7) == 7
    assert corrupted_count(0.5, 0) == 0


# --------------------------------------------------------------------------------------- no anomalies


@pytest.mark.parametrize("text", ["", "duplicate_orders=0,null_emails=0"])
def test_no_anomalies_leave_the_day_byte_for_byte_as_generated(
    busy_config: GeneratorConfig, clean: dict[str, pl.DataFrame], text: str
) -> None:
    frames = generate_day(busy_config, DAY, anomalies=parse_anomalies(text))
    assert list(frames) == list(clean) and set(frames) == set(TABLES)
    for table in TABLES:
        assert _parquet(frames[table]) == _parquet(clean[table])
    same, labels = inject(clean, parse_anomalies(text), seed=busy_config.seed, day=DAY)
    assert all(same[t] is clean[t] for t in TABLES)
    assert labels.height == 0 and labels.schema == LABEL_SCHEMA


# ------------------------------------------------------------------------------------ what each class does


@pytest.mark.parametrize("rate", [0.05, 1e-6])
@pytest.mark.parametrize("name", ANOMALY_CLASSES)
def test_each_class_corrupts_exactly_n_rows_of_its_table_and_labels_exactly_those(
    busy_config: GeneratorConfig, clean: dict[str, pl.DataFrame], name: str, rate: float
) -> None:
    spec = parse_anomalies(f"{name}={rate}")
    frames, labels = inject(clean, spec, seed=busy_config.seed, day=DAY)
    touched = {table for table, _ in TARGETS[name]}
    for table in TABLES:
        if table not in touched:
            assert frames[table] is clean[table]
    assert set(labels["class"]) == {name}
    assert set(labels["table"]) == touched
    for table, column in TARGETS[name]:
        before, after = clean[table], frames[table]
        n = max(1, round(rate * before.height))
        labelled = _labelled(labels, table, name)
        assert len(labelled) == len(set(labelled)) == n
        if name == "duplicate_orders":
            assert after.height == before.height + n
            assert after.head(before.height).equals(before)
            copies = after.tail(n)
            assert sorted(copies["order_id"].to_list()) == labelled
            assert copies.equals(before.filter(pl.col("order_id").is_in(labelled)))  # exact copies, same order
            assert sorted(after.filter(pl.col("order_id").is_duplicated())["order_id"].unique().to_list()) == labelled
            continue
        assert after.height == before.height
        assert _changed_keys(table, before, after) == labelled
        # Only the class's column changed, in those rows.
        assert after.drop(column).equals(before.drop(column))
        hit = after.select(_key(table).is_in(labelled))["key"]
        new, old = after.filter(hit), before.filter(hit)
        if name == "orphan_items":
            orders = set(frames["orders"]["order_id"])
            assert not orders & set(new["order_id"])
            assert (
                new["order_id"]
                .str.contains(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
                .all()
            )
        elif name == "negative_prices":
            assert (new[column] < 0).all() and (new[column] == -old[column]).all()
            assert (after.filter(~hit)[column] > 0).all()
        elif name == "future_timestamps":
            end = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(), dt.UTC)
            assert (new[column] >= end).all()
            assert (after.filter(~hit)[column] < end).all()
        elif name == "total_mismatch":
            assert ((new[column] - old[column]).cast(pl.Float64) == 1.0).all()
        elif name == "null_emails":
            assert new[column].is_null().all() and after[column].null_count() == n


def test_all_classes_at_once_label_each_class_as_if_it_were_alone(
    busy_config: GeneratorConfig, clean: dict[str, pl.DataFrame]
) -> None:
    text = (
        "duplicate_orders=0.01,orphan_items=0.005,negative_prices=0.001,"
        "future_timestamps=0.001,total_mismatch=0.01,null_emails=0.01"
    )
    frames, labels = inject(clean, parse_anomalies(text), seed=busy_config.seed, day=DAY)
    spec = parse_anomalies(text)
    for name in ANOMALY_CLASSES:
        _, alone = inject(clean, parse_anomalies(f"{name}={spec.rate(name)}"), seed=busy_config.seed, day=DAY)
        assert labels.filter(pl.col("class") == name).equals(alone)
    # The copies are exact copies of the orders as they finally are (corrupted by other classes too).
    twice = frames["orders"].filter(pl.col("order_id").is_duplicated())
    assert twice.height == 2 * len(_labelled(labels, "orders", "duplicate_orders"))
    assert twice.unique().height == len(_labelled(labels, "orders", "duplicate_orders"))


def test_dtypes_still_match_the_contract(busy_config: GeneratorConfig) -> None:
    spec = parse_anomalies(",".join(f"{name}=0.2" for name in ANOMALY_CLASSES))
    frames = generate_day(busy_config, DAY, anomalies=spec)
    assert list(frames) == [*generate_day(busy_config, DAY), ANOMALIES_TABLE]  # the labels come last
    for table in TABLES:
        assert frames[table].schema == CONTRACTS[table].schema, table
    assert frames[ANOMALIES_TABLE].schema == LABEL_SCHEMA
    assert frames[ANOMALIES_TABLE].height > 0


def test_a_day_without_rows_in_a_table_corrupts_nothing_there(busy_config: GeneratorConfig) -> None:
    day = EPOCH + dt.timedelta(days=3)
    clean = generate_day(busy_config, day)
    empty = {**clean, "products": clean["products"].clear()}
    frames, labels = inject(empty, parse_anomalies("negative_prices=0.5"), seed=busy_config.seed, day=day)
    assert frames["products"].height == 0
    assert set(labels["table"]) == {"order_items"}


# ----------------------------------------------------------------------------------------- determinism


def test_the_same_seed_and_day_corrupt_the_same_rows(busy_config: GeneratorConfig) -> None:
    spec = parse_anomalies("duplicate_orders=0.05,null_emails=0.05,orphan_items=0.05")
    first = generate_day(busy_config, DAY, anomalies=spec)
    second = generate_day(busy_config, DAY, anomalies=str(spec))
    assert first.keys() == second.keys()
    assert all(_parquet(first[t]) == _parquet(second[t]) for t in first)


def test_another_seed_or_day_corrupts_other_rows(busy_config: GeneratorConfig) -> None:
    rows, n = 4_000, 40
    picks = {
        (seed, day): tuple(pick_rows(seed, "null_emails", "customers", day, rows, n))
        for seed in (7, 8)
        for day in (DAY, DAY + dt.timedelta(days=1))
    }
    assert len(set(picks.values())) == 4
    assert tuple(pick_rows(7, "null_emails", "customers", DAY, rows, n)) == picks[(7, DAY)]
    other = GeneratorConfig(seed=8, scale=busy_config.scale, epoch=busy_config.epoch)
    spec = parse_anomalies("null_emails=0.05")
    ours = generate_day(busy_config, DAY, anomalies=spec)[ANOMALIES_TABLE]
    theirs = generate_day(other, DAY, anomalies=spec)[ANOMALIES_TABLE]
    assert ours.height == theirs.height and not set(ours["key"]) & set(theirs["key"])


def test_injection_does_not_change_the_rows_it_leaves_alone(busy_config: GeneratorConfig) -> None:
    """The picks use draws of their own: every other row is the generator's, in place."""
    clean = generate_day(busy_config, DAY)
    frames = generate_day(busy_config, DAY, anomalies="total_mismatch=0.1")
    for table in TABLES:
        if table != "orders":
            assert frames[table].equals(clean[table])


def test_anomalies_need_whole_days(busy_config: GeneratorConfig) -> None:
    with pytest.raises(GenerationError, match="whole days"):
        generate_day(busy_config, DAY, Chunk(0, 2), anomalies="null_emails=0.1")
    assert ANOMALIES_TABLE not in generate_day(busy_config, DAY, Chunk(0, 2), anomalies="")


# ------------------------------------------------------------------------------------------------- CLI


def test_generate_writes_an_anomalies_partition_and_records_the_spec(tmp_path: Path) -> None:
    out = tmp_path / "bronze"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--start",
            "2026-01-01",
            "--scale",
            "small",
            "--anomalies",
            "duplicate_orders=0.5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output + result.stderr
    part = out / ANOMALIES_TABLE / "date=2026-01-01" / "part-00000.parquet"
    labels = pl.read_parquet(part)
    orders = pl.read_parquet(out / "orders" / "date=2026-01-01" / "part-00000.parquet")
    clean = orders.unique("order_id", maintain_order=True)
    assert labels.height == round(0.5 * clean.height) > 0
    assert set(labels["class"]) == {"duplicate_orders"} and set(labels["table"]) == {"orders"}
    assert orders.height == clean.height + labels.height
    meta = {k.decode(): v.decode() for k, v in (pq.read_metadata(part).metadata or {}).items()}
    assert meta["ecom.anomalies"] == "duplicate_orders=0.5"
    assert json.loads(meta["ecom.scale_profile"])  # the same footer as every other table


def test_a_bad_ecom_anomalies_exits_2_with_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_ANOMALIES", "bogus=1")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["generate", "--out", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bogus" in lines[0] and "ECOM_ANOMALIES" in lines[0]
    assert not out.exists()


def test_anomalies_with_several_chunks_exit_2_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["generate", "--chunks", "2", "--anomalies", "null_emails=0.1", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "whole days" in result.stderr and not out.exists()


def test_load_keeps_the_anomalies_in_bronze_and_stops_the_day_at_the_bronze_gate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ecom_pipeline.storage.lake import resolve_lake

    home = tmp_path / "home"
    monkeypatch.setenv("ECOM_HOME", str(home))
    monkeypatch.setenv("ECOM_ANOMALIES", "duplicate_orders=0.2,null_emails=0.1")
    for _ in range(2):  # the second run reuses bronze of the same identity, and the gate stops it again
        result = CliRunner().invoke(main, ["load", "--to", "lake", "--scale", "small"])
        assert result.exit_code == 1, result.output + result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert "bronze gate failed for 2026-01-01" in line
        assert "orders.order_id_unique" in line and "customers.email_not_null" in line
    lake = resolve_lake(home)
    manifest = lake.bronze.manifest(ANOMALIES_TABLE, EPOCH)
    assert manifest is not None and manifest.dataset["anomalies"] == "duplicate_orders=0.2,null_emails=0.1"
    labels = lake.bronze.read(ANOMALIES_TABLE, EPOCH)
    assert set(labels["class"]) == {"duplicate_orders", "null_emails"}
    assert lake.bronze.read("orders", EPOCH)["order_id"].is_duplicated().any()  # bronze: the ground truth
    assert all(lake.silver.manifest(t, EPOCH) is None for t in (*TABLES, ANOMALIES_TABLE))  # nothing past it


def test_load_with_orphan_items_stages_the_day_but_never_publishes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str
) -> None:
    import psycopg

    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    result = CliRunner().invoke(main, ["load", "--anomalies", "orphan_items=0.01"])
    assert result.exit_code == 1, result.output + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "staged gate failed for 2026-01-01" in line and "order_items.order_id_resolves (1 rows)" in line
    assert "staged, not published" in line
    again = CliRunner().invoke(main, ["load", "--publish-only", "--anomalies", "orphan_items=0.01"])
    assert again.exit_code == 2
    assert "latest staged check failed" in again.stderr
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM raw.orders").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM raw_stage.order_items").fetchone()[0] > 0
