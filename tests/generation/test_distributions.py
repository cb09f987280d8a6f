"""Statistical shape of the data: the distributions and calibration the profiles promise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from ecom_pipeline.generation import SCALES, GeneratorConfig, counts
from ecom_pipeline.generation.calendar import day_ordinal, demand
from ecom_pipeline.generation.entities.lifecycle import CARD_PREFIXES, card_numbers
from ecom_pipeline.generation.providers import gazetteer

EPOCH = dt.date(2026, 1, 1)

TARGETS = {  # 180 days from the default epoch: customers, products, orders
    "small": (500, 250, 1_500),
    "medium": (6_400, 800, 51_200),
    "large": (20_000, 1_500, 240_000),
}


@pytest.mark.parametrize("scale", list(TARGETS))
def test_profiles_hit_their_180_day_targets_within_10_percent(scale):
    config = GeneratorConfig(scale=SCALES[scale])
    days = range(day_ordinal(EPOCH), day_ordinal(EPOCH) + 180)
    got = (
        sum(counts.customers_on(config, d) for d in days),
        sum(counts.products_on(config, d) for d in days),
        sum(counts.orders_on(config, d) for d in days),
    )
    for value, target in zip(got, TARGETS[scale], strict=True):
        assert abs(value - target) <= 0.10 * target, (scale, got)


def test_xlarge_opens_with_a_million_customers_and_ten_times_large_daily_orders():
    x, large = GeneratorConfig(scale=SCALES["xlarge"]), GeneratorConfig(scale=SCALES["large"])
    epoch = day_ordinal(EPOCH)
    assert counts.opening_customers(x, epoch) == 1_000_000
    assert counts.opening_products(x, epoch) == 5_000
    days = range(epoch, epoch + 60)
    ratio = sum(counts.orders_on(x, d) for d in days) / sum(counts.orders_on(large, d) for d in days)
    assert 9.5 < ratio < 10.5


def test_customer_age_at_signup_is_normal_35_12_truncated_to_18_90(busy_range):
    c = busy_range["customers"]
    age = ((c["signup_at"].dt.date() - c["birth_date"]).dt.total_days() / 365.25).to_numpy()
    assert age.min() >= 18 and age.max() <= 90
    lo, hi = (18 - 35) / 12, (90 - 35) / 12
    result = stats.kstest(age, stats.truncnorm(lo, hi, loc=35, scale=12).cdf)
    assert result.pvalue > 0.001, result


def test_items_per_order_is_poisson_3_5_with_at_least_one(busy_range):
    lines = busy_range["orders"]["item_count"].to_numpy()
    assert lines.min() >= 1
    k = np.arange(1, 9)
    truncated = stats.poisson(3.5).pmf(k) / (1 - stats.poisson(3.5).pmf(0))  # Poisson(3.5) given >= 1
    observed = np.bincount(lines, minlength=10)[1:9] / len(lines)
    assert np.abs(observed - truncated).max() < 0.015
    assert abs(lines.mean() - 3.5 / (1 - np.exp(-3.5))) < 0.05


def test_order_value_is_right_skewed_and_roughly_log_normal(busy_range):
    usd = busy_range["orders"].filter(pl.col("currency") == "USD")["subtotal"].cast(pl.Float64).to_numpy()
    assert stats.skew(usd) > 1.0
    assert abs(stats.skew(np.log(usd))) < 0.6


def _local_hour_share(busy_range, country: str, hours: range) -> float:
    """Share of the country's repeat orders placed in `hours` of each customer's own local time."""
    orders = (
        busy_range["orders"]
        .filter(~pl.col("is_first_order"))
        .join(busy_range["customers"].select("customer_id", "country", "time_zone"), on="customer_id")
        .filter(pl.col("country") == country)
    )
    local = [
        group.select(pl.col("created_at").dt.convert_time_zone(zone).dt.hour())["created_at"]
        for (zone,), group in orders.group_by(["time_zone"])
    ]
    hour = pl.concat(local)
    return hour.is_in(list(hours)).sum() / hour.len()


@pytest.mark.parametrize("country", ["US", "JP", "DE"])
def test_orders_peak_at_midday_and_evening_in_the_markets_local_time(busy_range, country):
    peak_hours = [*range(10, 14), *range(18, 21)]
    night = range(2, 6)
    peak = _local_hour_share(busy_range, country, peak_hours) / len(peak_hours)
    quiet = _local_hour_share(busy_range, country, night) / len(night)
    assert peak > 5 * quiet


def test_black_friday_and_cyber_monday_are_3_to_4_times_an_ordinary_november_day():
    config = GeneratorConfig(scale=SCALES["large"])
    ordinary = [day_ordinal(dt.date(2026, 11, d)) for d in range(2, 20)]
    base = np.mean([counts.orders_on(config, d) for d in ordinary])
    for day in (dt.date(2026, 11, 27), dt.date(2026, 11, 30)):  # Black Friday, Cyber Monday 2026
        ratio = counts.orders_on(config, day_ordinal(day)) / base
        assert 2.8 <= ratio <= 4.4, (day, ratio)
        assert 3.0 <= demand(day_ordinal(day), config) / np.mean([demand(d, config) for d in ordinary]) <= 4.0


def test_weekday_and_payday_effects_shape_daily_demand():
    config = GeneratorConfig()
    monday, saturday = day_ordinal(dt.date(2026, 3, 9)), day_ordinal(dt.date(2026, 3, 14))
    assert demand(monday, config) < demand(saturday, config)  # the users' ask: Monday low, weekend high
    payday, lull = day_ordinal(dt.date(2026, 3, 2)), day_ordinal(dt.date(2026, 3, 23))  # both Mondays
    assert demand(payday, config) / demand(lull, config) > 1.05


def test_traffic_grows_with_the_configured_trend():
    config = GeneratorConfig()
    # same weekday, a year apart, both ordinary days of the month
    a, b = day_ordinal(dt.date(2026, 3, 11)), day_ordinal(dt.date(2027, 3, 10))
    assert demand(b, config) / demand(a, config) == pytest.approx(1 + config.calendar.annual_growth, rel=0.02)


def test_markets_mix_by_configured_share(busy_range):
    shares = busy_range["customers"]["country"].value_counts(normalize=True)
    got = dict(shares.iter_rows())
    assert got["US"] == pytest.approx(0.40, abs=0.03)
    assert got["JP"] == pytest.approx(0.08, abs=0.02)


def test_names_and_addresses_are_culture_appropriate_per_market(busy_range):
    c = busy_range["customers"]
    assert c["locale"].n_unique() >= 5
    jp = c.filter(pl.col("country") == "JP")
    assert jp["last_name"].str.contains(r"[\p{Han}\p{Hiragana}\p{Katakana}]").mean() > 0.9
    de = c.filter(pl.col("country") == "DE")
    assert de["phone"].str.contains(r"^(\+49|\(0)").all()
    addresses = busy_range["addresses"]
    # every (city, region) is a gazetteer place, and its postal codes start with that place's stem
    assert gazetteer.valid_postal_codes(addresses).all()
    formats = {"US": r"^\d{5}$", "DE": r"^\d{5}$", "FR": r"^\d{5}$", "BR": r"^\d{5}-\d{3}$", "JP": r"^\d{3}-\d{4}$"}
    for country, pattern in formats.items():
        assert addresses.filter(pl.col("country") == country)["postal_code"].str.contains(pattern).all(), country


def formats_countries() -> list[str]:
    return ["US", "GB", "DE", "FR", "BR", "JP"]


def test_each_customer_has_one_to_three_addresses_and_exactly_one_default(busy_range):
    per = busy_range["addresses"].group_by("customer_id").agg(pl.len().alias("n"), pl.col("is_default").sum())
    assert per.height == busy_range["customers"].height
    assert per["n"].min() >= 1 and per["n"].max() <= 3
    assert (per["is_default"] == 1).all()


def test_emails_are_unique_even_at_hundreds_of_thousands_of_customers():
    import dataclasses

    from ecom_pipeline.generation import generate_table

    profile = dataclasses.replace(SCALES["large"], opening_customers=300_000)
    emails = generate_table(GeneratorConfig(scale=profile), "customers", EPOCH)["email"]
    assert (
        emails.n_unique()
        == emails.len()
        == 300_000 + counts.daily_signups(GeneratorConfig(scale=profile), day_ordinal(EPOCH))
    )
    assert emails.str.contains(r"^[a-z._-]+\d*@[a-z0-9.-]+\.[a-z.]+$").all()
    assert emails.str.contains(r"\d").mean() < 0.25  # most addresses carry no number
    free = emails.str.contains("@(gmail|yahoo|outlook|hotmail|icloud|gmx|web|orange|free|uol|docomo)").mean()
    assert 0.7 < free < 0.9  # mostly free mail, some corporate


def test_card_numbers_are_luhn_valid_with_their_brands_issuer_prefix():
    brands = list(CARD_PREFIXES)
    n = 5_000
    idx = np.arange(n) % len(brands)
    bits = np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    numbers = card_numbers(brands, idx, bits, bits ^ np.uint64(0xDEADBEEF))
    for number, b in zip(numbers.to_list(), idx, strict=True):
        digits = [int(ch) for ch in number][::-1]
        total = sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits))
        assert total % 10 == 0, number
        assert number.startswith(CARD_PREFIXES[brands[b]]), (number, brands[b])
        assert len(number) == (15 if brands[b] == "amex" else 16)


def test_prices_depend_on_category_and_cost_stays_below_price(busy_range):
    products = busy_range["products"].filter(pl.col("currency") == "USD")
    assert (busy_range["products"]["cost"] < busy_range["products"]["price"]).all()
    assert (busy_range["products"]["cost"] > 0).all()
    by_root = (
        products.join(busy_range["categories"].select("category_id", "path"), on="category_id")
        .with_columns(pl.col("path").str.split("/").list.first().alias("root"))
        .group_by("root")
        .agg(pl.col("price").cast(pl.Float64).median())
    )
    medians = dict(by_root.iter_rows())
    assert medians["electronics"] > 2 * medians["beauty"]
