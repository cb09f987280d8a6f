"""Customers and their addresses: where `customers` and `addresses` columns are born.

A customer is addressed by (signup day, row). Everything an order needs from its customer (market,
sign-up time, id, addresses) is computed from that pair alone, so orders never read the customers frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import polars as pl

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import (
    US_PER_DAY,
    day_ordinal,
    local_peak_times,
    market_offsets,
)
from ecom_pipeline.generation.config import Behaviour, GeneratorConfig
from ecom_pipeline.generation.counts import (
    WHOLE_DAY,
    Chunk,
    customers_before,
    customers_on,
    daily_signups,
    opening_customers,
)
from ecom_pipeline.generation.enums import Segment, Table
from ecom_pipeline.generation.providers import gazetteer
from ecom_pipeline.generation.providers.pools import LINE1_FORMATS, MarketPools, handle_words, market_pools
from ecom_pipeline.generation.strings import fill_templates, timestamps, uuid7

T = Table.CUSTOMERS.value
_GENDERS = pl.Series(["female", "male"])
_SEGMENTS = pl.Series([Segment.CONSUMER.value, Segment.VIP.value, Segment.BUSINESS.value])
A = Table.ADDRESSES.value
MAX_ADDRESSES = 3


@dataclass(frozen=True, slots=True)
class CustomerCore:
    """The attributes other tables derive from a customer, for arbitrary (day, row) pairs."""

    day: np.ndarray
    row: np.ndarray
    market: np.ndarray
    signup_us: np.ndarray
    activity_z: np.ndarray
    n_addresses: np.ndarray
    segment: np.ndarray  # 0 consumer, 1 vip (the most active), 2 business (a corporate email)


def customer_core(config: GeneratorConfig, day: np.ndarray, row: np.ndarray) -> CustomerCore:
    seed, b = config.seed, config.behaviour
    day = np.asarray(day, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    shares = np.array([m.share for m in config.markets])
    market = rng.choice(rng.uniform(seed, T, "market", day, row), shares)
    epoch = day_ordinal(config.epoch)
    opening = (day == epoch) & (row < config.scale.opening_customers)
    # Opening customers signed up over the years before the epoch, denser recently (growth).
    g, years = b.opening_history_growth, b.opening_history_years
    u = rng.uniform_open(seed, T, "signup_day", day, row)
    floor = math.exp(-g * years)
    back_years = np.log(floor + u * (1 - floor)) / g
    signup_day = np.where(opening, epoch + np.floor(back_years * 365.25).astype(np.int64), day)
    signup_day = np.minimum(signup_day, np.where(opening, epoch - 1, day))
    timezones = tuple(m.timezone for m in config.markets)
    tod = local_peak_times(
        rng.uniform(seed, T, "signup_hour", day, row),
        rng.uniform(seed, T, "signup_within", day, row),
        market_offsets(timezones, market, signup_day),
        config.calendar,
    )
    n_addr = 1 + rng.choice(rng.uniform(seed, A, "_count", day, row), np.array(b.addresses_per_customer))
    activity_z = rng.normal(seed, T, "activity", day, row)
    corporate = rng.uniform(seed, T, "email_corporate", day, row) < b.corporate_email_share
    vip = activity_z >= rng.norm_ppf(np.array([1 - b.vip_share]))[0]
    return CustomerCore(
        day=day,
        row=row,
        market=market,
        signup_us=signup_day * US_PER_DAY + tod,
        activity_z=activity_z,
        n_addresses=n_addr,
        segment=np.where(vip, 1, np.where(corporate, 2, 0)),
    )


def age_in_days(b: Behaviour, u: np.ndarray) -> np.ndarray:
    """Age at sign-up in days: Normal(mean, sd) truncated (not clipped) to [age_min, age_max) whole years.

    Drawn by the inverse CDF inside the truncation, in days, so no age piles up on a bound; the lowest age is
    one day past the 18th birthday however leap days fall (18 years span at most 6,576 days).
    """
    lo, hi = (b.age_min - b.age_mean) / b.age_sd, (b.age_max - b.age_mean) / b.age_sd
    p_lo, p_hi = _norm_cdf(lo), _norm_cdf(hi)
    years = b.age_mean + b.age_sd * rng.norm_ppf(p_lo + u * (p_hi - p_lo))
    days = np.floor(years * 365.25).astype(np.int64)
    return np.clip(days, math.ceil(b.age_min * 365.25) + 2, math.floor(b.age_max * 365.25) - 2)


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def customer_ids(config: GeneratorConfig, core: CustomerCore) -> pl.Series:
    seed = config.seed
    return uuid7(
        core.signup_us,
        rng.bits(seed, T, "id_a", core.day, core.row),
        rng.bits(seed, T, "id_b", core.day, core.row),
        "customer_id",
    )


def address_ids(config: GeneratorConfig, core: CustomerCore, slot: np.ndarray, name: str) -> pl.Series:
    """Id of the customer's address number `slot` (0 is the default address)."""
    seed = config.seed
    key = core.row * MAX_ADDRESSES + slot
    return uuid7(
        core.signup_us,
        rng.bits(seed, A, "id_a", core.day, key),
        rng.bits(seed, A, "id_b", core.day, key),
        name,
    )


def global_ordinal(config: GeneratorConfig, ordinal: int, row: np.ndarray) -> np.ndarray:
    """Position of a customer in the whole dataset: the source of unique email tokens."""
    epoch = day_ordinal(config.epoch)
    before = 0 if ordinal == epoch else customers_before(config, ordinal)
    return before + row


def _token(g: np.ndarray) -> pl.Series:
    """Digits-only token, unique per global ordinal, short for small datasets (3 digits for the first 900).

    Block k maps ordinals [900*(10**k - 1)/9, ...) bijectively onto the (k+3)-digit numbers with a
    multiplier coprime to the block size, so tokens look random yet never repeat.
    """
    g = np.asarray(g, dtype=np.int64)
    out = np.empty_like(g)
    start, size, low = 0, 900, 100
    remaining = np.ones(len(g), dtype=bool)
    while remaining.any():
        mask = remaining & (g < start + size)
        out[mask] = low + ((g[mask] - start) * 7919 + 4177) % size
        remaining &= ~mask
        start, size, low = start + size, size * 10, low * 10
    return pl.Series("token", out).cast(pl.String)


def _assemble(pieces: list[tuple[np.ndarray, pl.Series]], n: int, name: str) -> pl.Series:
    """One column from per-market pieces (rows, values), back in row order."""
    if not pieces:
        return pl.Series(name, [], dtype=pl.String)
    stacked = pl.concat([values for _, values in pieces])
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.concatenate([rows for rows, _ in pieces])] = np.arange(n)
    return stacked.gather(inverse).alias(name)


@cache
def _gazetteer(countries: tuple[str, ...]) -> tuple[pl.Series, pl.Series, np.ndarray, np.ndarray]:
    """Cities and regions of all markets stacked, with a population-weighted CDF per market."""
    cities, regions, cdf, offsets = [], [], [], []
    for m, country in enumerate(countries):
        places = gazetteer.places(country)
        offsets.append(len(cities))
        cities += [p.city for p in places]
        regions += [p.region for p in places]
        w = gazetteer.place_weights(country)
        segment = m + np.cumsum(w) / w.sum()
        segment[-1] = m + 1
        cdf.append(segment)
    return pl.Series(cities), pl.Series(regions), np.concatenate(cdf), np.array(offsets, dtype=np.int64)


def _pools(config: GeneratorConfig) -> MarketPools:
    return market_pools(
        tuple(m.mimesis_locale for m in config.markets), tuple(m.free_mail_domains for m in config.markets)
    )


def _gather(values: pl.Series, idx: np.ndarray, name: str) -> pl.Series:
    return values.gather(idx).alias(name)


def _people(config: GeneratorConfig, core: CustomerCore) -> pl.DataFrame:
    """Names, email and phone, drawn from each row's market pools in one gather per column."""
    seed, b = config.seed, config.behaviour
    day, row, market = core.day, core.row, core.market
    pools = _pools(config)
    female = rng.uniform(seed, T, "gender", day, row) < 0.5
    u_first = rng.uniform(seed, T, "first_name", day, row)
    fi = np.where(female, pools.female_first.pick(market, u_first), pools.male_first.pick(market, u_first))
    li = pools.last.pick(market, rng.uniform(seed, T, "last_name", day, row))
    sex = pl.Series(female)
    first = pl.select(
        pl.when(sex)
        .then(pools.female_first.values.gather(np.where(female, fi, 0)))
        .otherwise(pools.male_first.values.gather(np.where(female, 0, fi)))
    ).to_series()
    first_slug = pl.select(
        pl.when(sex)
        .then(pools.female_first_slug.gather(np.where(female, fi, 0)))
        .otherwise(pools.male_first_slug.gather(np.where(female, 0, fi)))
    ).to_series()
    u_domain = rng.uniform(seed, T, "email_domain", day, row)
    words = handle_words()
    tld = pl.Series([m.corporate_tld for m in config.markets], dtype=pl.String)
    phone_idx = pools.phone_formats.pick(market, rng.uniform(seed, T, "phone_format", day, row))
    frame = pl.DataFrame(
        {
            "first_name": first,
            "last_name": _gather(pools.last.values, li, "last_name"),
            "_f": first_slug,
            "_l": _gather(pools.last_slug, li, "_l"),
            "_handle": _gather(
                words,
                (rng.uniform(seed, T, "email_handle", day, row) * len(words)).astype(np.int64),
                "_handle",
            ),
            "_pattern": rng.choice(rng.uniform(seed, T, "email_pattern", day, row), np.array([4, 3, 2, 1, 1.0])),
            "_corporate": rng.uniform(seed, T, "email_corporate", day, row) < b.corporate_email_share,
            "_free": _gather(pools.free_mail.values, pools.free_mail.pick(market, u_domain), "_free"),
            "_company": _gather(pools.company_slugs.values, pools.company_slugs.pick(market, u_domain), "_company"),
            "_tld": _gather(tld, market, "_tld"),
            "phone": fill_templates(
                pools.phone_formats.values.to_list(),
                phone_idx,
                rng.random_bytes(seed, T, "phone", day, row, 24),
                "phone",
            ),
            "gender": _gather(_GENDERS, (~female).astype(np.int64), "gender"),
            "token": _token(global_ordinal(config, int(day[0]), row)) if len(row) else pl.Series([], dtype=pl.String),
        }
    )
    # Patterns: 0 first.last, 1 firstlast, 2 flast, 3 last.first, 4 first_last; a handle without a Latin name.
    f, last, p = pl.col("_f"), pl.col("_l"), pl.col("_pattern")
    has_name = (f.str.len_bytes() > 0) & (last.str.len_bytes() > 0)
    head = pl.when(p == 3).then(last).when(p == 2).then(f.str.slice(0, 1)).otherwise(f)
    sep = pl.when(p == 4).then(pl.lit("_")).when((p == 0) | (p == 3)).then(pl.lit(".")).otherwise(pl.lit(""))
    tail = pl.when(p == 3).then(f).otherwise(last)
    local = pl.when(has_name).then(pl.concat_str([head, sep, tail])).otherwise(pl.col("_handle"))
    domain = (
        pl.when(pl.col("_corporate"))
        .then(pl.concat_str([pl.col("_company"), pl.lit("."), pl.col("_tld")]))
        .otherwise(pl.col("_free"))
    )
    return frame.select(
        "first_name",
        "last_name",
        pl.concat_str([local, pl.col("token"), pl.lit("@"), domain]).alias("email"),
        "phone",
        "gender",
        pl.col("_corporate").alias("corporate"),
    )


@lru_cache(maxsize=8)
def _day_core(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> CustomerCore:
    """Core attributes of a partition's customers (shared by customers, addresses and order sampling)."""
    rows = chunk.rows(customers_on(config, ordinal))
    return customer_core(config, np.full(len(rows), ordinal, dtype=np.int64), rows)


def _slice_core(core: CustomerCore, index: np.ndarray) -> CustomerCore:
    return CustomerCore(*(getattr(core, f)[index] for f in CustomerCore.__slots__))


@lru_cache(maxsize=8)
def _day_customer_ids(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.Series:
    return customer_ids(config, _day_core(config, ordinal, chunk))


def shared_state(config: GeneratorConfig) -> None:
    """The value pools every customer and address draws from, built once."""
    _pools(config)
    _gazetteer(tuple(m.country for m in config.markets))
    handle_words()


def customers_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform

    seed, b = config.seed, config.behaviour
    core = _day_core(config, ordinal, chunk)
    rows, day = core.row, core.day
    people = _people(config, core)
    signup_day = core.signup_us // US_PER_DAY
    birth_day = signup_day - age_in_days(b, rng.uniform_open(seed, T, "age", day, rows))
    markets = config.markets
    return conform(
        T,
        pl.DataFrame(
            {
                "customer_id": _day_customer_ids(config, ordinal, chunk),
                "first_name": people["first_name"],
                "last_name": people["last_name"],
                "email": people["email"],
                "phone": people["phone"],
                "gender": people["gender"],
                "birth_date": pl.Series(birth_day, dtype=pl.Int32).cast(pl.Date),
                "country": _gather(pl.Series([m.country for m in markets]), core.market, "country"),
                "locale": _gather(pl.Series([m.locale for m in markets]), core.market, "locale"),
                "segment": _gather(_SEGMENTS, core.segment, "segment"),
                "marketing_consent": rng.uniform(seed, T, "marketing_consent", day, rows) < b.marketing_consent,
                "signup_at": timestamps(core.signup_us, "signup_at"),
            }
        ),
    )


def addresses_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform

    seed = config.seed
    core = _day_core(config, ordinal, chunk)
    owner = np.repeat(np.arange(len(core.row)), core.n_addresses)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(core.n_addresses) - core.n_addresses, core.n_addresses)
    exploded = _slice_core(core, owner)
    key = exploded.row * MAX_ADDRESSES + slot
    day, market, n = exploded.day, exploded.market, len(owner)
    pools = _pools(config)
    cities, regions, cdf, offsets = _gazetteer(tuple(m.country for m in config.markets))
    place = np.minimum(
        np.searchsorted(cdf, market + rng.uniform(seed, A, "place", day, key), side="right"), len(cdf) - 1
    )
    street = pools.streets.values.gather(pools.streets.pick(market, rng.uniform(seed, A, "street", day, key)))
    suffix = pools.street_suffixes.values.gather(
        pools.street_suffixes.pick(market, rng.uniform(seed, A, "street_suffix", day, key))
    )
    u_num = rng.uniform(seed, A, "street_number", day, key)
    number = np.floor(np.exp(u_num * np.log(np.where(market == 0, 2000, 300)))).astype(np.int64)
    block = rng.bits(seed, A, "street_block", day, key)
    line1_parts, postal_parts = [], []
    for m_idx, m in enumerate(config.markets):
        sel = np.flatnonzero(market == m_idx)
        if not len(sel):
            continue
        if m.country == "JP":  # chome-banchi-go
            num = pl.select(
                pl.concat_str(
                    [
                        pl.lit(pl.Series(number[sel] % 9 + 1)),
                        pl.lit(pl.Series((block[sel] % np.uint64(30) + np.uint64(1)).astype(np.int64))),
                        pl.lit(
                            pl.Series(((block[sel] >> np.uint64(8)) % np.uint64(20) + np.uint64(1)).astype(np.int64))
                        ),
                    ],
                    separator="-",
                )
            ).to_series()
        else:
            num = pl.Series(number[sel]).cast(pl.String)
        fields = {"{st_num}": num, "{st_name}": street.gather(sel), "{st_sfx}": suffix.gather(sel)}
        pieces = [pl.lit(fields[t]) if t in fields else pl.lit(t) for t in _split_format(LINE1_FORMATS[m.country])]
        line1_parts.append((sel, pl.select(pl.concat_str(pieces).str.strip_chars()).to_series()))
        postal_parts.append(
            (
                sel,
                gazetteer.postal_codes(
                    m.country,
                    place[sel] - offsets[m_idx],
                    rng.bits(seed, A, "postal_code", day[sel], key[sel]),
                ),
            )
        )
    return conform(
        A,
        pl.DataFrame(
            {
                "address_id": address_ids(config, exploded, slot, "address_id"),
                "customer_id": _day_customer_ids(config, ordinal, chunk).gather(owner),
                "is_default": slot == 0,
                "created_at": timestamps(exploded.signup_us, "created_at"),
                "line1": _assemble(line1_parts, n, "line1"),
                "city": cities.gather(place).alias("city"),
                "region": regions.gather(place).alias("region"),
                "postal_code": _assemble(postal_parts, n, "postal_code"),
                "country": pl.Series([m.country for m in config.markets]).gather(market).alias("country"),
            }
        ),
    )


def _split_format(fmt: str) -> list[str]:
    """'{st_num} {st_name}' -> ['{st_num}', ' ', '{st_name}']"""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "{":
            j = fmt.index("}", i)
            out.append(fmt[i : j + 1])
            i = j + 1
        else:
            j = fmt.find("{", i)
            j = len(fmt) if j < 0 else j
            out.append(fmt[i:j])
            i = j
    return out


@dataclass(frozen=True, slots=True)
class EligibleCustomers:
    """Customers who can place a repeat order on a day, with cumulative order propensity."""

    day: np.ndarray
    row: np.ndarray
    cum_weight: np.ndarray


@lru_cache(maxsize=2048)
def _cohort(config: GeneratorConfig, ordinal: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, signup day, activity weight) of the customers of one partition, cached across days."""
    core = _day_core(config, ordinal, WHOLE_DAY)
    rows = core.row
    b = config.behaviour
    activity = np.exp(b.activity_sigma * np.minimum(core.activity_z, b.activity_z_max))
    return rows, core.signup_us // US_PER_DAY, activity


@lru_cache(maxsize=32)
def eligible_customers(config: GeneratorConfig, ordinal: int) -> EligibleCustomers:
    """Everyone who signed up before the day: the epoch's opening population and all earlier sign-ups.

    Propensity = a lasting personal activity level times a decay with the age of the account, so
    cohorts retain realistically and a few customers order a lot.
    """
    b = config.behaviour
    epoch = day_ordinal(config.epoch)
    days, rows, signup_days, weights = [], [], [], []
    for d in range(epoch, ordinal):
        r, s, a = _cohort(config, d)
        days.append(np.full(len(r), d, dtype=np.int64))
        rows.append(r)
        signup_days.append(s)
        weights.append(a)
    if ordinal == epoch:
        r, s, a = _cohort(config, epoch)
        k = opening_customers(config, epoch)
        days.append(np.full(k, epoch, dtype=np.int64))
        rows.append(r[:k])
        signup_days.append(s[:k])
        weights.append(a[:k])
    if not days:
        empty = np.empty(0, dtype=np.int64)
        return EligibleCustomers(empty, empty, np.empty(0))
    signup = np.concatenate(signup_days)
    age = (ordinal - signup).astype(np.float64)
    decay = b.activity_floor + (1 - b.activity_floor) * np.exp2(-age / b.activity_half_life_days)
    return EligibleCustomers(
        day=np.concatenate(days),
        row=np.concatenate(rows),
        cum_weight=np.cumsum(np.concatenate(weights) * decay),
    )


__all__ = [
    "CustomerCore",
    "EligibleCustomers",
    "address_ids",
    "addresses_frame",
    "customer_core",
    "customer_ids",
    "customers_frame",
    "daily_signups",
    "eligible_customers",
]
