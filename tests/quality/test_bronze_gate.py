"""The bronze gate: clean days pass at every scale and seed; each injected anomaly fails with its own rule.

One GX context (tests/quality/conftest.py), in a temporary copy of the repository's `great_expectations/`
folder, so the runs' results and Data Docs never land in the checkout.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ecom_pipeline.generation import (
    ANOMALY_CLASSES,
    SCALES,
    TABLES,
    GeneratorConfig,
    generate_day,
    inject,
    parse_anomalies,
)
from ecom_pipeline.quality import GX_DIR, bronze_rules, row_count_bounds, validate_bronze

pytestmark = pytest.mark.slow

EPOCH = dt.date(2026, 1, 1)
REVIEWED = ("great_expectations.yml", ".gitignore", "expectations", "checkpoints", "validation_definitions")
WRITE = "uv run python -m ecom_pipeline.quality"


_days: dict[tuple[str, int, dt.date], dict[str, pl.DataFrame]] = {}


def clean_day(scale: str, day: dt.date, seed: int = 42) -> tuple[GeneratorConfig, dict[str, pl.DataFrame]]:
    config = GeneratorConfig(seed=seed, scale=SCALES[scale], epoch=EPOCH)
    key = (scale, seed, day)
    if key not in _days:
        _days[key] = generate_day(config, day)
    return config, _days[key]


def _read(path: Path) -> dict[str, bytes]:
    files = {}
    for name in REVIEWED:
        target = path / name
        for file in [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file()):
            files[str(file.relative_to(path))] = file.read_bytes()
    return files


def test_the_committed_project_is_what_the_code_writes(gx_root: Path) -> None:
    """Suites and checkpoints are written by `write_project`, never edited by hand: rewriting changes nothing."""
    assert GX_DIR.exists(), f"write it: {WRITE}"
    written, committed = _read(gx_root), _read(GX_DIR)
    assert {"checkpoints/bronze.json", "checkpoints/staged.json", "checkpoints/marts.json"} <= set(committed)
    assert written == committed, f"the committed GX project is out of date: {WRITE}"


def test_quality_imports_neither_dagster_nor_great_expectations() -> None:
    code = "import sys, ecom_pipeline.quality; print(sorted({'dagster', 'great_expectations'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_rule_has_a_unique_name_prefixed_by_its_table() -> None:
    names = [rule.name for table in TABLES for rule in bronze_rules(table)]
    assert len(names) == len(set(names))
    for table in TABLES:
        assert all(rule.table == table for rule in bronze_rules(table))
    assert set(row_count_bounds(GeneratorConfig(), EPOCH)) == set(TABLES)


@pytest.mark.parametrize(
    ("scale", "day"),
    [
        ("small", EPOCH),
        ("small", dt.date(2026, 11, 27)),  # Black Friday
        ("medium", EPOCH),
        ("medium", dt.date(2026, 6, 15)),
        ("large", EPOCH),
        ("large", dt.date(2026, 11, 30)),  # Cyber Monday: the busiest day
        ("xlarge", EPOCH),  # one million opening customers
    ],
)
def test_a_clean_day_passes_at_every_scale(gx_context: Any, scale: str, day: dt.date) -> None:
    config, frames = clean_day(scale, day)
    result = validate_bronze(frames, day, config, context=gx_context)
    assert result.failures == []
    assert result.success
    stats = result.statistics
    assert set(stats["tables"]) == set(TABLES)
    assert stats["tables"]["orders"]["rows"] == frames["orders"].height
    assert stats["evaluated_expectations"] == sum(len(bronze_rules(t)) for t in TABLES)
    assert result.data_docs_url is not None and result.data_docs_url.startswith("http://127.0.0.1:3001/data_docs/")
    assert (Path(gx_context.root_directory) / "uncommitted/data_docs/local_site" / result.data_docs_page).is_file()


@pytest.mark.parametrize("seed", range(20))
def test_a_clean_day_passes_on_any_seed(gx_context: Any, seed: int) -> None:
    day = EPOCH + dt.timedelta(days=17 * seed)  # across the year, the epoch included
    config, frames = clean_day("small", day, seed=seed)
    result = validate_bronze(frames, day, config, context=gx_context, build_docs=False)
    assert result.failures == []


# Every rule the anomaly class breaks: its own, and the ones that follow from it by arithmetic.
ANOMALY_RULES = {
    "duplicate_orders": {"orders.order_id_unique"},
    "negative_prices": {
        "order_items.unit_price_positive",
        "order_items.line_total_equals_components",  # line_total was not recomputed
        "products.price_positive",
        "products.cost_below_price",
    },
    "future_timestamps": {"orders.created_at_before_partition_end"},
    "total_mismatch": {"orders.total_equals_components"},
    "null_emails": {"customers.email_not_null"},
}
# The rule that must name each class (with the number of rows it corrupted in that table).
OWN_RULE = {
    "duplicate_orders": ("orders", "orders.order_id_unique"),
    "negative_prices": ("order_items", "order_items.unit_price_positive"),
    "future_timestamps": ("orders", "orders.created_at_before_partition_end"),
    "total_mismatch": ("orders", "orders.total_equals_components"),
    "null_emails": ("customers", "customers.email_not_null"),
}


@pytest.mark.parametrize("name", [name for name in ANOMALY_CLASSES if name != "orphan_items"])
def test_each_anomaly_fails_the_gate_with_its_rule(gx_context: Any, name: str) -> None:
    config, clean = clean_day("small", EPOCH)  # the opening day: products, customers and orders all present
    frames, labels = inject(clean, parse_anomalies(f"{name}=0.02"), seed=config.seed, day=EPOCH)
    result = validate_bronze(frames, EPOCH, config, context=gx_context)
    assert not result.success
    assert result.failed_rules == ANOMALY_RULES[name]
    table, rule = OWN_RULE[name]
    corrupted = labels.filter(pl.col("table") == table).height
    assert corrupted > 0
    (failure,) = [f for f in result.failures if f.rule == rule]
    # GX counts every row of a duplicated key, the original as well as its copy.
    assert failure.unexpected_count == (2 * corrupted if name == "duplicate_orders" else corrupted)
    assert failure.table == table
    assert failure.sample


def test_orphan_items_pass_the_bronze_gate_for_the_staged_gate_to_catch(gx_context: Any) -> None:
    """An orphan line is valid on its own: finding it joins order_items to orders (see test_staged_gate.py)."""
    config, clean = clean_day("small", EPOCH)
    frames, labels = inject(clean, parse_anomalies("orphan_items=0.02"), seed=config.seed, day=EPOCH)
    assert labels.height > 0
    assert validate_bronze(frames, EPOCH, config, context=gx_context, build_docs=False).failures == []


def _underage(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The first customer born 17 years (of 365 days) before signing up."""
    young = pl.col("signup_at").dt.date() - pl.duration(days=17 * 365)
    first = pl.int_range(pl.len()) == 0
    birth = pl.when(first).then(young).otherwise(pl.col("birth_date")).alias("birth_date")
    return {**frames, "customers": frames["customers"].with_columns(birth)}


HAND_MADE = {
    "underage_customer": (_underage, {"customers.age_at_signup_18_to_90"}),
    "integer_widened": (
        lambda f: {**f, "orders": f["orders"].with_columns(pl.col("item_count").cast(pl.Int64))},
        {"orders.dtypes_match_contract"},
    ),
    "column_dropped": (
        lambda f: {**f, "payments": f["payments"].drop("card_bin")},
        # and the rule on the column's values, which has no column to read
        {"payments.dtypes_match_contract", "payments.columns_match_contract", "payments.card_bin_digits"},
    ),
    "enum_out_of_set": (
        lambda f: {**f, "customers": f["customers"].with_columns(pl.lit("robot").alias("segment"))},
        {"customers.segment_in_set"},
    ),
    "partition_truncated": (lambda f: {**f, "customers": f["customers"].head(3)}, {"customers.row_count_in_bounds"}),
    "table_missing": (lambda f: {t: v for t, v in f.items() if t != "shipments"}, {"shipments.partition_present"}),
    "status_history_duplicated": (
        lambda f: {**f, "order_status_history": pl.concat([f["order_status_history"]] * 2)},
        {"order_status_history.primary_key_unique"},
    ),
}


@pytest.mark.parametrize("case", list(HAND_MADE))
def test_hand_made_corruptions_fail_with_their_rule(gx_context: Any, case: str) -> None:
    """Rules no anomaly class exercises: ages, types, columns, enums, sizes, composite keys."""
    corrupt, expected = HAND_MADE[case]
    config, clean = clean_day("small", EPOCH)
    result = validate_bronze(corrupt(clean), EPOCH, config, context=gx_context, build_docs=False)
    assert not result.success
    assert result.failed_rules == expected


@pytest.fixture(scope="module", autouse=True)
def _forget_days() -> Iterator[None]:
    yield
    _days.clear()
