"""The generator's fast paths give exactly what their plain formulations give (the output's bytes depend on it)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import day_ordinal
from ecom_pipeline.generation.counts import WHOLE_DAY, Chunk
from ecom_pipeline.generation.entities import customers
from ecom_pipeline.generation.providers import gazetteer, pools
from ecom_pipeline.generation.providers.pools import LINE1_FORMATS
from ecom_pipeline.generation.strings import _ALNUM, _DIGITS, _LETTERS, _byte_map, fill_templates

EPOCH = dt.date(2026, 1, 1)


# --- SortedIndex ------------------------------------------------------------------------------------------


def _neighbours(cdf: np.ndarray) -> np.ndarray:
    """Every entry, the floats just below and above it, and values outside the range."""
    return np.concatenate(
        [cdf, np.nextafter(cdf, -np.inf), np.nextafter(cdf, np.inf), [0.0, -1.0, cdf[-1] * 2, 1e300, -1e300]]
    )


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(
        st.one_of(st.floats(1e-12, 1e6), st.just(0.0), st.floats(1e-300, 1e-290)), min_size=1, max_size=300
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_sorted_index_answers_exactly_as_searchsorted_right(weights, seed):
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    if not cdf[-1] > 0:
        cdf = cdf + 1.0
    index = rng.SortedIndex(cdf)
    u = np.random.default_rng(seed).random(2_000) * cdf[-1] * 1.1
    x = np.concatenate([u, _neighbours(cdf)])
    assert np.array_equal(index.right(x), np.searchsorted(cdf, x, side="right"))


def test_sorted_index_of_the_stacked_market_tables(small_config):
    """The tables the generator searches: market m's CDF on (m, m + 1], queried at m + u."""
    gaz = customers._gazetteer(tuple(m.country for m in small_config.markets))
    market_pools = customers._pools(small_config)
    for cdf, index in (
        (gaz.cdf, gaz.index),
        (market_pools.phone_templates.cdf, market_pools.phone_templates.index),
        (market_pools.street_suffixes.cdf, market_pools.street_suffixes.index),
        (market_pools.free_mail.cdf, market_pools.free_mail.index),
    ):
        n = 200_000
        market = np.arange(n) % len(small_config.markets)
        x = market + rng.uniform(3, "t", "u", 1, np.arange(n))
        x = np.concatenate([x, _neighbours(cdf), np.arange(len(small_config.markets) + 1, dtype=np.float64)])
        assert np.array_equal(index.right(x), np.searchsorted(cdf, x, side="right"))


@pytest.mark.parametrize("cdf", [[], [0.0], [1.0, 0.5], [[0.5, 1.0]]])
def test_sorted_index_refuses_what_is_not_an_ascending_positive_table(cdf):
    with pytest.raises(ValueError):
        rng.SortedIndex(np.asarray(cdf, dtype=np.float64))


# --- counter-based bits ------------------------------------------------------------------------------------


def _plain_bits(seed: int, table: str, column: str, day, row) -> np.ndarray:
    k1, k2 = rng.column_key(seed, table, column)
    counter = (np.asarray(row, dtype=np.uint64) << np.uint64(20)) | np.asarray(day, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return rng._mix(rng._mix(counter * rng._GOLDEN ^ k1) ^ k2)


@pytest.mark.parametrize("n", [0, 1, rng._SMALL - 1, rng._SMALL, rng._SMALL + 1, 3 * rng._BLOCK + 17, 200_001])
def test_long_draws_mixed_block_by_block_equal_whole_array_mixing(n):
    row = np.arange(n, dtype=np.int64) * 3 + 11
    day = 20_000 + np.arange(n, dtype=np.int64) % 7
    for d, r in ((day, row), (20_454, row), (day, 5), (np.int64(20_454), row)):
        plain = _plain_bits(9, "orders", "x", d, r)
        bits = rng.bits(9, "orders", "x", d, r)
        assert bits.dtype == plain.dtype and bits.shape == plain.shape
        assert np.array_equal(bits, plain)
        top = (plain >> np.uint64(11)).astype(np.float64)
        assert np.array_equal(rng.uniform(9, "orders", "x", d, r), top * rng._INV_2_53)
        assert np.array_equal(rng.uniform_open(9, "orders", "x", d, r), (top + 0.5) * rng._INV_2_53)


# --- strings -----------------------------------------------------------------------------------------------


def test_the_byte_map_is_the_multiply_shift_of_every_byte():
    b = np.arange(256, dtype=np.uint16)
    for alphabet in (_DIGITS, _LETTERS, _ALNUM):
        assert np.array_equal(_byte_map(alphabet), alphabet[((b * len(alphabet)) >> 8).astype(np.uint8)])


def _plain_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


def test_slugs_of_ascii_and_other_names_equal_the_normalized_form():
    names = ["O'Brien", "Anne-Marie", "Zoë", "Straße", "São Paulo", "Ærøskøbing", "ǅemal", "İlkay", "ﬁona", "山田", ""]
    names += [chr(c) for c in range(0x20, 0x3000)]
    for locale_pools in (pools.locale_pools("DE", "de"), pools.locale_pools("FR", "fr")):
        names += locale_pools.female_first.to_list() + locale_pools.last.to_list()
    for name in names:
        assert pools.slug(name) == _plain_slug(name), name


def test_tokens_computed_per_block_equal_the_block_by_block_loop():
    def plain(g: np.ndarray) -> list[str]:
        out = np.empty_like(g)
        start, size, low = 0, 900, 100
        remaining = np.ones(len(g), dtype=bool)
        while remaining.any():
            mask = remaining & (g < start + size)
            out[mask] = low + ((g[mask] - start) * 7919 + 4177) % size
            remaining &= ~mask
            start, size, low = start + size, size * 10, low * 10
        return [str(x) for x in out]

    edges = np.cumsum(900 * 10 ** np.arange(12, dtype=np.int64))
    g = np.unique(np.concatenate([np.arange(0, 20_000), edges, edges - 1, edges + 1]))
    assert customers._token(g).to_list() == plain(g)


# --- customers and addresses -------------------------------------------------------------------------------


def test_postal_codes_of_several_countries_equal_each_countrys_own(small_config):
    countries = tuple(m.country for m in small_config.markets)
    gaz = customers._gazetteer(countries)
    n = 50_000
    place = rng.bits(1, "t", "place", 0, np.arange(n)) % np.uint64(len(gaz.cdf))
    place = place.astype(np.int64)
    bits = rng.bits(1, "t", "bits", 0, np.arange(n))
    stacked = gazetteer.postal_codes_of_places(countries, place, bits).to_list()
    for m, country in enumerate(countries):
        rows = np.flatnonzero(gaz.market_of_place[place] == m)
        own = gazetteer.postal_codes(country, place[rows] - gaz.offsets[m], bits[rows]).to_list()
        assert [stacked[i] for i in rows] == own, country


def test_street_lines_follow_each_markets_layout(small_config):
    """_line1's pool gathers write what formatting each market's layout row by row writes."""
    market_pools = customers._pools(small_config)
    markets = small_config.markets
    n = 30_000
    k = np.arange(n)
    market = (rng.bits(2, "t", "market", 0, k) % np.uint64(len(markets))).astype(np.int64)
    street = market_pools.streets.pick(market, rng.uniform(2, "t", "street", 0, k))
    suffix = market_pools.street_suffixes.pick(market, rng.uniform(2, "t", "suffix", 0, k))
    number = 1 + (rng.bits(2, "t", "number", 0, k) % np.uint64(1999)).astype(np.int64)
    block = rng.bits(2, "t", "block", 0, k)
    lines = customers._line1(small_config, market_pools, market, street, suffix, number, block).to_list()
    names, suffixes = market_pools.streets.values.to_list(), market_pools.street_suffixes.values.to_list()
    for i in range(n):
        country = markets[market[i]].country
        if country == "JP":
            banchi, go = int(block[i]) % 30 + 1, (int(block[i]) >> 8) % 20 + 1
            num = f"{number[i] % 9 + 1}-{banchi}-{go}"
        else:
            num = str(number[i])
        expected = (
            LINE1_FORMATS[country]
            .replace("{st_num}", num)
            .replace("{st_name}", names[street[i]])
            .replace("{st_sfx}", suffixes[suffix[i]])
            .strip()
        )
        assert lines[i] == expected, (country, i)


def test_phones_from_prefixed_area_codes_equal_the_joined_pieces(busy_config):
    config = busy_config
    countries = tuple(m.country for m in config.markets)
    core = customers._day_core(config, day_ordinal(EPOCH), WHOLE_DAY)
    market_pools = customers._pools(config)
    phones = customers._phones(config, market_pools, core)
    areas = customers._phone_areas(countries)
    # The same draws, joined piece by piece.
    seed, day, row = config.seed, core.day, core.row
    which = market_pools.phone_templates.pick(core.market, rng.uniform(seed, "customers", "phone_format", day, row))
    number = fill_templates(
        market_pools.phone_templates.values.to_list(),
        which,
        rng.random_bytes(seed, "customers", "phone", day, row, 24),
        "phone",
    )
    bits = rng.bits(seed, "customers", "phone_area", day, row)
    pick = areas.offset[core.place] + (bits % areas.size[core.place].astype(np.uint64)).astype(np.int64)
    joined = customers._join_phones(market_pools.phone_prefix, core.market, areas.values.gather(pick), number)
    assert len(phones) == len(core.row) > 1_000
    assert phones.equals(joined)


def test_order_sampling_reads_the_sign_up_days_and_activity_customer_core_gives(small_config):
    ordinal = day_ordinal(EPOCH) + 3
    rows, signup_day, activity = customers._cohort(small_config, ordinal)
    core = customers._day_core(small_config, ordinal, WHOLE_DAY)
    b = small_config.behaviour
    assert np.array_equal(rows, core.row)
    assert np.array_equal(signup_day, core.signup_us // customers.US_PER_DAY)
    assert np.array_equal(activity, np.exp(b.activity_sigma * np.minimum(core.activity_z, b.activity_z_max)))
    epoch_rows, epoch_signup, _ = customers._cohort(small_config, day_ordinal(EPOCH))
    epoch_core = customers._day_core(small_config, day_ordinal(EPOCH), Chunk())
    assert len(epoch_rows) > 100
    assert np.array_equal(epoch_signup, epoch_core.signup_us // customers.US_PER_DAY)


def test_addresses_in_row_order_keep_their_columns_types(small_config):
    frame = customers.addresses_frame(small_config, day_ordinal(EPOCH), WHOLE_DAY)
    assert frame.height > 100
    assert frame.schema["line1"] == pl.String and frame.schema["postal_code"] == pl.String
    assert frame["line1"].null_count() == 0 and frame["postal_code"].null_count() == 0


def test_the_shared_orders_task_is_queued_before_every_table_that_waits_for_it():
    from ecom_pipeline.generation import daily

    order = list(daily._BUILDERS)
    assert set(order) >= daily._ORDER_TABLES
    assert all(order.index(t) > order.index(daily._ORDERS_AFTER) for t in daily._ORDER_TABLES)
