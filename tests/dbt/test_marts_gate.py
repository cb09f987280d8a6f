"""The marts gate after dbt: every day of two built weeks passes, and each broken mart invariant fails by name.

The marts come from tests/dbt/conftest.py (two weeks landed through the bronze and staged gates, one dbt build).
A corruption is applied to the marts with SQL and undone afterwards, so the shared build stays intact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ecom_pipeline.quality import MARTS, sql_rules, validate_marts
from tests.conftest import throwaway_database
from tests.dbt.conftest import DAYS, MartsWarehouse, land_days, run_dbt

pytestmark = pytest.mark.slow

DAY = DAYS[3]


@contextmanager
def corrupted(url: str, do: str, undo: str) -> Iterator[None]:
    with psycopg.connect(url) as conn:
        assert conn.execute(do.format(day=DAY)).rowcount >= 1
    try:
        yield
    finally:
        with psycopg.connect(url) as conn:
            conn.execute(undo.format(day=DAY))


def test_every_built_day_passes_the_marts_gate(marts_warehouse: MartsWarehouse, gx_context: Any) -> None:
    failures = {}
    for day in DAYS:
        result = validate_marts(marts_warehouse.url, day, context=gx_context, build_docs=day == DAYS[-1])
        failures[day] = sorted(result.failed_rules)
        assert result.statistics["evaluated_expectations"] == len(sql_rules(MARTS))
    assert failures == {day: [] for day in DAYS}


# rule -> (corruption, its undo)
CORRUPTIONS: dict[str, tuple[str, str]] = {
    "agg_daily_revenue.row_present": (
        "CREATE TABLE marts._held AS SELECT * FROM marts.agg_daily_revenue WHERE order_date = '{day}';"
        " DELETE FROM marts.agg_daily_revenue WHERE order_date = '{day}'",
        "INSERT INTO marts.agg_daily_revenue SELECT * FROM marts._held; DROP TABLE marts._held",
    ),
    "agg_daily_revenue.revenue_reconciles_with_fct_orders": (
        "UPDATE marts.agg_daily_revenue SET gross_revenue = gross_revenue + 1, net_revenue = net_revenue + 1"
        " WHERE order_date = '{day}'",
        "UPDATE marts.agg_daily_revenue SET gross_revenue = gross_revenue - 1, net_revenue = net_revenue - 1"
        " WHERE order_date = '{day}'",
    ),
    "agg_daily_revenue.net_revenue_is_gross_minus_cancelled": (
        "UPDATE marts.agg_daily_revenue SET net_revenue = net_revenue + 1 WHERE order_date = '{day}'",
        "UPDATE marts.agg_daily_revenue SET net_revenue = net_revenue - 1 WHERE order_date = '{day}'",
    ),
    "agg_daily_revenue.counts_not_negative": (
        "UPDATE marts.agg_daily_revenue SET new_customers = -1 - new_customers WHERE order_date = '{day}'",
        "UPDATE marts.agg_daily_revenue SET new_customers = -1 - new_customers WHERE order_date = '{day}'",
    ),
    "fct_orders.reconciles_with_raw_orders": (
        "UPDATE marts.fct_orders SET total_local = total_local + 1 WHERE order_id ="
        " (SELECT min(order_id) FROM marts.fct_orders WHERE order_date = '{day}')",
        "UPDATE marts.fct_orders SET total_local = total_local - 1 WHERE order_id ="
        " (SELECT min(order_id) FROM marts.fct_orders WHERE order_date = '{day}')",
    ),
    "fct_order_items.reconcile_with_fct_orders": (
        "UPDATE marts.fct_order_items SET line_total_local = line_total_local + 1 WHERE order_item_id ="
        " (SELECT min(order_item_id) FROM marts.fct_order_items WHERE order_date = '{day}')",
        "UPDATE marts.fct_order_items SET line_total_local = line_total_local - 1 WHERE order_item_id ="
        " (SELECT min(order_item_id) FROM marts.fct_order_items WHERE order_date = '{day}')",
    ),
    "customer_ltv.counts_not_negative": (
        "UPDATE marts.customer_ltv SET lifetime_orders = -1 - lifetime_orders"
        " WHERE customer_id = (SELECT min(customer_id) FROM marts.customer_ltv)",
        "UPDATE marts.customer_ltv SET lifetime_orders = -1 - lifetime_orders"
        " WHERE customer_id = (SELECT min(customer_id) FROM marts.customer_ltv)",
    ),
    "product_performance.counts_not_negative": (
        "UPDATE marts.product_performance SET units_sold = -1 - units_sold"
        " WHERE product_id = (SELECT min(product_id) FROM marts.product_performance)",
        "UPDATE marts.product_performance SET units_sold = -1 - units_sold"
        " WHERE product_id = (SELECT min(product_id) FROM marts.product_performance)",
    ),
    "customer_cohorts.counts_not_negative": (
        "UPDATE marts.customer_cohorts SET active_customers = -1 - active_customers"
        " WHERE (cohort_month, month_number) = (SELECT cohort_month, min(month_number) FROM marts.customer_cohorts"
        " GROUP BY cohort_month ORDER BY cohort_month LIMIT 1)",
        "UPDATE marts.customer_cohorts SET active_customers = -1 - active_customers"
        " WHERE (cohort_month, month_number) = (SELECT cohort_month, min(month_number) FROM marts.customer_cohorts"
        " GROUP BY cohort_month ORDER BY cohort_month LIMIT 1)",
    ),
}


def test_every_marts_rule_has_a_corruption_that_breaks_it() -> None:
    assert set(CORRUPTIONS) == {rule.name for rule in sql_rules(MARTS)}


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
def test_each_broken_mart_invariant_fails_by_name(marts_warehouse: MartsWarehouse, gx_context: Any, rule: str) -> None:
    do, undo = CORRUPTIONS[rule]
    with corrupted(marts_warehouse.url, do, undo):
        result = validate_marts(marts_warehouse.url, DAY, context=gx_context, build_docs=False)
        assert not result.success
        assert rule in result.failed_rules, result.failed_rules
        (failure,) = [f for f in result.failures if f.rule == rule]
        assert failure.unexpected_count and failure.unexpected_count >= 1 and failure.sample
    assert validate_marts(marts_warehouse.url, DAY, context=gx_context, build_docs=False).success


def _marts_failures(pg_server_url: str, tmp: Path, gx_context: Any, scale: str, seed: int) -> list[str]:
    """The epoch day of a profile and seed, landed and built from scratch (the seed and models, no dbt tests),
    and the marts rules it fails."""
    with throwaway_database(pg_server_url, "ecom_marts_p") as url:
        land_days(url, tmp / "home", [DAYS[0]], seed=seed, scale=scale)
        run_dbt(url, tmp, [DAYS[0]], "--exclude-resource-type", "test", "unit_test")
        result = validate_marts(url, DAYS[0], context=gx_context, build_docs=False)
        assert result.statistics["evaluated_expectations"] == len(sql_rules(MARTS))
        return sorted(result.failed_rules)


@pytest.mark.parametrize("scale", ["medium", "large"])
def test_the_marts_gate_passes_on_the_other_profiles(
    pg_server_url: str, tmp_path: Path, gx_context: Any, scale: str
) -> None:
    assert _marts_failures(pg_server_url, tmp_path, gx_context, scale, 42) == []


SEEDS = (7, 1234)


def test_the_marts_gate_passes_on_any_seed(pg_server_url: str, tmp_path: Path, gx_context: Any) -> None:
    """2 datasets besides seed 42, each in a database of its own, two at a time (dbt runs in its own process)."""
    from concurrent.futures import ThreadPoolExecutor

    def failures_of(seed: int) -> list[str]:
        return _marts_failures(pg_server_url, tmp_path / str(seed), gx_context, "small", seed)

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = dict(zip(SEEDS, pool.map(failures_of, SEEDS), strict=True))
    assert failures == {seed: [] for seed in SEEDS}
