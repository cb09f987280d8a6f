"""Referential integrity, arithmetic and 'no future' over ranges that start at the epoch."""

from __future__ import annotations

import datetime as dt
import uuid

import polars as pl
import pytest

from ecom_pipeline.generation import CONTRACTS

DATASETS = ["small_month", "busy_range"]


@pytest.fixture(params=DATASETS)
def data(request: pytest.FixtureRequest) -> dict[str, pl.DataFrame]:
    return request.getfixturevalue(request.param)


def _missing(child: pl.DataFrame, column: str, parent: pl.DataFrame, key: str) -> int:
    refs = child.select(pl.col(column).drop_nulls().alias(key))
    return refs.join(parent.select(key), on=key, how="anti").height


FOREIGN_KEYS = [
    ("categories", "parent_category_id", "categories", "category_id"),
    ("products", "category_id", "categories", "category_id"),
    ("addresses", "customer_id", "customers", "customer_id"),
    ("orders", "customer_id", "customers", "customer_id"),
    ("orders", "shipping_address_id", "addresses", "address_id"),
    ("order_items", "order_id", "orders", "order_id"),
    ("order_items", "product_id", "products", "product_id"),
    ("order_status_history", "order_id", "orders", "order_id"),
    ("payments", "order_id", "orders", "order_id"),
    ("shipments", "order_id", "orders", "order_id"),
]


@pytest.mark.parametrize(("child", "column", "parent", "key"), FOREIGN_KEYS)
def test_every_foreign_key_resolves(data, child, column, parent, key):
    assert data[child].height > 0
    assert _missing(data[child], column, data[parent], key) == 0


def test_every_table_of_every_day_is_present_and_matches_the_contract(small_month):
    for table, contract in CONTRACTS.items():
        frame = small_month[table].drop("_date")
        assert frame.schema == contract.schema, table
        for column in contract.columns:
            if not column.nullable:
                assert frame[column.name].null_count() == 0, (table, column.name)
            if column.enum:
                assert set(frame[column.name].drop_nulls().unique()) <= set(column.enum), (table, column.name)


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_primary_keys_are_unique(data, table):
    pk = list(CONTRACTS[table].primary_key)
    assert data[table].select(pk).is_duplicated().sum() == 0


def test_ids_are_uuidv7_carrying_the_rows_own_time(busy_range):
    orders = busy_range["orders"].head(500).with_columns(pl.col("created_at").dt.epoch("ms").alias("ms"))
    for order_id, ms in orders.select("order_id", "ms").iter_rows():
        u = uuid.UUID(order_id)
        assert u.version == 7 and u.variant == uuid.RFC_4122
        assert u.int >> 80 == ms


def test_shipping_address_belongs_to_the_ordering_customer(data):
    joined = data["orders"].join(
        data["addresses"].select("address_id", pl.col("customer_id").alias("owner")),
        left_on="shipping_address_id",
        right_on="address_id",
    )
    assert joined.height == data["orders"].height
    assert (joined["customer_id"] == joined["owner"]).all()


def test_orders_never_reference_future_customers(data):
    joined = data["orders"].join(data["customers"].select("customer_id", "signup_at"), on="customer_id")
    assert (joined["signup_at"] < joined["created_at"]).all()


def test_order_lines_are_active_products_launched_before_the_order_in_its_currency(data):
    lines = (
        data["order_items"]
        .join(data["orders"].select("order_id", "created_at", "currency"), on="order_id")
        .join(
            data["products"].select(
                "product_id",
                "launched_at",
                "is_active",
                pl.col("price").alias("list_price"),
                pl.col("currency").alias("product_currency"),
            ),
            on="product_id",
        )
    )
    assert lines.height == data["order_items"].height
    assert (lines["launched_at"] < lines["created_at"]).all()
    assert lines["is_active"].all()
    assert (lines["currency"] == lines["product_currency"]).all()
    assert (lines["unit_price"] == lines["list_price"]).all()


def test_line_total_is_quantity_times_unit_price_minus_discount(data):
    items = data["order_items"]
    assert (items["quantity"] >= 1).all()
    expected = items["unit_price"] * items["quantity"].cast(pl.Decimal(12, 0)) - items["discount"]
    assert (items["line_total"] == expected).all()
    assert (items["discount"] >= 0).all()


def test_order_money_adds_up(data):
    orders = data["orders"]
    sums = (
        data["order_items"]
        .group_by("order_id")
        .agg(pl.col("line_total").sum().alias("lines"), pl.len().alias("n"), pl.col("quantity").sum().alias("q"))
    )
    joined = orders.join(sums, on="order_id", how="left")
    assert joined["lines"].null_count() == 0
    assert (joined["subtotal"] == joined["lines"]).all()
    assert (joined["item_count"].cast(pl.UInt32) == joined["n"]).all()
    assert (joined["units"] == joined["q"]).all()
    total = joined["subtotal"] - joined["discount"] + joined["tax"] + joined["shipping_fee"]
    assert (joined["total"] == total).all()
    for column in ("subtotal", "discount", "tax", "shipping_fee", "total"):
        assert (orders[column] >= 0).all()


def test_yen_amounts_are_whole_yen(data):
    jpy = data["orders"].filter(pl.col("currency") == "JPY")
    assert jpy.height > 0
    for column in ("subtotal", "discount", "tax", "shipping_fee", "total"):
        assert (jpy[column].cast(pl.Float64) % 1 == 0).all()


def test_every_paid_order_has_exactly_one_captured_payment_equal_to_its_total_at_the_paid_change(data):
    paid = data["order_status_history"].filter(pl.col("status") == "paid")
    captured = data["payments"].filter(pl.col("status") == "captured")
    assert captured.group_by("order_id").len()["len"].max() == 1
    joined = paid.join(captured, on="order_id", how="left").join(
        data["orders"].select("order_id", "total"), on="order_id"
    )
    assert joined["payment_id"].null_count() == 0
    assert (joined["created_at"] == joined["changed_at"]).all()
    assert (joined["amount"] == joined["total"]).all()
    assert captured.height == paid.height


def test_failed_attempts_come_before_the_capture_or_cancellation(data):
    failed = data["payments"].filter(pl.col("status") == "failed")
    ends = data["order_status_history"].filter(pl.col("status").is_in(["paid", "cancelled"]))
    joined = failed.join(ends, on="order_id", how="inner")
    assert joined.height > 0
    assert (joined["created_at"] < joined["changed_at"]).all()
    assert failed["failure_reason"].null_count() == 0


def test_cards_carry_brand_bin_and_last4_and_other_methods_do_not(data):
    payments = data["payments"]
    cards = payments.filter(pl.col("method").is_in(["credit_card", "debit_card"]))
    others = payments.filter(~pl.col("method").is_in(["credit_card", "debit_card"]))
    assert cards["card_brand"].null_count() == 0
    assert cards["card_last4"].str.contains(r"^\d{4}$").all()
    assert cards["card_bin"].str.contains(r"^\d{6}$").all()
    assert others.select(pl.col("card_brand", "card_bin", "card_last4").null_count()).row(0) == (others.height,) * 3


TIMESTAMPS = {
    "categories": ["created_at"],
    "products": ["launched_at"],
    "customers": ["signup_at"],
    "addresses": ["created_at"],
    "orders": ["created_at"],
    "order_status_history": ["changed_at"],
    "payments": ["created_at"],
    "shipments": ["shipped_at"],
}


@pytest.mark.parametrize("table", list(TIMESTAMPS))
def test_no_partition_holds_a_timestamp_after_its_day(data, table):
    frame = data[table]
    for column in TIMESTAMPS[table]:
        day_end = (pl.col("_date") + pl.duration(days=1)).cast(pl.Datetime("us", "UTC"))
        assert frame.filter(pl.col(column) >= day_end).height == 0


@pytest.mark.parametrize("table", list(TIMESTAMPS))
def test_outside_the_epoch_every_row_falls_within_its_own_day(data, table):
    epoch = data["categories"]["_date"].min()
    frame = data[table].filter(pl.col("_date") > epoch)
    for column in TIMESTAMPS[table]:
        assert (frame[column].dt.date() == frame["_date"]).all()


def test_the_opening_population_lives_only_in_the_epoch_partition(small_month):
    epoch = dt.date(2026, 1, 1)
    assert set(small_month["categories"]["_date"].unique()) == {epoch}
    before = pl.lit(epoch).cast(pl.Datetime("us", "UTC"))
    backdated = small_month["customers"].filter(pl.col("signup_at") < before)
    assert backdated.height == 350  # the small profile's opening base
    assert set(backdated["_date"].unique()) == {epoch}
    launched = small_month["products"].filter(pl.col("launched_at") < before)
    assert launched.height == 220
    years = (epoch - backdated["signup_at"].min().date()).days / 365.25
    assert 3 < years <= 5.01  # spread over the years before the epoch


def test_the_partition_date_is_not_a_column_of_any_table():
    for contract in CONTRACTS.values():
        assert "date" not in contract.schema
