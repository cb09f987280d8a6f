"""Categories and products: where `categories` and `products` columns are born.

Each storefront (market) lists its own products in its own currency, so an order's lines are priced in
the customer's currency and unit_price always equals the product's price. A product is addressed by
(launch day, row); orders sample from the catalog as of their day, computed from those pairs alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import polars as pl

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import US_PER_DAY, US_PER_HOUR, black_friday, day_ordinal, ordinal_date
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.counts import Chunk, opening_products, products_on
from ecom_pipeline.generation.enums import Table
from ecom_pipeline.generation.providers import taxonomy
from ecom_pipeline.generation.providers.pools import handle_words
from ecom_pipeline.generation.strings import ascii_matrix_to_series, decimal_money, timestamps, uuid7

C = Table.CATEGORIES.value
P = Table.PRODUCTS.value
_LEAF_INDEX = {leaf.key: i for i, leaf in enumerate(taxonomy.LEAVES)}
_CATEGORY_INDEX = {c.key: i for i, c in enumerate(taxonomy.CATEGORIES)}
_SEASON_MONTHS = {"summer": (5, 6, 7, 8), "winter": (10, 11, 12, 1, 2), "holiday": (11, 12)}
_SEASON_LIFT = {"summer": 2.0, "winter": 2.0, "holiday": 1.8}
_BASE36 = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)  # no I or O: they read as 1, 0


def _category_created_us(config: GeneratorConfig) -> int:
    years = config.behaviour.opening_history_years
    return (day_ordinal(config.epoch) - math.ceil(years * 365.25) - 30) * US_PER_DAY


def category_ids(config: GeneratorConfig, index: np.ndarray) -> pl.Series:
    """Ids of categories by their position in the taxonomy (the tree is created once, before the epoch)."""
    epoch = day_ordinal(config.epoch)
    ts = np.full(len(index), _category_created_us(config), dtype=np.int64) + index * 1000
    return uuid7(
        ts,
        rng.bits(config.seed, C, "id_a", epoch, index),
        rng.bits(config.seed, C, "id_b", epoch, index),
        "category_id",
    )


def categories_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform

    cats = taxonomy.CATEGORIES
    n = len(cats) if ordinal == day_ordinal(config.epoch) else 0
    rows = chunk.rows(n)
    ids = category_ids(config, np.arange(len(cats), dtype=np.int64))
    parent = np.array([_CATEGORY_INDEX[c.parent_key] if c.parent_key else -1 for c in cats])
    parent_ids = pl.select(pl.when(pl.lit(pl.Series(parent >= 0))).then(ids.gather(np.maximum(parent, 0)))).to_series()
    frame = pl.DataFrame(
        {
            "category_id": ids,
            "parent_category_id": parent_ids,
            "name": [c.name for c in cats],
            "level": pl.Series([c.level for c in cats], dtype=pl.Int16),
            "path": [c.key for c in cats],
            "created_at": timestamps(_category_created_us(config) + np.arange(len(cats)) * 1000, "created_at"),
        }
    )
    return conform(C, frame[rows])


@dataclass(frozen=True, slots=True)
class ProductCore:
    day: np.ndarray
    row: np.ndarray
    market: np.ndarray
    leaf: np.ndarray
    launched_us: np.ndarray
    price_minor: np.ndarray
    is_active: np.ndarray
    popularity: np.ndarray


def _charm_price(price: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Shelf prices in minor units: x.99 under 100, x4.99/x9.99 above; whole tens of yen where no cents."""
    cents = np.where(
        price < 100,
        np.maximum(np.round(price), 1) * 100 - 1,
        np.maximum(np.round(price / 5) * 5, 5) * 100 - 1,
    )
    yen = np.maximum(np.round(price / 10) * 10, 100) * 100
    return np.where(decimals == 2, cents, yen).astype(np.int64)


def product_core(config: GeneratorConfig, day: np.ndarray, row: np.ndarray) -> ProductCore:
    seed, b = config.seed, config.behaviour
    day = np.asarray(day, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    epoch = day_ordinal(config.epoch)
    n_markets = len(config.markets)
    shares = np.array([m.share for m in config.markets])
    market = rng.choice(rng.uniform(seed, P, "market", day, row), shares)
    opening = (day == epoch) & (row < config.scale.opening_products)
    seeded = opening & (row < n_markets)
    market = np.where(seeded, row, market)  # every storefront opens with at least one active product
    leaf = rng.choice(rng.uniform(seed, P, "category", day, row), taxonomy.leaf_weights())
    u_back = rng.uniform(seed, P, "launch_day", day, row)
    back = np.floor(u_back * b.opening_history_years * 365.25).astype(np.int64) + 1
    launch_day = np.where(opening, epoch - back, day)
    # Catalog teams publish in office hours: 07:00-19:00 UTC, uniformly.
    tod = (7 * US_PER_HOUR + rng.uniform(seed, P, "launch_time", day, row) * 12 * US_PER_HOUR).astype(np.int64)
    medians = np.array([leaf_p.price_median_usd for leaf_p in taxonomy.LEAVES])[leaf]
    sigmas = np.array([leaf_p.price_sigma for leaf_p in taxonomy.LEAVES])[leaf]
    level = np.array([m.price_level for m in config.markets])[market]
    decimals = np.array([m.currency_decimals for m in config.markets])[market]
    usd = medians * np.exp(sigmas * rng.normal(seed, P, "price", day, row))
    return ProductCore(
        day=day,
        row=row,
        market=market,
        leaf=leaf,
        launched_us=launch_day * US_PER_DAY + tod,
        price_minor=_charm_price(usd * level, decimals),
        is_active=seeded | (rng.uniform(seed, P, "is_active", day, row) >= b.inactive_product_share),
        # Bounded: a best-seller sells a few times the median, never a storefront's whole revenue.
        popularity=np.exp(b.product_popularity_sigma * np.clip(rng.normal(seed, P, "popularity", day, row), -2.5, 2.5)),
    )


def product_ids(config: GeneratorConfig, core: ProductCore, name: str = "product_id") -> pl.Series:
    return uuid7(
        core.launched_us,
        rng.bits(config.seed, P, "id_a", core.day, core.row),
        rng.bits(config.seed, P, "id_b", core.day, core.row),
        name,
    )


@cache
def _brands(style: str) -> pl.Series:
    """40 brand names per style, composed once from a word pool and the style's suffixes."""
    words = handle_words()
    suffixes = taxonomy.BRAND_SUFFIXES[style]
    k = np.arange(40, dtype=np.int64)
    w = rng.bits(0, "_brands", style, 0, k) % np.uint64(len(words))
    s = rng.bits(0, "_brands", style + "_suffix", 0, k) % np.uint64(len(suffixes) + 2)
    names = [
        words[int(i)].capitalize() + (f" {suffixes[int(j)]}" if j < len(suffixes) else "")
        for i, j in zip(w, s, strict=True)
    ]
    return pl.Series("brand", names)


def _pick(pool: tuple[str, ...], u: np.ndarray) -> np.ndarray:
    if not pool:
        return np.full(len(u), None, dtype=object)
    return np.asarray(pool, dtype=object)[(u * len(pool)).astype(np.int64)]


def _skus(config: GeneratorConfig, core: ProductCore) -> pl.Series:
    """Category prefix + 6 base-34 characters from a bijection of the product's global ordinal: unique."""
    g = _launched_before(config, int(core.day[0])) + core.row if len(core.row) else core.row
    code = (g.astype(np.uint64) * np.uint64(1_000_003) + np.uint64(77_777)) % np.uint64(34**6)
    digits = np.empty((len(g), 6), dtype=np.uint8)
    for pos in range(5, -1, -1):
        digits[:, pos] = _BASE36[(code % np.uint64(34)).astype(np.int64)]
        code //= np.uint64(34)
    prefix = pl.Series(
        [taxonomy.LEAVES[i].key.rsplit("/", 1)[-1].replace("-", "")[:3].upper() for i in range(len(taxonomy.LEAVES))]
    ).gather(core.leaf)
    return (
        pl.select(pl.concat_str([pl.lit(prefix), pl.lit(ascii_matrix_to_series(digits, "code"))], separator="-"))
        .to_series()
        .alias("sku")
    )


@lru_cache(maxsize=1024)
def _launched_before(config: GeneratorConfig, ordinal: int) -> int:
    epoch = day_ordinal(config.epoch)
    if ordinal <= epoch:
        return 0
    return _launched_before(config, ordinal - 1) + products_on(config, ordinal - 1)


def products_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform

    seed = config.seed
    rows = chunk.rows(products_on(config, ordinal))
    day = np.full(len(rows), ordinal, dtype=np.int64)
    core = product_core(config, day, rows)
    leaves = taxonomy.LEAVES
    u = {c: rng.uniform(seed, P, c, day, rows) for c in ("brand", "adjective", "noun", "size", "color", "material")}
    cost_lo = np.array([lp.cost_ratio[0] for lp in leaves])[core.leaf]
    cost_hi = np.array([lp.cost_ratio[1] for lp in leaves])[core.leaf]
    ratio = cost_lo + (cost_hi - cost_lo) * rng.uniform(seed, P, "cost", day, rows)
    decimals = np.array([m.currency_decimals for m in config.markets])[core.market]
    unit = np.where(decimals == 2, 1, 100)
    cost = np.maximum(np.floor(core.price_minor * ratio / unit) * unit, unit).astype(np.int64)
    cost = np.minimum(cost, core.price_minor - unit)
    n = len(rows)
    brand = np.empty(n, dtype=object)
    adjective, noun = np.empty(n, dtype=object), np.empty(n, dtype=object)
    size, color, material = (np.full(n, None, dtype=object) for _ in range(3))
    for leaf_idx in np.unique(core.leaf):
        sel = core.leaf == leaf_idx
        lp = leaves[leaf_idx]
        brands = _brands(lp.brand_style)
        brand[sel] = brands.gather((u["brand"][sel] * len(brands)).astype(np.int64)).to_numpy()
        adjective[sel] = _pick(lp.adjectives, u["adjective"][sel])
        noun[sel] = _pick(lp.nouns, u["noun"][sel])
        size[sel] = _pick(lp.sizes, u["size"][sel])
        color[sel] = _pick(lp.colors, u["color"][sel])
        material[sel] = _pick(lp.materials, u["material"][sel])
    frame = pl.DataFrame(
        {
            "product_id": product_ids(config, core),
            "sku": _skus(config, core),
            "_brand": pl.Series(brand.tolist(), dtype=pl.String),
            "_adj": pl.Series(adjective.tolist(), dtype=pl.String),
            "_noun": pl.Series(noun.tolist(), dtype=pl.String),
            "_material": pl.Series(material.tolist(), dtype=pl.String),
            "category_id": category_ids(
                config, np.array([_CATEGORY_INDEX[leaves[i].key] for i in core.leaf], dtype=np.int64)
            ),
            "price": decimal_money(core.price_minor, "price"),
            "cost": decimal_money(cost, "cost"),
            "currency": np.array([m.currency for m in config.markets])[core.market] if n else [],
            "country": np.array([m.country for m in config.markets])[core.market] if n else [],
            "size": pl.Series(size.tolist(), dtype=pl.String),
            "color": pl.Series(color.tolist(), dtype=pl.String),
            "launched_at": timestamps(core.launched_us, "launched_at"),
            "is_active": core.is_active,
        }
    )
    name = pl.concat_str(
        [pl.col("_brand"), pl.col("_adj"), pl.col("_material"), pl.col("_noun")],
        separator=" ",
        ignore_nulls=True,
    )
    return conform(
        P,
        frame.with_columns(name.alias("name"), pl.col("_brand").alias("brand"), pl.col("_material").alias("material")),
    )


@dataclass(frozen=True, slots=True)
class MarketCatalog:
    """Active products of one storefront available on a day, with cumulative sampling weights per segment."""

    day: np.ndarray
    row: np.ndarray
    price_minor: np.ndarray
    launched_us: np.ndarray
    cum_weight: np.ndarray  # (segments, products): consumer, vip, business
    flash_sale: np.ndarray  # on the day's flash sale (black_friday_load_test scenario)


@lru_cache(maxsize=2048)
def _launch_cohort(config: GeneratorConfig, ordinal: int) -> ProductCore:
    n = products_on(config, ordinal)
    return product_core(config, np.full(n, ordinal, dtype=np.int64), np.arange(n, dtype=np.int64))


def season_lift(config: GeneratorConfig, ordinal: int) -> np.ndarray:
    """(markets, leaves) demand lift of each leaf's season this month, in each market's hemisphere."""
    month = ordinal_date(ordinal).month
    out = np.ones((len(config.markets), len(taxonomy.LEAVES)))
    for m_idx, m in enumerate(config.markets):
        # Summer and winter swap south of the equator; the holiday season stays in November and December.
        local = (month + 5) % 12 + 1 if m.southern_hemisphere else month
        for leaf_idx, lp in enumerate(taxonomy.LEAVES):
            season_month = month if lp.season == "holiday" else local
            if season_month in _SEASON_MONTHS.get(lp.season, ()):
                out[m_idx, leaf_idx] = _SEASON_LIFT[lp.season]
    return out


def is_flash_sale_day(config: GeneratorConfig, ordinal: int) -> bool:
    """Black Friday to Sunday in the black_friday_load_test scenario."""
    day = ordinal_date(ordinal)
    return config.calendar.scenario == "black_friday_load_test" and 0 <= (day - black_friday(day.year)).days < 3


@lru_cache(maxsize=64)
def catalog_on(config: GeneratorConfig, ordinal: int) -> tuple[MarketCatalog, ...]:
    """Per market, the active products launched before the day (opening catalog and earlier launches).

    A product's chance to be picked for a line is its popularity times its season's lift over its price to
    the power of the segment's price elasticity: cheap products sell more units, so revenue spreads over the
    catalog instead of following the most expensive items.
    """
    b = config.behaviour
    epoch = day_ordinal(config.epoch)
    cores = [_launch_cohort(config, d) for d in range(epoch, ordinal)] or []
    if ordinal == epoch:
        full = _launch_cohort(config, epoch)
        k = opening_products(config, epoch)
        cores = [ProductCore(*(getattr(full, f)[:k] for f in ProductCore.__slots__))]
    fields = {f: np.concatenate([getattr(c, f) for c in cores]) for f in ProductCore.__slots__}
    lift = season_lift(config, ordinal)[fields["market"], fields["leaf"]]
    usd = fields["price_minor"] / 100 / np.array([m.price_level for m in config.markets])[fields["market"]]
    flash = np.zeros(len(usd), dtype=bool)
    if is_flash_sale_day(config, ordinal):
        flash = rng.uniform(config.seed, P, "flash_sale", fields["day"], fields["row"]) < b.flash_sale_share
    base = fields["popularity"] * lift * np.where(flash, b.flash_sale_lift, 1.0)
    weights = np.stack([base * usd**-e for e in b.price_elasticity])
    out = []
    for m in range(len(config.markets)):
        sel = (fields["market"] == m) & fields["is_active"]
        out.append(
            MarketCatalog(
                day=fields["day"][sel],
                row=fields["row"][sel],
                price_minor=fields["price_minor"][sel],
                launched_us=fields["launched_us"][sel],
                cum_weight=np.cumsum(weights[:, sel], axis=1),
                flash_sale=flash[sel],
            )
        )
    return tuple(out)


__all__ = ["ProductCore", "catalog_on", "categories_frame", "product_core", "product_ids", "products_frame"]
