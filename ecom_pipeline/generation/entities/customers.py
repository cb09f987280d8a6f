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
from ecom_pipeline.generation.providers.pools import (
    LINE1_FORMATS,
    MarketPools,
    Stacked,
    handle_words,
    market_pools,
    stack,
)
from ecom_pipeline.generation.providers.pools import contacts as pools_contacts
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
    zone: np.ndarray  # index into the gazetteer's time zones: the default address's
    place: np.ndarray  # global gazetteer index of the default address's city


def customer_core(config: GeneratorConfig, day: np.ndarray, row: np.ndarray) -> CustomerCore:
    seed, b = config.seed, config.behaviour
    day = np.asarray(day, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    shares = np.array([m.share for m in config.markets])
    market = rng.choice(rng.uniform(seed, T, "market", day, row), shares)
    signup_day = signup_days(config, day, row)
    # The customer lives where the default address is: its city's time zone drives their local hours.
    gaz = _gazetteer(tuple(m.country for m in config.markets))
    home = _place(config, gaz, market, day, row * MAX_ADDRESSES)
    zone = gaz.zone_of_place[home]
    tod = local_peak_times(
        rng.uniform(seed, T, "signup_hour", day, row),
        rng.uniform(seed, T, "signup_within", day, row),
        market_offsets(gaz.zones, zone, signup_day),
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
        zone=zone,
        place=home,
    )


def signup_days(config: GeneratorConfig, day: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Day ordinal of each customer's sign-up: the partition's day, or years before the epoch for the opening
    population (denser recently: growth)."""
    b = config.behaviour
    epoch = day_ordinal(config.epoch)
    opening = (day == epoch) & (row < config.scale.opening_customers)
    g, years = b.opening_history_growth, b.opening_history_years
    u = rng.uniform_open(config.seed, T, "signup_day", day, row)
    floor = math.exp(-g * years)
    back_years = np.log(floor + u * (1 - floor)) / g
    signup_day = np.where(opening, epoch + np.floor(back_years * 365.25).astype(np.int64), day)
    return np.minimum(signup_day, np.where(opening, epoch - 1, day))


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


def address_ids(config: GeneratorConfig, core: CustomerCore | _AddressOwners, slot: np.ndarray, name: str) -> pl.Series:
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
    k = np.searchsorted(_TOKEN_STARTS, g, side="right") - 1
    start, size = _TOKEN_STARTS[k], _TOKEN_SIZES[k]
    return pl.Series("token", _TOKEN_LOWS[k] + ((g - start) * 7919 + 4177) % size).cast(pl.String)


_TOKEN_SIZES = 900 * 10 ** np.arange(16, dtype=np.int64)  # block k: 900 * 10**k ordinals, (k+3)-digit tokens
_TOKEN_STARTS = np.concatenate([[0], np.cumsum(_TOKEN_SIZES)[:-1]])
_TOKEN_LOWS = 100 * 10 ** np.arange(16, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Cities and regions of all markets stacked, with a population-weighted CDF per market."""

    cities: pl.Series
    regions: pl.Series
    cdf: np.ndarray  # market m's places occupy (m, m + 1]
    index: rng.SortedIndex  # of cdf
    offsets: np.ndarray  # first place of each market
    market_of_place: np.ndarray
    zone_of_place: np.ndarray
    zones: tuple[str, ...]  # IANA names, sorted


@cache
def _gazetteer(countries: tuple[str, ...]) -> Gazetteer:
    cities: list[str] = []
    regions: list[str] = []
    segments: list[np.ndarray] = []
    offsets: list[int] = []
    place_zones: list[str] = []
    for m, country in enumerate(countries):
        places = gazetteer.places(country)
        offsets.append(len(cities))
        cities += [p.city for p in places]
        regions += [p.region for p in places]
        place_zones += [p.time_zone for p in places]
        w = gazetteer.place_weights(country)
        segment = m + np.cumsum(w) / w.sum()
        segment[-1] = m + 1
        segments.append(segment)
    zones = tuple(sorted(set(place_zones)))
    cdf = np.concatenate(segments)
    return Gazetteer(
        cities=pl.Series(cities),
        regions=pl.Series(regions),
        cdf=cdf,
        index=rng.SortedIndex(cdf),
        offsets=np.array(offsets, dtype=np.int64),
        market_of_place=np.repeat(np.arange(len(countries)), np.diff([*offsets, len(cities)])),
        zone_of_place=np.array([zones.index(z) for z in place_zones], dtype=np.int64),
        zones=zones,
    )


def _place(config: GeneratorConfig, gaz: Gazetteer, market: np.ndarray, day: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Global place index of the addresses (day, key) in their market."""
    u = rng.uniform(config.seed, A, "place", day, key)
    return np.minimum(gaz.index.right(market + u), len(gaz.cdf) - 1)


def time_zones(config: GeneratorConfig) -> tuple[str, ...]:
    return _gazetteer(tuple(m.country for m in config.markets)).zones


def _pools(config: GeneratorConfig) -> MarketPools:
    return market_pools(
        tuple(m.country for m in config.markets),
        tuple(m.mimesis_locale for m in config.markets),
        tuple(m.free_mail_domains for m in config.markets),
    )


def _gather(values: pl.Series, idx: np.ndarray, name: str) -> pl.Series:
    return values.gather(idx).alias(name)


# Email local parts: first.last, first_last, then with a number: firstlast, initial+last, first.last.
_EMAIL_PATTERNS = np.array([0.68, 0.18, 0.06, 0.05, 0.03])
_NUMBERED = 2  # patterns from this index on end in the customer's number
# Separators by pattern (first.last, first_last, firstlast, flast, first.last + number), then the hyphen of
# word pairs, then a middle initial for each block of customers past the pools' capacity.
_SEPARATORS = pl.Series([".", "_", "", "", ".", "-", *(f".{chr(ord('a') + k)}." for k in range(26))])
_HYPHEN = 5
_INITIAL_AT = 5  # block k >= 1 writes _SEPARATORS[5 + k]


def _people(config: GeneratorConfig, core: CustomerCore) -> pl.DataFrame:
    """Names, email and phone of each row, in one gather per column.

    The (gender, first, last) name is a bijection of the customer's position in the dataset within the
    market's pools, so `first.last@domain` never repeats (past the pools' capacity, `first.m.last` with a
    middle initial): an address carries the customer's number only when its pattern has one, when another
    market's pool holds the same surname at a domain both markets use, or past 27 times the capacity.
    """
    seed = config.seed
    day, row, market = core.day, core.row, core.market
    pools = _pools(config)
    g = global_ordinal(config, int(day[0]), row) if len(row) else row
    plan = pools.names
    # Past the pools' capacity n, each further block of n customers writes a middle initial: a, b, ...
    block = g // plan.n[market]
    c = (plan.a[market] * (g % plan.n[market]) + plan.b[market]) % plan.n[market]
    female = c % 2 == 0
    size = pools.female_first.size[market]
    fi = pools.female_first.offset[market] + (c // 2) % size  # the male pool has the same offsets and sizes
    li = pools.last.offset[market] + c // (2 * size)
    # Female names, then male names: one gather for the name.
    either = fi + np.where(female, 0, len(pools.female_first.values))
    first = pools.first_names.gather(either).alias("first_name")
    pattern = rng.choice(rng.uniform(seed, T, "email_pattern", day, row), _EMAIL_PATTERNS)
    u_domain = rng.uniform(seed, T, "email_domain", day, row)
    latin = pools.latin[market]
    # Markets without Latin names write two words joined by a hyphen (no name pattern has one), a bijection
    # of the position too (7,919 is prime, so coprime with the number of word pairs).
    words = handle_words()
    pairs = len(words) * len(words)
    w = (g * 7_919 + 104_729) % pairs
    free = pools.free_mail.pick(market, u_domain)
    # Another market may write the same first.last only at a domain both use: a surname this market owns
    # (no earlier market's pool has it) or a domain only this market uses keeps the address to itself.
    own_domain = (core.segment == 2) | pools.free_mail_exclusive[free]
    unique = np.where(latin, (block <= 26) & (pools.last_owned[li] | own_domain), g < pairs)
    numbered = (pattern >= _NUMBERED) | ~unique
    n = len(row)
    # Each part of the address is one gather from its candidates stacked: [first name slugs, their initials,
    # words] before the separator, [surname slugs, words] after it.
    n_first, n_last = len(pools.first_slugs), len(pools.last_slug)
    head = pools.email_heads.gather(np.where(latin, either + n_first * (pattern == 3), 2 * n_first + w // len(words)))
    tail = pools.email_tails.gather(np.where(latin, li, n_last + w % len(words)))
    sep = _SEPARATORS.gather(
        np.where(latin, np.where(block > 0, _INITIAL_AT + np.minimum(block, 26), pattern), _HYPHEN)
    )
    token = _token(g) if n else pl.Series([], dtype=pl.String)
    number = pl.when(pl.lit(pl.Series(numbered, dtype=pl.Boolean))).then(pl.lit(token)).otherwise(pl.lit(""))
    domains = _domains(config)
    company = pools.company_slugs.pick(market, u_domain)
    domain = domains.gather(np.where(core.segment == 2, len(pools.free_mail.values) + company, free))
    email = pl.select(pl.concat_str([pl.lit(head), pl.lit(sep), pl.lit(tail), number, pl.lit("@"), pl.lit(domain)]))
    return pl.DataFrame(
        {
            "first_name": first,
            "last_name": _gather(pools.last.values, li, "last_name"),
            "email": email.to_series(),
            "phone": _phones(config, pools, core),
            "gender": _gather(_GENDERS, (~female).astype(np.int64), "gender"),
        }
    )


@cache
def _domain_table(
    countries: tuple[str, ...], locales: tuple[str, ...], free_mail: tuple, tlds: tuple[str, ...]
) -> pl.Series:
    """Free-mail domains, then every market's corporate domains (company.tld), stacked for one gather."""
    pools = market_pools(countries, locales, free_mail)
    companies = pools.company_slugs
    market_of = np.repeat(np.arange(len(tlds)), companies.size)
    corporate = companies.values + pl.Series([f".{tlds[m]}" for m in market_of.tolist()], dtype=pl.String)
    return pl.concat([pools.free_mail.values, corporate])


def _domains(config: GeneratorConfig) -> pl.Series:
    markets = config.markets
    return _domain_table(
        tuple(m.country for m in markets),
        tuple(m.mimesis_locale for m in markets),
        tuple(m.free_mail_domains for m in markets),
        tuple(m.corporate_tld for m in markets),
    )


def _phones(config: GeneratorConfig, pools: MarketPools, core: CustomerCore) -> pl.Series:
    """A number valid in the market's plan: a weighted template, after the area code of the customer's city
    (US) or state (BR) where the plan has one."""
    seed, day, row, market = config.seed, core.day, core.row, core.market
    which = pools.phone_templates.pick(market, rng.uniform(seed, T, "phone_format", day, row))
    number = fill_templates(
        pools.phone_templates.values.to_list(), which, rng.random_bytes(seed, T, "phone", day, row, 24), "phone"
    )
    countries = tuple(m.country for m in config.markets)
    areas = _phone_areas(countries)
    area_bits = rng.bits(seed, T, "phone_area", day, row)
    pick = areas.offset[core.place] + (area_bits % areas.size[core.place].astype(np.uint64)).astype(np.int64)
    if np.array_equal(_gazetteer(countries).market_of_place[core.place], market):
        # Every customer lives in their market: the prefix around each area code is the place's market's.
        return (_phone_heads(countries, pools.phone_prefix).gather(pick) + number).alias("phone")
    return _join_phones(pools.phone_prefix, market, areas.values.gather(pick), number)


def _join_phones(prefixes: tuple[str, ...], market: np.ndarray, area: pl.Series, number: pl.Series) -> pl.Series:
    """The market's prefix up to '{area}', the area code, the rest of the prefix, the digits."""
    before = pl.Series([p.split("{area}")[0] for p in prefixes], dtype=pl.String).gather(market)
    after = pl.Series([p.partition("{area}")[2] for p in prefixes], dtype=pl.String).gather(market)
    return (
        pl.select(pl.concat_str([pl.lit(before), pl.lit(area), pl.lit(after), pl.lit(number)]))
        .to_series()
        .alias("phone")
    )


@cache
def _phone_heads(countries: tuple[str, ...], prefixes: tuple[str, ...]) -> pl.Series:
    """Each entry of _phone_areas inside its place's market's prefix: what precedes a number's digits."""
    areas = _phone_areas(countries)
    market = np.repeat(_gazetteer(countries).market_of_place, areas.size).tolist()
    return pl.Series(
        [
            prefixes[m].split("{area}")[0] + area + prefixes[m].partition("{area}")[2]
            for m, area in zip(market, areas.values.to_list(), strict=True)
        ],
        dtype=pl.String,
    )


@cache
def _phone_areas(countries: tuple[str, ...]) -> Stacked:
    """Area codes of each gazetteer place (stacked in `_gazetteer` order; '' where the plan has none)."""
    plans = pools_contacts()["phones"]
    per_place = []
    for country in countries:
        by_region = plans[country].get("areas_by_region", {})
        for place in gazetteer.places(country):
            per_place.append(list(place.phone_areas) or by_region.get(place.region_code, []) or [""])
    return stack(per_place, "area")


@lru_cache(maxsize=8)
def _day_core(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> CustomerCore:
    """Core attributes of a partition's customers (shared by customers, addresses and order sampling)."""
    rows = chunk.rows(customers_on(config, ordinal))
    return customer_core(config, np.full(len(rows), ordinal, dtype=np.int64), rows)


@lru_cache(maxsize=8)
def _day_customer_ids(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.Series:
    return customer_ids(config, _day_core(config, ordinal, chunk))


def shared_state(config: GeneratorConfig) -> None:
    """The value pools every customer and address draws from, built once."""
    _pools(config)
    _gazetteer(tuple(m.country for m in config.markets))
    _phone_areas(tuple(m.country for m in config.markets))
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
                "time_zone": _gather(pl.Series(time_zones(config)), core.zone, "time_zone"),
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
    owners = _AddressOwners(
        day=core.day[owner], row=core.row[owner], market=core.market[owner], signup_us=core.signup_us[owner]
    )
    key = owners.row * MAX_ADDRESSES + slot
    day, market = owners.day, owners.market
    pools = _pools(config)
    countries = tuple(m.country for m in config.markets)
    gaz = _gazetteer(countries)
    # The default address is the customer's home: its place is already known.
    place = core.place[owner]
    other = slot > 0
    place[other] = _place(config, gaz, market[other], day[other], key[other])
    street = pools.streets.pick(market, rng.uniform(seed, A, "street", day, key))
    suffix = pools.street_suffixes.pick(market, rng.uniform(seed, A, "street_suffix", day, key))
    u_num = rng.uniform(seed, A, "street_number", day, key)
    number = np.floor(np.exp(u_num * np.log(np.where(market == 0, 2000, 300)))).astype(np.int64)
    block = rng.bits(seed, A, "street_block", day, key)
    return conform(
        A,
        pl.DataFrame(
            {
                "address_id": address_ids(config, owners, slot, "address_id"),
                "customer_id": _day_customer_ids(config, ordinal, chunk).gather(owner),
                "is_default": slot == 0,
                "created_at": timestamps(owners.signup_us, "created_at"),
                "line1": _line1(config, pools, market, street, suffix, number, block),
                "city": gaz.cities.gather(place).alias("city"),
                "region": gaz.regions.gather(place).alias("region"),
                "postal_code": gazetteer.postal_codes_of_places(
                    countries, place, rng.bits(seed, A, "postal_code", day, key)
                ),
                "country": pl.Series(countries).gather(market).alias("country"),
            }
        ),
    )


@dataclass(frozen=True, slots=True)
class _AddressOwners:
    """The owner's attributes an address row needs, one row per address."""

    day: np.ndarray
    row: np.ndarray
    market: np.ndarray
    signup_us: np.ndarray


_NUMBER, _NAME, _SUFFIX, _LITERAL = 0, 1, 2, 3


def _line1(
    config: GeneratorConfig,
    pools: MarketPools,
    market: np.ndarray,
    street: np.ndarray,
    suffix: np.ndarray,
    number: np.ndarray,
    block: np.ndarray,
) -> pl.Series:
    """Street lines in each market's layout (LINE1_FORMATS), stripped: every piece is one gather from a pool.

    The pool stacks street names, suffixes, house numbers as text, Japanese chome-banchi-go numbers and the
    layouts' literal separators; slot k of a row takes the k-th piece of its market's layout (layouts padded
    with empty literals to the same number of pieces).
    """
    n = len(market)
    layouts = [_split_format(LINE1_FORMATS[m.country]) for m in config.markets]
    literals = sorted({t for layout in layouts for t in layout if t not in _FIELDS} | {""})
    top = int(number.max()) if n else 0
    numbers = pl.Series([str(i) for i in range(top + 1)], dtype=pl.String)
    parts = [pools.streets.values, pools.street_suffixes.values, numbers, _chome_numbers(), pl.Series(literals)]
    base = np.cumsum([0] + [len(p) for p in parts[:-1]])
    pool = pl.concat(parts, rechunk=True)
    japan = np.array([m.country == "JP" for m in config.markets], dtype=bool)[market] if n else np.zeros(0, bool)
    chome = (
        (number % 9) * _CHOME_BLOCK
        + (block % np.uint64(30)).astype(np.int64) * 20
        + ((block >> np.uint64(8)) % np.uint64(20)).astype(np.int64)
    )
    # Row kind * n + i of the flattened table is row i's pool index for that kind of piece.
    table = np.empty((_LITERAL + 1, n), dtype=np.int64)
    table[_NUMBER] = np.where(japan, base[3] + chome, base[2] + number)
    table[_NAME] = base[0] + street
    table[_SUFFIX] = base[1] + suffix
    flat, rows = table.reshape(-1), np.arange(n)
    width = max(len(layout) for layout in layouts)
    pieces = []
    for k in range(width):
        kind = np.array([_FIELDS.get(lay[k], _LITERAL) if k < len(lay) else _LITERAL for lay in layouts])[market]
        table[_LITERAL] = np.array(
            [base[4] + literals.index(lay[k] if k < len(lay) and lay[k] not in _FIELDS else "") for lay in layouts]
        )[market]
        pieces.append(pl.lit(pool.gather(flat.take(kind * n + rows))))
    if not pieces:
        return pl.Series("line1", [""] * n, dtype=pl.String)
    return pl.select(pl.concat_str(pieces).str.strip_chars()).to_series().alias("line1")


_FIELDS = {"{st_num}": _NUMBER, "{st_name}": _NAME, "{st_sfx}": _SUFFIX}
_CHOME_BLOCK = 30 * 20


@cache
def _chome_numbers() -> pl.Series:
    """'chome-banchi-go' for chome 1..9, banchi 1..30, go 1..20, at (chome-1)*600 + (banchi-1)*20 + go-1."""
    return pl.Series([f"{c}-{b}-{g}" for c in range(1, 10) for b in range(1, 31) for g in range(1, 21)])


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
    rows = WHOLE_DAY.rows(customers_on(config, ordinal))
    day = np.full(len(rows), ordinal, dtype=np.int64)
    b = config.behaviour
    # The two attributes customer_core would give, drawn alone: a sign-up's time of day never moves its day.
    activity_z = rng.normal(config.seed, T, "activity", day, rows)
    activity = np.exp(b.activity_sigma * np.minimum(activity_z, b.activity_z_max))
    return rows, signup_days(config, day, rows), activity


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
