"""The staged gate on a real warehouse: clean staged days pass, each broken cross-table rule fails by name, and
publishing refuses a day whose latest staged check did not pass.

Days are staged with the warehouse's own `stage` (silver frames, as the loader stages them) into a database of
the test's own, then checked with `validate_staged` against the GX project copy of tests/quality/conftest.py.
Corruptions are made on the staged rows with SQL, the way a faulty upstream would leave them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest

from ecom_pipeline.generation import SCALES, GeneratorConfig, generate_day, inject, parse_anomalies
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.landing import record_verdict
from ecom_pipeline.quality import ANOMALY_RULES, STAGED, GateResult, sql_rules, validate_bronze, validate_staged
from ecom_pipeline.storage.conform import day_to_silver
from ecom_pipeline.storage.warehouse import Warehouse, WarehouseError

pytestmark = pytest.mark.slow

EPOCH = dt.date(2026, 1, 1)
WEEK = [EPOCH + dt.timedelta(days=i) for i in range(7)]


@pytest.fixture
def wh(fresh_db: str) -> Warehouse:
    warehouse = Warehouse(fresh_db)
    warehouse.migrate()
    return warehouse


def stage(wh: Warehouse, config: GeneratorConfig, day: dt.date, frames: dict[str, pl.DataFrame] | None = None) -> None:
    frames = frames if frames is not None else generate_day(config, day)
    wh.stage(day, day_to_silver(day, frames), dataset_identity(config, pii="full"), config.epoch)


def check(wh: Warehouse, day: dt.date, gx_context: Any) -> GateResult:
    """Run the staged gate and record its verdict, as the loader does."""
    version = wh.staged_version(day)
    result = validate_staged(wh.url, day, context=gx_context)
    record_verdict(wh, result, day, staged_version=version)
    return result


def execute(url: str, statement: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(statement).rowcount


# --- clean days pass --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", list(SCALES))
def test_a_clean_staged_day_passes_at_every_scale(wh: Warehouse, gx_context: Any, scale: str) -> None:
    config = GeneratorConfig(seed=42, scale=SCALES[scale], epoch=EPOCH)
    stage(wh, config, EPOCH)
    result = check(wh, EPOCH, gx_context)
    assert result.failures == []
    assert result.statistics["evaluated_expectations"] == len(sql_rules(STAGED))
    assert result.data_docs_url is not None and result.data_docs_url.startswith("http://127.0.0.1:3001/data_docs/")
    assert (Path(gx_context.root_directory) / "uncommitted/data_docs/local_site" / result.data_docs_page).is_file()


def test_a_clean_staged_day_passes_on_any_seed(wh: Warehouse, gx_context: Any) -> None:
    """20 seeds, each its own dataset in turn (the warehouse holds one dataset at a time)."""
    failures = {}
    for seed in range(20):
        wh.replace_dataset()
        config = GeneratorConfig(seed=seed, epoch=EPOCH)
        stage(wh, config, EPOCH)
        result = validate_staged(wh.url, EPOCH, context=gx_context, build_docs=False)
        failures[seed] = [f.rule for f in result.failures]
    assert failures == {seed: [] for seed in range(20)}


def test_a_week_staged_before_anything_is_published_passes_day_by_day(wh: Warehouse, gx_context: Any) -> None:
    """Later days reference customers, products and orders that are only staged so far."""
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    for day in WEEK:
        stage(wh, config, day)
        assert check(wh, day, gx_context).failures == [], day


def test_staged_days_resolve_against_the_published_days_before_them(wh: Warehouse, gx_context: Any) -> None:
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    for day in WEEK[:4]:
        stage(wh, config, day)
        assert check(wh, day, gx_context).success
        wh.publish(day, EPOCH)
    for day in WEEK[4:]:
        stage(wh, config, day)
        assert check(wh, day, gx_context).failures == [], day


# --- broken rules fail by name ----------------------------------------------------------------------------------


def test_orphan_items_fail_the_staged_gate_naming_the_rows(wh: Warehouse, gx_context: Any) -> None:
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    frames, labels = inject(generate_day(config, EPOCH), parse_anomalies("orphan_items=0.02"), seed=42, day=EPOCH)
    assert validate_bronze(frames, EPOCH, config, context=gx_context, build_docs=False).success  # invisible there
    stage(wh, config, EPOCH, frames)
    result = check(wh, EPOCH, gx_context)
    assert not result.success
    (failure,) = [f for f in result.failures if f.rule == ANOMALY_RULES["orphan_items"][1]]
    orphans = labels.filter(pl.col("class") == "orphan_items")["key"].to_list()
    assert failure.unexpected_count == len(orphans)
    assert {row["order_item_id"] for row in failure.sample} <= set(orphans)
    # The orders that lost a line no longer add up either.
    assert "orders.totals_equal_sum_of_items" in result.failed_rules


@pytest.mark.parametrize("name", sorted(ANOMALY_RULES))
def test_every_anomaly_class_is_stopped_by_the_gate_and_rule_named_for_it(
    wh: Warehouse, gx_context: Any, name: str
) -> None:
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    frames, labels = inject(generate_day(config, EPOCH), parse_anomalies(f"{name}=0.02"), seed=42, day=EPOCH)
    assert labels.height > 0
    checkpoint, rule = ANOMALY_RULES[name]
    if checkpoint == STAGED:
        stage(wh, config, EPOCH, frames)
        result = check(wh, EPOCH, gx_context)
    else:
        result = validate_bronze(frames, EPOCH, config, context=gx_context, build_docs=False)
    assert result.checkpoint == checkpoint
    assert not result.success
    assert rule in result.failed_rules


# Corruptions of a staged day, as SQL on raw_stage, and the rule each must fail: on the sixth day of a staged
# week (shipments, deliveries and cancellations are in it), or on the epoch for the opening catalog and base.
DAY = WEEK[5]
ON_EPOCH = {
    "categories.parent_category_id_resolves",
    "products.category_id_resolves",
    "customers.email_unique_across_days",
    "addresses.customer_id_resolves",
}
CORRUPTIONS: dict[str, str] = {
    "categories.parent_category_id_resolves": (
        "UPDATE raw_stage.categories SET parent_category_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.categories WHERE parent_category_id IS NOT NULL LIMIT 1)"
    ),
    "products.category_id_resolves": (
        "UPDATE raw_stage.products SET category_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.products WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "addresses.customer_id_resolves": (
        "UPDATE raw_stage.addresses SET customer_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.addresses WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "customers.email_unique_across_days": (
        "UPDATE raw_stage.customers SET email = (SELECT min(email) FROM raw_stage.customers) WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.customers WHERE _partition_date = '{day}' ORDER BY email DESC LIMIT 1)"
    ),
    "orders.customer_id_resolves": (
        "UPDATE raw_stage.orders SET customer_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.orders WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "orders.shipping_address_id_resolves": (
        "UPDATE raw_stage.orders AS o SET shipping_address_id = (SELECT a.address_id FROM raw_stage.addresses a"
        " WHERE a.customer_id <> o.customer_id LIMIT 1) WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.orders WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "orders.placed_after_signup": (
        "UPDATE raw_stage.orders SET created_at = '2020-01-01T00:00:00Z' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.orders WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "orders.totals_equal_sum_of_items": (
        "UPDATE raw_stage.orders SET subtotal = subtotal + 1, total = total + 1 WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.orders WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "orders.order_id_staged_once": (
        "INSERT INTO raw_stage.orders SELECT * FROM raw_stage.orders WHERE _partition_date = '{day}' LIMIT 1"
    ),
    "order_items.order_id_resolves": (
        "UPDATE raw_stage.order_items SET order_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_items WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "order_items.product_id_resolves": (
        "UPDATE raw_stage.order_items SET product_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_items WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "order_items.unit_price_equals_product_price": (
        "UPDATE raw_stage.order_items SET unit_price = unit_price + 1 WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_items WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "order_status_history.order_id_resolves": (
        "UPDATE raw_stage.order_status_history SET order_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_status_history WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "order_status_history.placed_at_order_creation": (
        "UPDATE raw_stage.order_status_history SET changed_at = changed_at - interval '1 second' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_status_history WHERE _partition_date = '{day}'"
        " AND status = 'placed' LIMIT 1)"
    ),
    "order_status_history.paid_after_placed": (
        "UPDATE raw_stage.order_status_history SET changed_at = '2025-12-01T00:00:00Z' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_status_history WHERE _partition_date = '{day}' AND status = 'paid'"
        " LIMIT 1)"
    ),
    "order_status_history.shipped_after_paid": (
        "DELETE FROM raw_stage.order_status_history WHERE status = 'paid' AND order_id IN"
        " (SELECT order_id FROM raw_stage.order_status_history WHERE _partition_date = '{day}'"
        " AND status = 'shipped' LIMIT 1)"
    ),
    "order_status_history.delivered_after_shipped": (
        "UPDATE raw_stage.order_status_history AS s SET changed_at = '2025-12-01T00:00:00Z' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.order_status_history WHERE _partition_date = '{day}'"
        " AND status = 'delivered' LIMIT 1)"
    ),
    "order_status_history.nothing_after_cancelled": (
        "INSERT INTO raw_stage.order_status_history (order_id, status, changed_at, _partition_date)"
        " SELECT order_id, 'paid', '{day} 23:00:00+00', '{day}'"
        " FROM raw_stage.order_status_history WHERE status = 'cancelled' LIMIT 1"
    ),
    "payments.order_id_resolves": (
        "UPDATE raw_stage.payments SET order_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.payments WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "payments.captured_amount_equals_order_total": (
        "UPDATE raw_stage.payments SET amount = amount + 1 WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.payments WHERE _partition_date = '{day}' AND status = 'captured' LIMIT 1)"
    ),
    "payments.not_before_order": (
        "UPDATE raw_stage.payments SET created_at = '2025-12-01T00:00:00Z' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.payments WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "shipments.order_id_resolves": (
        "UPDATE raw_stage.shipments SET order_id = 'missing' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.shipments WHERE _partition_date = '{day}' LIMIT 1)"
    ),
    "shipments.shipped_after_paid": (
        "UPDATE raw_stage.shipments SET shipped_at = '2025-12-01T00:00:00Z' WHERE ctid IN"
        " (SELECT ctid FROM raw_stage.shipments WHERE _partition_date = '{day}' LIMIT 1)"
    ),
}


@pytest.fixture(scope="module")
def staged_week(pg_server_url: str) -> Callable[[], Any]:
    """A week staged in a template database; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    from tests.conftest import throwaway_database

    with throwaway_database(pg_server_url, "ecom_week") as template:
        wh = Warehouse(template)
        wh.migrate()
        config = GeneratorConfig(seed=42, epoch=EPOCH)
        for day in WEEK[: WEEK.index(DAY) + 1]:
            stage(wh, config, day)
        yield template


def _copy(server: str, template: str, target: str) -> None:
    from urllib.parse import urlsplit

    from tests.conftest import _with_database

    name, source = urlsplit(target).path.lstrip("/"), urlsplit(template).path.lstrip("/")
    with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


def test_every_staged_rule_has_a_corruption_that_breaks_it() -> None:
    assert set(CORRUPTIONS) == {rule.name for rule in sql_rules(STAGED)}


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
def test_each_broken_cross_table_rule_fails_by_name(
    pg_server_url: str, staged_week: str, fresh_db: str, gx_context: Any, rule: str
) -> None:
    _copy(pg_server_url, staged_week, fresh_db)
    wh = Warehouse(fresh_db)
    day = EPOCH if rule in ON_EPOCH else DAY
    assert validate_staged(wh.url, day, context=gx_context, build_docs=False).success
    assert execute(wh.url, CORRUPTIONS[rule].format(day=day)) >= 1
    result = validate_staged(wh.url, day, context=gx_context, build_docs=False)
    assert rule in result.failed_rules, result.failed_rules
    (failure,) = [f for f in result.failures if f.rule == rule]
    assert failure.unexpected_count and failure.unexpected_count >= 1
    assert failure.sample and isinstance(failure.sample[0], dict)


def test_a_day_not_in_the_ledger_fails_the_gate_instead_of_passing_empty(wh: Warehouse, gx_context: Any) -> None:
    result = validate_staged(wh.url, EPOCH, context=gx_context, build_docs=False)
    assert not result.success
    assert result.failed_rules == {"staged.partition_present"}


# --- publishing obeys the verdict -------------------------------------------------------------------------------


def _raw_orders(url: str, day: dt.date) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM raw.orders WHERE _partition_date = %s", (day,)).fetchone()[0]


def test_publishing_refuses_a_day_whose_latest_staged_check_failed(wh: Warehouse, gx_context: Any) -> None:
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    frames, _ = inject(generate_day(config, EPOCH), parse_anomalies("orphan_items=0.02"), seed=42, day=EPOCH)
    stage(wh, config, EPOCH, frames)
    with pytest.raises(WarehouseError, match="has not passed the staged quality check"):
        wh.publish(EPOCH, EPOCH)  # not checked yet
    assert not check(wh, EPOCH, gx_context).success
    with pytest.raises(WarehouseError, match=r"latest staged check failed \(.*order_items\.order_id_resolves"):
        wh.publish(EPOCH, EPOCH)  # a later run, without the gate, cannot publish it either
    assert _raw_orders(wh.url, EPOCH) == 0
    ledger = wh.ledger()
    assert set(ledger["check_status"]) == {"failed"} and set(ledger["status"]) == {"staged"}

    stage(wh, config, EPOCH)  # the clean day, staged again: not checked yet
    assert set(wh.ledger()["check_status"]) == {None}
    with pytest.raises(WarehouseError, match="has not passed"):
        wh.publish(EPOCH, EPOCH)
    assert check(wh, EPOCH, gx_context).success
    wh.publish(EPOCH, EPOCH)
    assert _raw_orders(wh.url, EPOCH) == generate_day(config, EPOCH)["orders"].height
    record = wh.latest_check(STAGED, EPOCH)
    assert record is not None and record.success and record.data_docs_url


def test_a_verdict_on_a_version_staged_over_since_is_refused(wh: Warehouse) -> None:
    config = GeneratorConfig(seed=42, epoch=EPOCH)
    stage(wh, config, EPOCH)
    version = wh.staged_version(EPOCH)
    stage(wh, config, EPOCH)  # staged again while the (slow) check of the first version ran
    with pytest.raises(WarehouseError, match="staged again while it was checked"):
        wh.record_check(STAGED, EPOCH, success=True, run_name="stale", staged_version=version)
    with pytest.raises(WarehouseError, match="has not passed"):
        wh.publish(EPOCH, EPOCH)
