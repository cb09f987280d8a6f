"""Rules of realism, one per defect an audit of the data found: each test is named for the rule it keeps."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import phonenumbers
import polars as pl
import pytest

from ecom_pipeline.generation import SCALES, GeneratorConfig, counts, generate_day, generate_table
from ecom_pipeline.generation.calendar import black_friday, day_ordinal, demand, public_holidays
from ecom_pipeline.generation.config import Calendar
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.generation.providers import gazetteer
from ecom_pipeline.generation.providers.pools import contacts
from ecom_pipeline.realism.scorecard import score
from tests.generation.conftest import EPOCH, generate_range

ZONES = {"US": "America/New_York", "GB": "Europe/London", "DE": "Europe/Berlin", "FR": "Europe/Paris"}
ZONES |= {"BR": "America/Sao_Paulo", "JP": "Asia/Tokyo"}


def _life(data: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per order: its status changes as columns, with the storefront's country."""
    wide = data["order_status_history"].pivot(on="status", index="order_id", values="changed_at")
    country = (
        data["orders"]
        .select("order_id", "customer_id")
        .join(data["customers"].select("customer_id", "country"), on="customer_id")
    )
    return wide.join(country, on="order_id")


def _local(frame: pl.DataFrame, column: str) -> pl.Series:
    """The column in the storefront's local time (the carrier's and the warehouse's clock)."""
    parts = [
        frame.filter(pl.col("country") == c).select(pl.col(column).dt.convert_time_zone(z).dt.replace_time_zone(None))
        for c, z in ZONES.items()
    ]
    return pl.concat(parts)[column]


@pytest.fixture(scope="module")
def november(busy_config: GeneratorConfig) -> dict[str, pl.DataFrame]:
    """The holiday peak: Black Friday, Cyber Monday, then December's run-up and its holidays."""
    return generate_range(busy_config, dt.date(2026, 11, 20), 40)


# 1 ------------------------------------------------------------------------------------------------------


def test_no_delivery_comes_within_12_hours_of_dispatch_or_at_night_or_on_a_sunday(busy_range, november):
    for data in (busy_range, november):
        life = _life(data).drop_nulls(["shipped", "delivered"])
        gap = (life["delivered"] - life["shipped"]).dt.total_hours()
        assert gap.min() >= 12
        assert (gap == 12).sum() == 0
        local = life.select(
            pl.concat([_local(life.filter(pl.col("country") == c), "delivered") for c in ZONES]).alias("t")
        )["t"]
        assert local.dt.hour().is_between(9, 20).all()
        assert (local.dt.weekday() != 7).all()


# 2 ------------------------------------------------------------------------------------------------------


def test_every_configured_transit_bucket_occurs_and_brazil_is_not_clipped_at_a_week(busy_range):
    config = GeneratorConfig(seed=7, scale=SCALES["medium"])
    properties = {p.name: p for p in score(config, _frames_with_dates(busy_range))}
    for market in config.markets:
        transit = properties[f"transit {market.country}"]
        assert transit.verdict == "pass", transit
        assert "missing" not in transit.measured
    assert "10d" in properties["transit BR"].measured and " 10d 0%" not in properties["transit BR"].measured


def _frames_with_dates(data: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {t: f.rename({"_date": "date"}) for t, f in data.items()}


# 3 ------------------------------------------------------------------------------------------------------


def test_no_customer_is_under_18_at_sign_up_and_no_age_piles_up_at_18():
    customers = generate_table(GeneratorConfig(scale=SCALES["xlarge"]), "customers", EPOCH).head(200_000)
    s, b = customers["signup_at"].dt.date(), customers["birth_date"]
    had_birthday = (s.dt.month() > b.dt.month()) | ((s.dt.month() == b.dt.month()) & (s.dt.day() >= b.dt.day()))
    age = s.dt.year() - b.dt.year() - (~had_birthday).cast(pl.Int32)
    assert age.min() >= 18
    assert (age == 18).mean() < 0.02  # a truncated Normal(35, 12) puts about 1.4% in the first year


# 4 ------------------------------------------------------------------------------------------------------


def test_order_values_look_like_a_shop_per_storefront_and_segment(busy_range, busy_config):
    properties = {p.name: p for p in score(busy_config, _frames_with_dates(busy_range))}
    for name in (
        *(f"AOV {c} (USD)" for c in ZONES),
        "sigma of ln(order value)",
        "top 20% of orders, revenue share",
        "top product revenue share",
        "free-shipping share",
        "AOV by segment (USD)",
    ):
        assert properties[name].verdict == "pass", properties[name]


# 5 ------------------------------------------------------------------------------------------------------


def _weekday_demand(profile: str) -> np.ndarray:
    config = GeneratorConfig(calendar=Calendar(weekday_profile=profile))
    days = [dt.date(2026, 3, 9) + dt.timedelta(days=k) for k in range(7)]  # Monday 9 .. Sunday 15 March
    return np.array([demand(day_ordinal(d), config) for d in days])


def test_weekdays_follow_the_users_ask_monday_low_friday_to_sunday_high_by_default():
    week = _weekday_demand("user")
    assert week.argmin() == 0
    assert week[4:].min() > week[:4].max()


def test_the_published_weekday_profile_stays_available_monday_and_thursday_high_saturday_low():
    week = _weekday_demand("published")
    assert week.argmin() == 5
    assert set(np.argsort(week)[-2:]) == {0, 3}


def test_weekday_profile_and_scenario_are_part_of_the_dataset_identity():
    base = GeneratorConfig()
    published = dataclasses.replace(base, calendar=Calendar(weekday_profile="published"))
    load_test = dataclasses.replace(base, calendar=Calendar(scenario="black_friday_load_test"))
    hashes = {c.config_hash() for c in (base, published, load_test)}
    assert len(hashes) == 3
    assert dataset_identity(published)["weekday_profile"] == "published"
    assert dataset_identity(load_test)["scenario"] == "black_friday_load_test"


# 6 ------------------------------------------------------------------------------------------------------


def test_july_and_august_are_a_summer_lull_below_may_and_june():
    config = GeneratorConfig(scale=SCALES["large"])

    def orders(months: tuple[int, ...]) -> float:
        days = [d for d in range(day_ordinal(dt.date(2026, 5, 1)), day_ordinal(dt.date(2026, 9, 1)))]
        picked = [
            counts.orders_on(config, d) for d in days if (EPOCH + dt.timedelta(d - day_ordinal(EPOCH))).month in months
        ]
        return float(np.mean(picked))

    assert orders((7, 8)) / orders((5, 6)) < 0.95


# 7 ------------------------------------------------------------------------------------------------------


def test_customers_live_in_their_citys_time_zone_and_peak_in_their_own_evening(busy_range):
    customers = busy_range["customers"]
    us = set(customers.filter(pl.col("country") == "US")["time_zone"])
    assert {"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"} <= us
    west = (
        busy_range["orders"]
        .join(customers.select("customer_id", "time_zone"), on="customer_id")
        .filter(pl.col("time_zone") == "America/Los_Angeles")
        .select(pl.col("created_at").dt.convert_time_zone("America/Los_Angeles").dt.hour())["created_at"]
    )
    assert west.len() > 500
    assert west.is_between(18, 21).mean() > west.is_between(15, 17).mean()  # no 17:00 peak on New York time
    assert (west < 6).mean() < 0.09  # and no night shift


def test_brazils_seasons_are_southern_swimwear_sells_in_december_not_june():
    from ecom_pipeline.generation.entities.catalog import season_lift
    from ecom_pipeline.generation.providers import taxonomy

    config = GeneratorConfig()
    swim = next(i for i, leaf in enumerate(taxonomy.LEAVES) if leaf.key == "apparel/women/swimwear")
    countries = [m.country for m in config.markets]
    june, december = day_ordinal(dt.date(2026, 6, 15)), day_ordinal(dt.date(2026, 12, 15))
    assert season_lift(config, june)[countries.index("US"), swim] > 1
    assert season_lift(config, june)[countries.index("BR"), swim] == 1
    assert season_lift(config, december)[countries.index("BR"), swim] > 1


# 8 ------------------------------------------------------------------------------------------------------


def test_postal_codes_are_valid_for_their_city_and_spread_over_its_districts():
    config = GeneratorConfig(seed=3, scale=dataclasses.replace(SCALES["large"], opening_customers=60_000))
    addresses = generate_table(config, "addresses", EPOCH)
    assert gazetteer.valid_postal_codes(addresses).all()
    paris = addresses.filter((pl.col("city") == "Paris") & (pl.col("postal_code").str.starts_with("750")))
    assert paris["postal_code"].str.contains(r"^750(0[1-9]|1\d|20)$").all() and paris["postal_code"].n_unique() >= 15
    london = addresses.filter(pl.col("city") == "London")["postal_code"].str.extract(r"^([A-Z]+)\d")
    assert set(london.unique()) >= {"E", "N", "NW", "SE", "SW", "W"}
    sao_paulo = addresses.filter(pl.col("city") == "São Paulo")["postal_code"].str.slice(0, 5)
    assert sao_paulo.n_unique() > 20


# 9 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", list(ZONES))
def test_phone_numbers_are_valid_in_their_countrys_numbering_plan(busy_range, country):
    phones = busy_range["customers"].filter(pl.col("country") == country)["phone"].to_list()
    assert len(phones) > 100
    invalid = [p for p in phones if not phonenumbers.is_valid_number(phonenumbers.parse(p, country))]
    assert invalid == []


def test_us_phone_numbers_carry_an_area_code_of_the_customers_city(busy_range):
    customers = busy_range["customers"].filter(pl.col("country") == "US")
    homes = busy_range["addresses"].filter(pl.col("is_default")).select("customer_id", "city", "region")
    areas = {(p.city, p.region): set(p.phone_areas) for p in gazetteer.places("US")}
    joined = customers.join(homes, on="customer_id")
    for phone, city, region in joined.select("phone", "city", "region").iter_rows():
        assert phone[3:6] in areas[(city, region)], (phone, city)


# 10 -----------------------------------------------------------------------------------------------------


def test_most_emails_have_no_number_and_follow_name_patterns_yet_stay_unique(busy_range):
    customers = busy_range["customers"]
    assert customers["email"].n_unique() == customers.height
    local = customers["email"].str.split("@").list.first()
    assert local.str.contains(r"\d").mean() < 0.25
    latin = customers.filter(pl.col("country") != "JP")
    dotted = latin["email"].str.contains(r"^[a-z]+(\.[a-z])?\.[a-z]+@").mean()
    assert dotted > 0.5  # first.last is the commonest pattern


# 11 -----------------------------------------------------------------------------------------------------


def test_line_numbers_run_from_one_without_gaps_and_a_small_catalog_keeps_poisson_3_5_lines():
    # The small profile's catalog (220 products over six storefronts) with enough orders to measure.
    config = GeneratorConfig(scale=dataclasses.replace(SCALES["small"], orders_per_day=500))
    data = generate_range(config, dt.date(2026, 1, 10), 8)
    items = data["order_items"]
    per = items.group_by("order_id").agg(pl.col("line_number").sort(), pl.len())
    expected = per["len"].map_elements(lambda n: list(range(1, n + 1)), return_dtype=pl.List(pl.Int64))
    assert (per["line_number"].cast(pl.List(pl.Int64)) == expected).all()
    assert items.select(pl.struct("order_id", "product_id").is_duplicated().sum()).item() == 0
    lines = data["orders"]["item_count"]
    assert lines.len() > 3_000
    assert abs(lines.mean() - 3.5 / (1 - np.exp(-3.5))) < 0.08  # 3.61, not 3.07


# 12 -----------------------------------------------------------------------------------------------------


def test_customers_reuse_their_saved_payment_methods_and_cards(busy_range):
    payments = busy_range["payments"].filter(pl.col("status") == "captured")
    by_customer = payments.join(busy_range["orders"].select("order_id", "customer_id"), on="order_id")
    cards = by_customer.filter(pl.col("card_last4").is_not_null())
    per = cards.group_by("customer_id").agg(
        pl.len().alias("payments"), pl.concat_str("card_bin", "card_last4").n_unique().alias("cards")
    )
    frequent = per.filter(pl.col("payments") >= 4)
    assert frequent.height > 50
    assert (frequent["cards"] / frequent["payments"]).mean() < 0.5  # not a new card for every order
    methods = by_customer.group_by("customer_id").agg(pl.len(), pl.col("method").mode().first().alias("m"))
    top = by_customer.join(methods.filter(pl.col("len") >= 4), on="customer_id")
    assert (top["method"] == top["m"]).mean() > 0.7


# 13 -----------------------------------------------------------------------------------------------------


def test_carriers_never_dispatch_on_sundays_or_the_markets_public_holidays(november):
    life = _life(november).drop_nulls("shipped")
    for country in ZONES:
        shipped = _local(life.filter(pl.col("country") == country), "shipped").dt.date()
        holidays = {d for y in (2026, 2027) for d in public_holidays(country, y)}
        assert (shipped.dt.weekday() != 7).all(), country
        assert not set(shipped.to_list()) & holidays, country
    assert dt.date(2026, 12, 25) in public_holidays("US", 2026) and dt.date(2027, 1, 1) in public_holidays("DE", 2027)


# 14 -----------------------------------------------------------------------------------------------------


def test_names_and_streets_come_from_the_right_countrys_pools_and_japanese_addresses_use_one_script(busy_range):
    customers, addresses = busy_range["customers"], busy_range["addresses"]
    british = set(contacts()["surnames"]["GB"]["names"])
    assert set(customers.filter(pl.col("country") == "GB")["last_name"]) <= british
    gb_lines = addresses.filter(pl.col("country") == "GB")["line1"]
    assert not gb_lines.str.contains(r"\b(Ranch|Loop|Bayou|Canyon|Pike|Expressway)\b").any()
    jp = addresses.filter(pl.col("country") == "JP")
    japanese = r"^[\p{Han}\p{Hiragana}\p{Katakana}ー0-9\- ]+$"
    for column in ("city", "region", "line1"):
        assert jp[column].str.contains(japanese).all(), column


# 15 -----------------------------------------------------------------------------------------------------


def test_purchase_frequency_has_one_time_buyers_and_a_few_heavy_buyers(busy_range):
    per = busy_range["orders"].group_by("customer_id").len()["len"]
    assert (per == 1).mean() > 0.15  # a tail of one-time buyers
    top = per.sort(descending=True)
    assert top.head(max(1, per.len() // 100)).sum() / per.sum() > 0.08  # the top 1% order far more
    assert per.max() < 0.02 * per.sum()  # but nobody places a storefront's orders


# Scenario ------------------------------------------------------------------------------------------------


def test_the_black_friday_load_test_multiplies_the_weekend_tenfold_with_flash_sales():
    base = GeneratorConfig(scale=SCALES["large"])
    load = dataclasses.replace(base, calendar=Calendar(scenario="black_friday_load_test"))
    bf = black_friday(2026)
    ordinary = np.mean([counts.orders_on(load, day_ordinal(dt.date(2026, 11, d))) for d in range(2, 20)])
    for k in range(3):
        ratio = counts.orders_on(load, day_ordinal(bf + dt.timedelta(days=k))) / ordinary
        assert 9 <= ratio <= 11, (k, ratio)
    assert counts.orders_on(base, day_ordinal(bf)) / ordinary < 4.5
    items = generate_day(load, bf)["order_items"]
    gross = pl.col("unit_price").cast(pl.Float64) * pl.col("quantity")
    flash = items.filter(pl.col("discount") > 0).with_columns(
        (pl.col("discount").cast(pl.Float64) / gross).round(2).alias("rate")
    )
    assert (flash["rate"] == 0.40).sum() > 0.05 * items.height  # flash-sale lines at 40% off


def test_reference_data_lives_in_data_files_that_name_their_sources():
    import json
    from importlib import resources

    data = resources.files("ecom_pipeline.generation").joinpath("data")
    assert all(plan["source"] for plan in contacts()["phones"].values())
    assert json.loads(data.joinpath("postal_zones.json").read_text("utf-8"))["_sources"].keys() == set(ZONES)
    assert json.loads(data.joinpath("taxonomy.json").read_text("utf-8"))["_sources"]
    assert json.loads(data.joinpath("holidays.json").read_text("utf-8"))["US"]["source"]
    header = data.joinpath("places.csv").read_text("utf-8").splitlines()[0]
    assert header == "country,city,region,region_code,population,time_zone,postal_codes,phone_areas"
