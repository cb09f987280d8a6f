"""Invariants that hold for any seed, any day and any profile size (property-based)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ecom_pipeline.generation import CONTRACTS, SCALES, GeneratorConfig, generate_day, json_schema

EPOCH = dt.date(2026, 1, 1)

configs = st.builds(
    lambda seed, customers, products, orders, epoch_offset: GeneratorConfig(
        seed=seed,
        scale=dataclasses.replace(
            SCALES["small"], opening_customers=customers, opening_products=products, orders_per_day=orders
        ),
        epoch=EPOCH + dt.timedelta(days=epoch_offset),
    ),
    seed=st.integers(0, 2**63 - 1),
    customers=st.integers(0, 400),
    products=st.integers(6, 300),
    orders=st.floats(0, 40),
    epoch_offset=st.integers(-2000, 2000),
)


def _check_day(frames: dict[str, pl.DataFrame], day: dt.date) -> None:
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    for table, contract in CONTRACTS.items():
        frame = frames[table]
        assert frame.schema == contract.schema, table
        assert frame.select(list(contract.primary_key)).is_duplicated().sum() == 0, table
        for column, dtype in contract.schema.items():
            if isinstance(dtype, pl.Datetime) and frame.height:
                assert frame[column].max() < end, (table, column)
    orders, items = frames["orders"], frames["order_items"]
    if orders.height:
        assert orders["created_at"].min() >= start
        sums = items.group_by("order_id").agg(pl.col("line_total").sum())
        joined = orders.join(sums, on="order_id")
        assert joined.height == orders.height
        assert (joined["subtotal"] == joined["line_total"]).all()
        total = orders["subtotal"] - orders["discount"] + orders["tax"] + orders["shipping_fee"]
        assert (orders["total"] == total).all()
    expected = items["unit_price"] * items["quantity"].cast(pl.Decimal(12, 0)) - items["discount"]
    assert (items["line_total"] == expected).all()
    for table in ("order_status_history", "payments", "shipments"):
        column = {"order_status_history": "changed_at", "payments": "created_at", "shipments": "shipped_at"}[table]
        if frames[table].height:
            assert frames[table][column].min() >= start, table


@settings(max_examples=25, deadline=None)
@given(config=configs, offset=st.integers(0, 500))
def test_any_day_of_any_configuration_keeps_the_contract_and_its_arithmetic(config, offset):
    day = config.epoch + dt.timedelta(days=offset)
    _check_day(generate_day(config, day), day)


@settings(max_examples=10, deadline=None)
@given(config=configs)
def test_the_epoch_day_holds_the_whole_opening_population(config):
    frames = generate_day(config, config.epoch)
    assert frames["customers"].height >= config.scale.opening_customers
    assert frames["products"].height >= config.scale.opening_products
    assert frames["categories"].height > 0
    # every storefront opens with at least one active product
    active = frames["products"].filter(pl.col("is_active"))
    assert active["currency"].n_unique() == len({m.currency for m in config.markets})


def test_the_contract_exports_as_json_schema_with_its_version():
    schema = json.loads(json.dumps(json_schema()))
    assert schema["version"] == "1.1.0"
    assert set(schema["$defs"]) == set(CONTRACTS)
    orders = schema["$defs"]["orders"]
    assert orders["properties"]["total"]["format"] == "decimal"
    assert orders["properties"]["created_at"]["format"] == "date-time"
    assert orders["x-primary-key"] == ["order_id"]
    assert "order_id" in orders["required"]


def test_importing_the_generator_and_the_cli_loads_no_orchestration_or_quality_framework():
    code = (
        "import sys, ecom_pipeline.cli, ecom_pipeline.generation;"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('dagster', 'dbt', 'great_expectations')];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
