"""The order lifecycle: placed -> paid -> shipped -> delivered, or cancelled before payment."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ecom_pipeline.generation import generate_day
from ecom_pipeline.generation.entities.lifecycle import LIFECYCLE_DAYS

ALLOWED = {
    ("placed",),
    ("placed", "paid"),
    ("placed", "paid", "shipped"),
    ("placed", "paid", "shipped", "delivered"),
    ("placed", "cancelled"),
}
RANK = {"placed": 0, "paid": 1, "shipped": 2, "delivered": 3, "cancelled": 4}


def _histories(data: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return (
        data["order_status_history"]
        .with_columns(pl.col("status").replace_strict(RANK).alias("rank"))
        .sort("order_id", "rank")
        .group_by("order_id", maintain_order=True)
        .agg(pl.col("status"), pl.col("changed_at"), pl.col("_date"))
    )


def test_every_order_follows_an_allowed_path_monotonic_in_time(busy_range):
    histories = _histories(busy_range)
    orders = busy_range["orders"]
    assert histories.height == orders.height
    for statuses, times in histories.select("status", "changed_at").iter_rows():
        assert tuple(statuses) in ALLOWED
        assert times == sorted(times) and len(set(times)) == len(times)


def test_each_change_lands_in_the_partition_of_its_own_day(busy_range):
    history = busy_range["order_status_history"]
    assert (history["changed_at"].dt.date() == history["_date"]).all()
    placed = history.filter(pl.col("status") == "placed").join(
        busy_range["orders"].select("order_id", "created_at"), on="order_id"
    )
    assert (placed["changed_at"] == placed["created_at"]).all()


def test_cancellation_happens_only_before_payment_and_about_5_percent_of_orders_are_cancelled(busy_range):
    history = busy_range["order_status_history"]
    cancelled = set(history.filter(pl.col("status") == "cancelled")["order_id"])
    paid = set(history.filter(pl.col("status") == "paid")["order_id"])
    assert not cancelled & paid
    assert not cancelled & set(busy_range["payments"].filter(pl.col("status") == "captured")["order_id"])
    rate = len(cancelled) / busy_range["orders"].height
    assert 0.035 <= rate <= 0.065


def test_gaps_are_realistic_hours_to_pay_days_to_ship_and_deliver(busy_range):
    wide = (
        busy_range["order_status_history"]
        .pivot(on="status", index="order_id", values="changed_at")
        .drop_nulls(["placed", "paid", "shipped", "delivered"])
    )
    hours = lambda a, b: (wide[b] - wide[a]).dt.total_seconds() / 3600  # noqa: E731
    assert wide.height > 1_000
    assert hours("placed", "paid").max() <= 72
    assert hours("placed", "paid").median() < 1  # most payments are instant
    ship_days = hours("paid", "shipped") / 24
    # an hour of packing at least; 0-2 working days of handling after the next collection, over Sundays and
    # the New Year holidays
    assert ship_days.min() >= 1 / 24 and ship_days.max() <= 7
    deliver_days = hours("shipped", "delivered") / 24
    # 1-10 working days in transit (Brazil's slowest bucket), over Sundays and public holidays
    assert deliver_days.min() >= 0.5 and 7 < deliver_days.max() <= 15
    assert 1 <= deliver_days.median() <= 4


def test_delivery_speed_differs_by_country(busy_range):
    wide = busy_range["order_status_history"].pivot(on="status", index="order_id", values="changed_at")
    by_country = (
        wide.drop_nulls("delivered")
        .join(busy_range["orders"].select("order_id", "customer_id"), on="order_id")
        .join(busy_range["customers"].select("customer_id", "country"), on="customer_id")
        .group_by("country")
        .agg(((pl.col("delivered") - pl.col("shipped")).dt.total_hours().mean() / 24).alias("days"))
    )
    days = dict(by_country.iter_rows())
    assert days["DE"] < days["US"] < days["BR"]


def test_shipments_match_the_shipped_changes_one_to_one(busy_range):
    shipped = busy_range["order_status_history"].filter(pl.col("status") == "shipped")
    joined = shipped.join(busy_range["shipments"], on="order_id", how="full", coalesce=True)
    assert joined.height == shipped.height == busy_range["shipments"].height
    assert (joined["shipped_at"] == joined["changed_at"]).all()
    assert (joined["promised_delivery_date"] > joined["shipped_at"].dt.date()).all()


def test_orders_still_in_flight_at_the_end_of_a_range_are_simply_not_delivered_yet(busy_range):
    last = busy_range["orders"]["_date"].max()
    recent = busy_range["orders"].filter(pl.col("_date") == last)["order_id"]
    delivered = busy_range["order_status_history"].filter(
        pl.col("order_id").is_in(recent.implode()) & (pl.col("status") == "delivered")
    )
    assert delivered.height == 0


def test_a_partition_replays_in_flight_orders_without_their_earlier_days(busy_config):
    """Partition D alone holds the deliveries of orders placed up to LIFECYCLE_DAYS before it."""
    day = dt.date(2026, 2, 10)
    frames = generate_day(busy_config, day)
    delivered = frames["order_status_history"].filter(pl.col("status") == "delivered")
    assert delivered.height > 0
    assert not set(delivered["order_id"]) & set(frames["orders"]["order_id"])


def test_no_lifecycle_outlasts_the_replay_window_even_at_the_holiday_peak(busy_config):
    from tests.generation.conftest import generate_range

    data = generate_range(busy_config, dt.date(2026, 11, 18), 24)
    spans = (
        data["order_status_history"]
        .group_by("order_id")
        .agg((pl.col("changed_at").max() - pl.col("changed_at").min()).dt.total_hours().alias("hours"))
    )
    assert spans["hours"].max() < LIFECYCLE_DAYS * 24
    wide = data["order_status_history"].pivot(on="status", index="order_id", values="changed_at")
    handling = ((wide["shipped"] - wide["paid"]).dt.total_hours() / 24).drop_nulls()
    assert handling.max() > 3  # holiday handling is slower
