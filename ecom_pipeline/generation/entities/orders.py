"""Orders and their items: where `orders` and `order_items` columns are born.

An order is addressed by (day, row). Its customer, address, basket and money are computed from that
pair, the catalog as of its day and the customers who existed before it, so any day can be generated
alone. The first rows of a day are first orders of that day's new sign-ups; the rest are repeat orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import (
    US_PER_DAY,
    local_peak_times,
    market_offsets,
    ordinal_date,
    special_days,
)
from ecom_pipeline.generation.config import Behaviour, GeneratorConfig
from ecom_pipeline.generation.counts import Chunk, first_order_signups, orders_on
from ecom_pipeline.generation.entities.catalog import MarketCatalog, catalog_on
from ecom_pipeline.generation.entities.customers import (
    CustomerCore,
    address_ids,
    customer_core,
    customer_ids,
    eligible_customers,
    time_zones,
)
from ecom_pipeline.generation.enums import Table
from ecom_pipeline.generation.strings import decimal_money, timestamps, uuid7

ORD = Table.ORDERS.value
ITEM = Table.ORDER_ITEMS.value
MAX_LINES = 32  # row key of an item: order row * MAX_LINES + line
PROMO_THRESHOLD = 1.5  # special days at least this busy run site-wide promotions


@dataclass(frozen=True, slots=True)
class OrderBlock:
    """The orders of one chunk of one day, with their items, as arrays (money in minor units)."""

    ordinal: int
    n_day: int
    row: np.ndarray
    customer: CustomerCore
    address_slot: np.ndarray
    created_us: np.ndarray
    currency_unit: np.ndarray
    subtotal: np.ndarray
    discount: np.ndarray
    tax: np.ndarray
    shipping_fee: np.ndarray
    total: np.ndarray
    units: np.ndarray
    item_order: np.ndarray  # position of the item's order in this block
    item_line: np.ndarray
    item_product_day: np.ndarray
    item_product_row: np.ndarray
    item_product_launched_us: np.ndarray
    item_quantity: np.ndarray
    item_unit_price: np.ndarray
    item_discount: np.ndarray
    item_line_total: np.ndarray

    @property
    def market(self) -> np.ndarray:
        return self.customer.market


def _round_to(x: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Half-up rounding of minor units to the currency's smallest coin (1 cent, or 1 yen = 100)."""
    return (np.floor(x / unit + 0.5) * unit).astype(np.int64)


def _lognormal_delay(u: np.ndarray, median_us: float, sigma: float, low: float, high: float) -> np.ndarray:
    return np.clip(median_us * np.exp(sigma * rng.norm_ppf(u)), low, high).astype(np.int64)


def is_promo_day(config: GeneratorConfig, ordinal: int) -> bool:
    day = ordinal_date(ordinal)
    return special_days(day.year, config.calendar).get(day, 1.0) >= PROMO_THRESHOLD


@lru_cache(maxsize=64)
def order_block(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> OrderBlock:
    seed, b = config.seed, config.behaviour
    firsts = first_order_signups(config, ordinal)
    n_day = orders_on(config, ordinal)
    row = chunk.rows(n_day)
    n = len(row)
    day = np.full(n, ordinal, dtype=np.int64)
    is_first = row < len(firsts)

    # Who orders: the day's new customers first, then a propensity-weighted draw among earlier customers.
    cust_day = np.full(n, ordinal, dtype=np.int64)
    cust_row = np.zeros(n, dtype=np.int64)
    cust_row[is_first] = firsts[row[is_first]]
    repeat = ~is_first
    if repeat.any():
        elig = eligible_customers(config, ordinal)
        u = rng.uniform(seed, ORD, "customer", day[repeat], row[repeat])
        pick = np.minimum(np.searchsorted(elig.cum_weight, u * elig.cum_weight[-1], side="right"), len(elig.row) - 1)
        cust_day[repeat] = elig.day[pick]
        cust_row[repeat] = elig.row[pick]
    cust = customer_core(config, cust_day, cust_row)

    # When: minutes after sign-up for first orders, else the market's local-time daily rhythm.
    tod = local_peak_times(
        rng.uniform(seed, ORD, "hour", day, row),
        rng.uniform(seed, ORD, "within_hour", day, row),
        market_offsets(time_zones(config), cust.zone, day),
        config.calendar,
    )
    day_end = (ordinal + 1) * US_PER_DAY
    room = day_end - cust.signup_us
    delay = np.minimum(
        _lognormal_delay(rng.uniform_open(seed, ORD, "first_delay", day, row), 20 * 60e6, 1.0, 60e6, 6 * 3600e6),
        (room * 0.9).astype(np.int64),
    )
    created = np.where(is_first, cust.signup_us + np.maximum(delay, 1), ordinal * US_PER_DAY + tod)

    u_slot = rng.uniform(seed, ORD, "address", day, row)
    other = 1 + (rng.uniform(seed, ORD, "address_other", day, row) * np.maximum(cust.n_addresses - 1, 1)).astype(
        np.int64
    )
    slot = np.where((u_slot < b.default_address_share) | (cust.n_addresses == 1), 0, other)

    # Basket: Poisson(items_per_order) lines, at least one, each a different product of the storefront.
    n_lines = np.minimum(
        rng.poisson_ppf(rng.uniform(seed, ORD, "lines", day, row), b.items_per_order, minimum=1), MAX_LINES
    )
    item_order = np.repeat(np.arange(n), n_lines)
    item_line = np.arange(len(item_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    item_key = row[item_order] * MAX_LINES + item_line
    item_day = day[item_order]
    catalogs = catalog_on(config, ordinal)
    pick = _pick_products(
        config, catalogs, cust.market[item_order], cust.segment[item_order], item_order, item_day, item_key
    )
    p_day = np.empty(len(item_order), dtype=np.int64)
    p_row = np.empty(len(item_order), dtype=np.int64)
    p_price = np.empty(len(item_order), dtype=np.int64)
    p_launch = np.empty(len(item_order), dtype=np.int64)
    p_flash = np.zeros(len(item_order), dtype=bool)
    item_market = cust.market[item_order]
    for m, cat in enumerate(catalogs):
        sel = item_market == m
        if sel.any():
            k = pick[sel]
            p_day[sel], p_row[sel], p_price[sel], p_launch[sel] = (
                cat.day[k],
                cat.row[k],
                cat.price_minor[k],
                cat.launched_us[k],
            )
            p_flash[sel] = cat.flash_sale[k]
    qty = 1 + _quantities(b, cust.segment[item_order], rng.uniform(seed, ITEM, "quantity", item_day, item_key))
    # A product a tiny catalog still yields twice for one order becomes one line of the summed quantity;
    # lines are then numbered 1..k without gaps.
    lines = (
        pl.DataFrame(
            {
                "o": item_order,
                "line": item_line,
                "pd": p_day,
                "pr": p_row,
                "price": p_price,
                "launch": p_launch,
                "flash": p_flash,
                "qty": qty,
            }
        )
        .group_by("o", "pd", "pr", maintain_order=True)
        .agg(pl.col("line").min(), pl.col("price", "launch", "flash").first(), pl.col("qty").sum())
        .sort("o", "line")
        .with_columns((pl.int_range(pl.len()).over("o")).alias("line"))
    )
    item_order = lines["o"].to_numpy()
    item_line = lines["line"].to_numpy()
    item_key = row[item_order] * MAX_LINES + item_line
    item_day = day[item_order]
    qty = lines["qty"].to_numpy()
    price = lines["price"].to_numpy()
    flash = lines["flash"].to_numpy()

    markets = config.markets
    unit = np.array([10 ** (2 - m.currency_decimals) for m in markets])[cust.market]
    item_unit = unit[item_order]
    promo = is_promo_day(config, ordinal)
    share = b.promo_line_discount_share if promo else b.line_discount_share
    discounted = (rng.uniform(seed, ITEM, "discounted", item_day, item_key) < share) | flash
    rate = np.asarray(b.line_discount_rates)[
        (rng.uniform(seed, ITEM, "discount_rate", item_day, item_key) * len(b.line_discount_rates)).astype(np.int64)
    ]
    rate = np.where(flash, b.flash_sale_discount, rate)
    gross = qty * price
    line_discount = np.where(discounted, _round_to(gross * rate, item_unit), 0)
    line_total = gross - line_discount

    subtotal = np.bincount(item_order, weights=line_total, minlength=n).astype(np.int64)
    units = np.bincount(item_order, weights=qty, minlength=n).astype(np.int64)
    coupon = rng.uniform(seed, ORD, "coupon", day, row) < b.coupon_share
    discount = np.where(coupon, _round_to(subtotal * b.coupon_rate, unit), 0)
    net = subtotal - discount
    tax = _round_to(net * np.array([m.tax_rate for m in markets])[cust.market], unit)
    threshold = np.array([round(m.free_shipping_threshold * 100) for m in markets])[cust.market]
    fee = np.array([round(m.shipping_fee * 100) for m in markets])[cust.market]
    shipping = np.where(net >= threshold, 0, fee)
    return OrderBlock(
        ordinal=ordinal,
        n_day=n_day,
        row=row,
        customer=cust,
        address_slot=slot,
        created_us=created,
        currency_unit=unit,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        shipping_fee=shipping,
        total=net + tax + shipping,
        units=units,
        item_order=item_order,
        item_line=item_line,
        item_product_day=lines["pd"].to_numpy(),
        item_product_row=lines["pr"].to_numpy(),
        item_product_launched_us=lines["launch"].to_numpy(),
        item_quantity=qty,
        item_unit_price=price,
        item_discount=line_discount,
        item_line_total=line_total,
    )


def _quantities(b: Behaviour, segment: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Extra units beyond the first, by the segment's units-per-line weights."""
    out = np.zeros(len(u), dtype=np.int64)
    for s_idx, weights in enumerate(b.quantity_weights):
        sel = segment == s_idx
        if sel.any():
            out[sel] = rng.choice(u[sel], np.array(weights))
    return out


DRAW_ROUNDS = 6  # redraws of a product already in the order, before merging what remains


def _pick_products(
    config: GeneratorConfig,
    catalogs: tuple[MarketCatalog, ...],
    market: np.ndarray,
    segment: np.ndarray,
    item_order: np.ndarray,
    item_day: np.ndarray,
    item_key: np.ndarray,
) -> np.ndarray:
    """Index into the market's catalog of each line's product, redrawing repeats within an order.

    Each round redraws only the lines whose product an earlier line of the same order already holds, from a
    column of its own, so the lines of a basket are distinct products whatever the catalog's skew.
    """
    seed = config.seed
    pick = np.zeros(len(market), dtype=np.int64)
    todo = np.ones(len(market), dtype=bool)
    for rnd in range(DRAW_ROUNDS + 1):
        column = "product" if rnd == 0 else f"product_redraw_{rnd}"
        idx = np.flatnonzero(todo)
        u = rng.uniform(seed, ITEM, column, item_day[idx], item_key[idx])
        for m, cat in enumerate(catalogs):
            for s_idx in range(cat.cum_weight.shape[0]):
                sel = (market[idx] == m) & (segment[idx] == s_idx)
                if sel.any():
                    cum = cat.cum_weight[s_idx]
                    pick[idx[sel]] = np.minimum(np.searchsorted(cum, u[sel] * cum[-1], side="right"), len(cum) - 1)
        key = item_order * (1 << 32) + pick
        order = np.lexsort((np.arange(len(key)), key))
        repeat = np.zeros(len(key), dtype=bool)
        repeat[order[1:]] = key[order[1:]] == key[order[:-1]]
        todo = repeat
        if not todo.any():
            break
    return pick


def order_ids(config: GeneratorConfig, block: OrderBlock, positions: np.ndarray | None = None) -> pl.Series:
    """Ids of the block's orders (or of the orders at `positions` in the block)."""
    pos = np.arange(len(block.row)) if positions is None else positions
    rows = block.row[pos]
    return uuid7(
        block.created_us[pos],
        rng.bits(config.seed, ORD, "id_a", block.ordinal, rows),
        rng.bits(config.seed, ORD, "id_b", block.ordinal, rows),
        "order_id",
    )


def orders_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform

    block = order_block(config, ordinal, chunk)
    currency = np.array([m.currency for m in config.markets])
    return conform(
        ORD,
        pl.DataFrame(
            {
                "order_id": order_ids(config, block),
                "customer_id": customer_ids(config, block.customer),
                "shipping_address_id": address_ids(config, block.customer, block.address_slot, "shipping_address_id"),
                "created_at": timestamps(block.created_us, "created_at"),
                "currency": currency[block.market] if len(block.row) else [],
                "item_count": pl.Series(np.bincount(block.item_order, minlength=len(block.row)), dtype=pl.Int16),
                "units": pl.Series(block.units, dtype=pl.Int32),
                "subtotal": decimal_money(block.subtotal, "subtotal"),
                "discount": decimal_money(block.discount, "discount"),
                "tax": decimal_money(block.tax, "tax"),
                "shipping_fee": decimal_money(block.shipping_fee, "shipping_fee"),
                "total": decimal_money(block.total, "total"),
                "is_first_order": block.row < len(first_order_signups(config, ordinal)),
            }
        ),
    )


def order_items_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.entities.catalog import ProductCore, product_ids
    from ecom_pipeline.generation.schemas import conform

    block = order_block(config, ordinal, chunk)
    key = block.row[block.item_order] * MAX_LINES + block.item_line
    created = block.created_us[block.item_order]
    empty = np.empty(0)
    product = ProductCore(
        day=block.item_product_day,
        row=block.item_product_row,
        market=empty,
        leaf=empty,
        launched_us=block.item_product_launched_us,
        price_minor=empty,
        is_active=empty,
        popularity=empty,
    )
    return conform(
        ITEM,
        pl.DataFrame(
            {
                "order_item_id": uuid7(
                    created,
                    rng.bits(config.seed, ITEM, "id_a", ordinal, key),
                    rng.bits(config.seed, ITEM, "id_b", ordinal, key),
                    "order_item_id",
                ),
                "order_id": order_ids(config, block, block.item_order),
                "line_number": pl.Series(block.item_line + 1, dtype=pl.Int16),
                "product_id": product_ids(config, product),
                "quantity": pl.Series(block.item_quantity, dtype=pl.Int32),
                "unit_price": decimal_money(block.item_unit_price, "unit_price"),
                "discount": decimal_money(block.item_discount, "discount"),
                "line_total": decimal_money(block.item_line_total, "line_total"),
            }
        ),
    )


__all__ = ["MAX_LINES", "OrderBlock", "order_block", "order_ids", "order_items_frame", "orders_frame"]
