"""The marts' key figures equal the same figures recomputed independently from the bronze Parquet.

Two weeks of `small` data (seed 42, 2026-01-01..2026-01-14) are landed once (tests/dbt/conftest.py: lake and
warehouse, through the quality gates) and built with ONE `dbt build` over the range. The figures are then
recomputed with polars from the bronze partitions in the lake (not from the warehouse or silver) and compared
exactly: counts as integers, money as integer cents (Decimal), never approximately.

Definitions followed (from the SQL and YAML of the marts):
- order_date is the UTC date of orders.created_at; a customer's sign-up date is the UTC date of signup_at.
- Money is converted per order: total_local * rate (fx_rates.csv rebased on var reporting_currency, 6 decimals),
  rounded half away from zero to cents (PostgreSQL round), then summed.
- aov = round(gross_revenue / orders, 2), half away from zero; null on a day without orders.
- An order is cancelled when its status history up to the latest loaded day holds a 'cancelled' change
  (cancelled ranks above every other status, so it is the current status once reached).
- Returning customers: customers ordering on a day who ordered on an earlier day (orders from the epoch on).
- new_customers: customers whose sign-up UTC date is that day (the opening base signed up years before the epoch,
  so it counts on no day of the range even though it sits in the epoch's partition).
- Cohort: month of a customer's first order (not of sign-up); cohort_size counts those customers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
import yaml

from tests.dbt.conftest import DAYS, DBT_PROJECT_DIR, LAST_DAY, MartsWarehouse

pytestmark = pytest.mark.slow

TABLES = ("customers", "orders", "order_items", "order_status_history")
KEYS = {
    "customers": ["customer_id"],
    "orders": ["order_id"],
    "order_items": ["order_item_id"],
    "order_status_history": ["order_id", "status"],
}


# --- building the marts --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(marts_warehouse: MartsWarehouse) -> MartsWarehouse:
    return marts_warehouse


def _query(url: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def daily(warehouse: MartsWarehouse) -> dict[str, dict[dt.date, Any]]:
    """marts.agg_daily_revenue as column -> {order_date: value}."""
    columns = [
        "orders",
        "gross_revenue",
        "units",
        "new_customers",
        "returning_customers",
        "cancelled_orders",
        "net_revenue",
        "aov",
        "reporting_currency",
    ]
    rows = _query(warehouse.url, f"select order_date, {', '.join(columns)} from marts.agg_daily_revenue")
    return {column: {row[0]: row[i] for row in rows} for i, column in enumerate(columns, start=1)}


# --- recomputing from bronze ---------------------------------------------------------------------------------


def _round_half_away(value: Fraction, places: int) -> int:
    """`value` rounded to `places` decimals as PostgreSQL's numeric round does (ties away from zero), scaled."""
    scaled = value * 10**places
    magnitude = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    return magnitude if scaled >= 0 else -magnitude


def _reporting_currency() -> str:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"]["reporting_currency"]


def _rates_in_millionths() -> pl.DataFrame:
    """fx_rates.csv rebased on the reporting currency, to 6 decimals, as integer millionths."""
    seed = pl.read_csv(DBT_PROJECT_DIR / "seeds" / "fx_rates.csv", infer_schema=False)
    rates = {row["currency"]: Fraction(Decimal(row["rate_to_reporting"])) for row in seed.iter_rows(named=True)}
    base = rates[_reporting_currency()]
    return pl.DataFrame(
        {"currency": list(rates), "rate_millionths": [_round_half_away(rate / base, 6) for rate in rates.values()]},
        schema={"currency": pl.String, "rate_millionths": pl.Int64},
    )


def _cents(column: str) -> pl.Expr:
    """A decimal(12, 2) amount as exact integer cents."""
    return (pl.col(column) * 100).cast(pl.Int64)


def _to_reporting_cents(local_cents: pl.Expr, rate_millionths: pl.Expr) -> pl.Expr:
    """local * rate rounded half away from zero to cents: the product is in 1e-8 units, divided by 1e6."""
    product = local_cents * rate_millionths
    return product.sign() * ((product.abs() + 500_000) // 1_000_000)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@pytest.fixture(scope="module")
def bronze(warehouse: MartsWarehouse) -> dict[str, pl.DataFrame]:
    """Each table's bronze partitions of the range, concatenated (the rows of a partition are its day's)."""
    from ecom_pipeline.storage.lake import resolve_lake

    lake = resolve_lake(warehouse.home, environ={})
    frames = {
        table: pl.concat(
            [lake.bronze.read(table, day).with_columns(pl.lit(day).alias("partition_day")) for day in DAYS],
            how="vertical_relaxed",
        )
        for table in TABLES
    }
    for table, frame in frames.items():  # the recomputation counts rows: it needs one row per key
        assert frame.select(KEYS[table]).is_duplicated().sum() == 0, f"bronze {table} repeats a key"
    return frames


@pytest.fixture(scope="module")
def orders(bronze: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per order placed in the range: UTC date, customer, units of its lines, total in reporting cents,
    and whether it is cancelled as of the last loaded day."""
    units = bronze["order_items"].group_by("order_id").agg(pl.col("quantity").cast(pl.Int64).sum().alias("units"))
    cancelled = (
        bronze["order_status_history"]
        .filter((pl.col("status") == "cancelled") & (pl.col("partition_day") <= LAST_DAY))
        .select("order_id", pl.lit(True).alias("is_cancelled"))
    )
    return (
        bronze["orders"]
        .join(_rates_in_millionths(), on="currency", how="left", validate="m:1")
        .join(units, on="order_id", how="left", validate="1:1")
        .join(cancelled, on="order_id", how="left", validate="1:1")
        .select(
            "order_id",
            "customer_id",
            pl.col("created_at").dt.convert_time_zone("UTC").dt.date().alias("order_date"),
            pl.col("units").fill_null(0),
            _to_reporting_cents(_cents("total"), pl.col("rate_millionths")).alias("total_cents"),
            pl.col("is_cancelled").fill_null(False),
        )
    )


@pytest.fixture(scope="module")
def expected_daily(orders: pl.DataFrame, bronze: dict[str, pl.DataFrame]) -> dict[str, dict[dt.date, Any]]:
    """The daily figures recomputed from bronze, as column -> {day: value} over every day of the range."""
    assert orders["total_cents"].null_count() == 0, "an order's currency is missing from fx_rates.csv"
    first_order = orders.group_by("customer_id").agg(pl.col("order_date").min().alias("first_order_date"))
    per_day = (
        orders.join(first_order, on="customer_id", validate="m:1")
        .group_by("order_date")
        .agg(
            pl.len().alias("orders"),
            pl.col("total_cents").sum().alias("gross_cents"),
            pl.col("units").sum().alias("units"),
            pl.col("is_cancelled").sum().alias("cancelled_orders"),
            pl.col("total_cents").filter(pl.col("is_cancelled")).sum().alias("cancelled_cents"),
            pl.col("customer_id")
            .filter(pl.col("first_order_date") < pl.col("order_date"))
            .n_unique()
            .alias("returning_customers"),
        )
    )
    signups = (
        bronze["customers"]
        .group_by(pl.col("signup_at").dt.convert_time_zone("UTC").dt.date().alias("order_date"))
        .agg(pl.len().alias("new_customers"))
    )
    by_day = {row["order_date"]: row for row in per_day.iter_rows(named=True)}
    new = dict(signups.iter_rows())
    expected: dict[str, dict[dt.date, Any]] = {
        k: {}
        for k in (
            "orders",
            "gross_revenue",
            "units",
            "new_customers",
            "returning_customers",
            "cancelled_orders",
            "net_revenue",
            "aov",
        )
    }
    for day in DAYS:
        row = by_day.get(day)
        n = row["orders"] if row else 0
        gross = row["gross_cents"] if row else 0
        expected["orders"][day] = n
        expected["gross_revenue"][day] = _money(gross)
        expected["units"][day] = row["units"] if row else 0
        expected["new_customers"][day] = new.get(day, 0)
        expected["returning_customers"][day] = row["returning_customers"] if row else 0
        expected["cancelled_orders"][day] = row["cancelled_orders"] if row else 0
        expected["net_revenue"][day] = _money(gross - (row["cancelled_cents"] if row else 0))
        expected["aov"][day] = _money(_round_half_away(Fraction(gross, 100 * n), 2)) if n else None
    return expected


def _differences(expected: dict[dt.date, Any], actual: dict[dt.date, Any]) -> list[str]:
    return [
        f"{day}: expected {expected.get(day)!r}, mart {actual.get(day)!r}"
        for day in sorted(set(expected) | set(actual))
        if expected.get(day) != actual.get(day)
    ]


def _assert_daily(column: str, expected: dict[str, dict[dt.date, Any]], daily: dict[str, dict[dt.date, Any]]) -> None:
    differences = _differences(expected[column], daily[column])
    assert not differences, f"agg_daily_revenue.{column} differs from bronze:\n" + "\n".join(differences)


# --- agg_daily_revenue ---------------------------------------------------------------------------------------


def test_the_daily_mart_has_one_row_per_loaded_day_in_the_reporting_currency(
    daily: dict[str, dict[dt.date, Any]], orders: pl.DataFrame
) -> None:
    assert sorted(daily["orders"]) == DAYS
    assert set(daily["reporting_currency"].values()) == {_reporting_currency()}
    # The recomputation is not vacuous: every order converts, and the range has cancellations and repeat buyers.
    assert orders.height > 0 and orders["total_cents"].null_count() == 0
    assert orders["is_cancelled"].any()


def test_daily_orders_equal_the_orders_placed_that_utc_day_in_bronze(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    _assert_daily("orders", expected_daily, daily)


def test_daily_gross_revenue_equals_the_sum_of_order_totals_recomputed_from_bronze(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    _assert_daily("gross_revenue", expected_daily, daily)


def test_daily_units_equal_the_quantities_of_the_lines_of_that_day_orders(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    _assert_daily("units", expected_daily, daily)


def test_daily_aov_is_gross_revenue_per_order_rounded_half_away_from_zero_to_cents(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    _assert_daily("aov", expected_daily, daily)


def test_daily_new_customers_count_the_customers_who_signed_up_that_utc_day(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    assert sum(expected_daily["new_customers"].values()) > 0
    _assert_daily("new_customers", expected_daily, daily)


def test_daily_returning_customers_count_the_buyers_who_had_ordered_on_an_earlier_day(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    assert sum(expected_daily["returning_customers"].values()) > 0
    _assert_daily("returning_customers", expected_daily, daily)


def test_daily_cancelled_orders_count_the_day_orders_cancelled_by_the_last_loaded_day(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    assert sum(expected_daily["cancelled_orders"].values()) > 0
    _assert_daily("cancelled_orders", expected_daily, daily)


def test_daily_net_revenue_is_gross_revenue_minus_the_totals_of_the_cancelled_orders(
    daily: dict[str, dict[dt.date, Any]], expected_daily: dict[str, dict[dt.date, Any]]
) -> None:
    _assert_daily("net_revenue", expected_daily, daily)


# --- customer_cohorts and dim_customers ----------------------------------------------------------------------


def test_cohort_sizes_count_the_customers_by_the_month_of_their_first_order(
    warehouse: MartsWarehouse, orders: pl.DataFrame
) -> None:
    expected = dict(
        orders.group_by("customer_id")
        .agg(pl.col("order_date").min().dt.month_start().alias("cohort_month"))
        .group_by("cohort_month")
        .agg(pl.len())
        .iter_rows()
    )
    rows = _query(warehouse.url, "select cohort_month, month_number, cohort_size from marts.customer_cohorts")
    sizes: dict[dt.date, set[int]] = {}
    for cohort_month, _month_number, cohort_size in rows:
        sizes.setdefault(cohort_month, set()).add(cohort_size)
    assert all(len(s) == 1 for s in sizes.values()), f"a cohort has several sizes: {sizes}"
    assert {month: s.pop() for month, s in sizes.items()} == expected
    # Up to the month of the last loaded day: month 0 only, for a range within January.
    assert sorted((r[0], r[1]) for r in rows) == sorted((month, 0) for month in expected)


def test_every_customer_lifetime_orders_equal_their_orders_in_bronze(
    warehouse: MartsWarehouse, bronze: dict[str, pl.DataFrame], orders: pl.DataFrame
) -> None:
    counts = dict(orders.group_by("customer_id").agg(pl.len()).iter_rows())
    expected = {customer_id: counts.get(customer_id, 0) for customer_id in bronze["customers"]["customer_id"]}
    actual = dict(_query(warehouse.url, "select customer_id, lifetime_orders from marts.dim_customers"))
    assert set(actual) == set(expected), "dim_customers does not hold exactly the customers of bronze"
    differences = [f"{c}: expected {n}, mart {actual[c]}" for c, n in sorted(expected.items()) if actual[c] != n]
    assert not differences, "dim_customers.lifetime_orders differs from bronze:\n" + "\n".join(differences[:20])
    assert sum(expected.values()) == orders.height  # every order belongs to a customer of bronze
