"""An order's life after it is placed: payments, shipment, status changes.

Each order's whole lifecycle is a pure function of the order, so partition D's `order_status_history`,
`payments` and `shipments` are rebuilt by replaying the orders of the preceding LIFECYCLE_DAYS days and
keeping the events timestamped on D: a change-data-capture view in which later events land in later
partitions, and no partition ever holds an event from its future.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import (
    US_PER_DAY,
    US_PER_HOUR,
    carrier_calendar,
    day_ordinal,
    market_offsets,
    ordinal_date,
)
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.counts import Chunk
from ecom_pipeline.generation.entities.orders import OrderBlock, order_block, order_ids
from ecom_pipeline.generation.enums import CARD_METHODS, DEFERRED_METHODS, OrderStatus, PaymentMethod, Table
from ecom_pipeline.generation.strings import (
    decimal_money,
    fill_templates,
    luhn_check_digit,
    timestamps,
    uuid7,
)

PAY = Table.PAYMENTS.value
CUST = Table.CUSTOMERS.value
SHIP = Table.SHIPMENTS.value
HIST = Table.ORDER_STATUS_HISTORY.value
# Upper bound on placed -> delivered, the replay window of every partition: 3 days to pay, 4 working days of
# handling, 10 of transit and 3 late at the peak, over Sundays and Carnival.
LIFECYCLE_DAYS = 26
MAX_PAYMENT_US = 3 * US_PER_DAY
_MINUTE = 60_000_000
NEVER = np.iinfo(np.int64).max

TRACKING_FORMATS = {
    "usps": "9400##################",
    "ups": "1Z******03########",
    "fedex": "############",
    "ontrac": "C##############",
    "royal_mail": "@@#########GB",
    "evri": "H##############",
    "dpd": "##############",
    "yodel": "JD################",
    "parcelforce": "@@#######",
    "dhl": "00340434############",
    "hermes": "H##############",
    "gls": "###########",
    "colissimo": "6A###########",
    "chronopost": "@@#########FR",
    "mondial_relay": "########",
    "correios": "@@#########BR",
    "jadlog": "##############",
    "loggi": "LGI############",
    "yamato": "############",
    "sagawa": "############",
    "japan_post": "@@#########JP",
}
# Issuer prefixes per brand (test-safe: the full number never leaves the generator).
CARD_PREFIXES = {
    "visa": ("4",),
    "mastercard": ("51", "52", "53", "54", "55", "2221", "2720"),
    "amex": ("34", "37"),
    "discover": ("6011", "65"),
    "jcb": ("3528", "3566", "3589"),
    "cartes_bancaires": ("4970", "5132"),
    "elo": ("636368", "504175", "438935"),
}
CARD_LENGTH = {"amex": 15}
FAILURE_REASONS = {
    "card": (
        ("insufficient_funds", 0.57),
        ("do_not_honor", 0.20),
        ("incorrect_cvc", 0.13),
        ("expired_card", 0.10),
    ),
    "deferred": (("payment_expired", 1.0),),
    "other": (("declined", 0.8), ("authentication_failed", 0.2)),
}


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Per order of a block: payment and fulfilment timestamps (NEVER when it does not happen)."""

    method: np.ndarray  # index into PaymentMethod members
    card_brand: np.ndarray  # index into the market's card brands, -1 without a card
    card_slot: np.ndarray  # which of the customer's two saved cards
    failed_us: np.ndarray
    paid_us: np.ndarray
    cancelled_us: np.ndarray
    shipped_us: np.ndarray
    delivered_us: np.ndarray
    carrier: np.ndarray  # index into the market's carriers
    promised_day: np.ndarray  # day ordinal of the promised delivery date


_METHODS = list(PaymentMethod)


def _draw_weighted(u: np.ndarray, market: np.ndarray, tables: list[tuple[tuple[object, float], ...]]) -> np.ndarray:
    out = np.zeros(len(u), dtype=np.int64)
    for m, table in enumerate(tables):
        sel = market == m
        if sel.any():
            out[sel] = rng.choice(u[sel], np.array([w for _, w in table]))
    return out


def _busday(day: np.ndarray, n: np.ndarray, calendar: np.busdaycalendar) -> np.ndarray:
    """Day ordinal n carrier working days after `day` (rolled forward to a working day first)."""
    d = np.asarray(day, dtype="datetime64[D]")
    return np.busday_offset(d, n, roll="forward", busdaycal=calendar).astype(np.int64)


@lru_cache(maxsize=64)
def lifecycle(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> Lifecycle:
    """The lifecycle of the orders of one chunk of one day."""
    seed, b = config.seed, config.behaviour
    block = order_block(config, ordinal, chunk)
    day, row = block.ordinal, block.row
    markets = config.markets
    market = block.market
    n = len(row)

    # Customers keep a saved payment method and card; most orders reuse them (the mix stays the market's).
    cust = block.customer
    saved = rng.uniform(seed, PAY, "use_saved_method", day, row) < b.saved_method_share
    u_method = np.where(
        saved,
        rng.uniform(seed, CUST, "payment_method", cust.day, cust.row),
        rng.uniform(seed, PAY, "method", day, row),
    )
    method_in_market = _draw_weighted(u_method, market, [m.payment_mix for m in markets])
    method_name = np.full(n, "", dtype=object)
    for m_idx, m in enumerate(markets):
        sel = market == m_idx
        method_name[sel] = np.array([str(k) for k, _ in m.payment_mix], dtype=object)[method_in_market[sel]]
    method = (
        np.array([_METHODS.index(PaymentMethod(x)) for x in method_name], dtype=np.int64)
        if n
        else np.empty(0, np.int64)
    )
    is_card = np.isin(method_name, [str(x) for x in CARD_METHODS])
    deferred = np.isin(method_name, [str(x) for x in DEFERRED_METHODS])
    card_slot = (rng.uniform(seed, PAY, "card_slot", day, row) >= b.saved_card_share).astype(np.int64)
    u_brand = np.where(
        card_slot == 0,
        rng.uniform(seed, CUST, "card_brand_0", cust.day, cust.row),
        rng.uniform(seed, CUST, "card_brand_1", cust.day, cust.row),
    )
    brand = np.where(is_card, _draw_weighted(u_brand, market, [m.card_brands for m in markets]), -1)

    failed = rng.uniform(seed, PAY, "declined", day, row) < np.where(is_card, b.card_decline_rate, b.other_decline_rate)
    abandon = failed & (rng.uniform(seed, PAY, "abandon", day, row) < b.abandon_after_decline)
    spontaneous = ~failed & (rng.uniform(seed, PAY, "cancel", day, row) < b.spontaneous_cancel_rate)

    def delay(column: str, median: float, sigma: float, low: float, high: float) -> np.ndarray:
        z = rng.normal(seed, PAY, column, day, row)
        return np.clip(median * np.exp(sigma * z), low, high).astype(np.int64)

    first_attempt = block.created_us + np.where(
        deferred,
        delay("pay_deferred", 6 * 60 * _MINUTE, 0.8, 20 * _MINUTE, 40 * 60 * _MINUTE),
        delay("pay_instant", 2 * _MINUTE, 1.0, _MINUTE // 12, 30 * _MINUTE),
    )
    retry = first_attempt + np.where(
        deferred,
        delay("retry_deferred", 3 * 60 * _MINUTE, 0.8, 10 * _MINUTE, 24 * 60 * _MINUTE),
        delay("retry_instant", 4 * _MINUTE, 1.0, _MINUTE // 2, 120 * _MINUTE),
    )
    cancel_wait = delay("cancel_wait", 40 * _MINUTE, 1.0, 5 * _MINUTE, 4 * 60 * _MINUTE)
    cancelled = np.where(
        abandon, first_attempt + cancel_wait, np.where(spontaneous, block.created_us + cancel_wait, NEVER)
    )
    paid = np.where(abandon | spontaneous, NEVER, np.where(failed, retry, first_attempt))
    failed_at = np.where(failed, first_attempt, NEVER)

    # Dispatch in warehouse hours (local 09-19) after 0-2 working days of handling (2-4 at the holiday peak);
    # carriers collect and deliver Monday to Saturday, never on the market's public holidays.
    timezones = tuple(m.timezone for m in markets)
    offset_us = market_offsets(timezones, market, np.full(n, day)) * US_PER_HOUR
    created_date = ordinal_date(day)
    peak = (created_date.month == 11 and created_date.day >= 20) or (
        created_date.month == 12 and created_date.day <= 24
    )
    lo, hi = b.peak_handling_days if peak else b.handling_days
    handling = lo + (rng.uniform(seed, SHIP, "handling", day, row) * (hi - lo + 1)).astype(np.int64)
    paid_local = np.where(paid == NEVER, 0, paid + offset_us)
    paid_local_day = paid_local // US_PER_DAY
    ship_tod = (9 * US_PER_HOUR + rng.uniform(seed, SHIP, "ship_time", day, row) * 10 * US_PER_HOUR).astype(np.int64)
    # A parcel leaves on a working day at its collection time; paid less than an hour of packing before that
    # time, it waits for the next one.
    ready_day = paid_local_day + (paid_local - paid_local_day * US_PER_DAY > ship_tod - US_PER_HOUR)

    carrier = _draw_weighted(rng.uniform(seed, SHIP, "carrier", day, row), market, [m.carriers for m in markets])
    transit_idx = _draw_weighted(
        rng.uniform(seed, SHIP, "transit", day, row), market, [m.transit_days for m in markets]
    )
    transit = np.zeros(n, dtype=np.int64)
    promised_days = np.zeros(n, dtype=np.int64)
    ship_local_day = np.zeros(n, dtype=np.int64)
    deliver_local_day = np.zeros(n, dtype=np.int64)
    promised_day = np.zeros(n, dtype=np.int64)
    if peak:
        late = rng.uniform(seed, SHIP, "late", day, row) < b.peak_late_share
        e_lo, e_hi = b.peak_extra_days
        extra = np.where(
            late, e_lo + (rng.uniform(seed, SHIP, "late_days", day, row) * (e_hi - e_lo + 1)).astype(np.int64), 0
        )
    else:
        extra = np.zeros(n, dtype=np.int64)
    for m_idx, m in enumerate(markets):
        sel = market == m_idx
        if not sel.any():
            continue
        transit[sel] = np.array([d for d, _ in m.transit_days])[transit_idx[sel]] + extra[sel]
        promised_days[sel] = m.promised_days
        cal = carrier_calendar(m.country, created_date.year - 1, created_date.year + 1)
        ship_local_day[sel] = _busday(ready_day[sel], handling[sel], cal)
        deliver_local_day[sel] = _busday(ship_local_day[sel], transit[sel], cal)
        promised_day[sel] = _busday(ship_local_day[sel], np.full(int(sel.sum()), m.promised_days), cal)
    shipped = ship_local_day * US_PER_DAY + ship_tod - offset_us
    deliver_tod = (9 * US_PER_HOUR + rng.uniform(seed, SHIP, "deliver_time", day, row) * 11 * US_PER_HOUR).astype(
        np.int64
    )
    delivered = deliver_local_day * US_PER_DAY + deliver_tod - offset_us
    never_ship = paid == NEVER
    return Lifecycle(
        method=method,
        card_brand=brand,
        card_slot=card_slot,
        failed_us=failed_at,
        paid_us=paid,
        cancelled_us=cancelled,
        shipped_us=np.where(never_ship, NEVER, shipped),
        delivered_us=np.where(never_ship, NEVER, delivered),
        carrier=carrier,
        promised_day=promised_day,
    )


def _replay(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> list[tuple[OrderBlock, Lifecycle]]:
    first = max(day_ordinal(config.epoch), ordinal - LIFECYCLE_DAYS)
    out = []
    for d in range(first, ordinal + 1):
        block = order_block(config, d, chunk)
        if len(block.row):
            out.append((block, lifecycle(config, d, chunk)))
    return out


def _on_day(ts: np.ndarray, ordinal: int) -> np.ndarray:
    return (ts != NEVER) & (ts // US_PER_DAY == ordinal)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical order of replayed rows: position within the source day (as a fraction), day, row, seq."""
    return frame.sort("_frac", "_day", "_row", "_seq").drop("_frac", "_day", "_row", "_seq")


def _keys(block: OrderBlock, pos: np.ndarray, seq: int | np.ndarray) -> dict[str, np.ndarray]:
    return {
        "_frac": block.row[pos] / block.n_day,
        "_day": np.full(len(pos), block.ordinal, dtype=np.int64),
        "_row": block.row[pos],
        "_seq": np.broadcast_to(np.asarray(seq, dtype=np.int64), pos.shape).copy(),
    }


def status_history_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform, empty

    parts = []
    for block, life in _replay(config, ordinal, chunk):
        events = (
            (OrderStatus.PLACED, block.created_us),
            (OrderStatus.PAID, life.paid_us),
            (OrderStatus.SHIPPED, life.shipped_us),
            (OrderStatus.DELIVERED, life.delivered_us),
            (OrderStatus.CANCELLED, life.cancelled_us),
        )
        for seq, (status, ts) in enumerate(events):
            pos = np.flatnonzero(_on_day(ts, ordinal))
            if len(pos):
                parts.append(
                    pl.DataFrame(
                        {
                            "order_id": order_ids(config, block, pos),
                            "status": pl.Series([status.value] * len(pos), dtype=pl.String),
                            "changed_at": timestamps(ts[pos], "changed_at"),
                            **_keys(block, pos, seq),
                        }
                    )
                )
    if not parts:
        return empty(HIST)
    return conform(HIST, _sorted(pl.concat(parts)))


def card_numbers(brands: list[str], brand_idx: np.ndarray, h1: np.ndarray, h2: np.ndarray) -> pl.Series:
    """Full, Luhn-valid card numbers with the brand's issuer prefix: only their BIN and last 4 are kept."""
    out = np.empty(len(brand_idx), dtype=object)
    for b_idx, brand in enumerate(brands):
        sel = np.flatnonzero(brand_idx == b_idx)
        if not len(sel):
            continue
        prefixes = CARD_PREFIXES[brand]
        length = CARD_LENGTH.get(brand, 16)
        pick = (h2[sel] % np.uint64(len(prefixes))).astype(np.int64)
        digits = np.zeros((len(sel), length - 1), dtype=np.int64)
        rand = h1[sel].copy()
        spare = h2[sel] >> np.uint64(8)
        for pos in range(length - 1):
            src = rand if pos < 18 else spare
            digits[:, pos] = (src % np.uint64(10)).astype(np.int64)
            src //= np.uint64(10)
        for p_idx, prefix in enumerate(prefixes):
            rows = pick == p_idx
            for k, ch in enumerate(prefix):
                digits[rows, k] = int(ch)
        check = luhn_check_digit(digits)
        full = np.concatenate([digits, check[:, None]], axis=1)
        out[sel] = _digits_to_str(full)
    return pl.Series("card_number", out.tolist(), dtype=pl.String)


def _digits_to_str(matrix: np.ndarray) -> np.ndarray:
    from ecom_pipeline.generation.strings import ascii_matrix_to_series

    return ascii_matrix_to_series((matrix + ord("0")).astype(np.uint8), "d").to_numpy()


def payments_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform, empty

    seed = config.seed
    markets = config.markets
    currency = np.array([m.currency for m in markets])
    parts = []
    for block, life in _replay(config, ordinal, chunk):
        for seq, (status, ts) in enumerate((("failed", life.failed_us), ("captured", life.paid_us))):
            pos = np.flatnonzero(_on_day(ts, ordinal))
            if not len(pos):
                continue
            d, r = block.ordinal, block.row[pos]
            key = r * 4 + seq
            mkt = block.market[pos]
            brand_names = np.full(len(pos), None, dtype=object)
            bins = np.full(len(pos), None, dtype=object)
            last4 = np.full(len(pos), None, dtype=object)
            has_card = life.card_brand[pos] >= 0
            for m_idx, m in enumerate(markets):
                sel = np.flatnonzero(has_card & (mkt == m_idx))
                if not len(sel):
                    continue
                names = [str(b) for b, _ in m.card_brands]
                # The card is the customer's own: its number derives from the customer and the card slot.
                cust_day, cust_row = block.customer.day[pos][sel], block.customer.row[pos][sel]
                slot = life.card_slot[pos][sel]
                pans = card_numbers(
                    names,
                    life.card_brand[pos][sel],
                    np.where(
                        slot == 0,
                        rng.bits(seed, CUST, "card_a_0", cust_day, cust_row),
                        rng.bits(seed, CUST, "card_a_1", cust_day, cust_row),
                    ),
                    np.where(
                        slot == 0,
                        rng.bits(seed, CUST, "card_b_0", cust_day, cust_row),
                        rng.bits(seed, CUST, "card_b_1", cust_day, cust_row),
                    ),
                )
                brand_names[sel] = np.array(names, dtype=object)[life.card_brand[pos][sel]]
                bins[sel] = pans.str.slice(0, 6).to_numpy()
                last4[sel] = pans.str.slice(-4).to_numpy()
            method_name = np.array([m.value for m in _METHODS], dtype=object)[life.method[pos]]
            reason = np.full(len(pos), None, dtype=object)
            if status == "failed":
                u = rng.uniform(seed, PAY, "failure_reason", d, r)
                kind = np.where(
                    np.isin(method_name, [str(x) for x in CARD_METHODS]),
                    "card",
                    np.where(np.isin(method_name, [str(x) for x in DEFERRED_METHODS]), "deferred", "other"),
                )
                for k, table in FAILURE_REASONS.items():
                    sel = kind == k
                    if sel.any():
                        reason[sel] = np.array([x for x, _ in table], dtype=object)[
                            rng.choice(u[sel], np.array([w for _, w in table]))
                        ]
            parts.append(
                pl.DataFrame(
                    {
                        "payment_id": uuid7(
                            ts[pos],
                            rng.bits(seed, PAY, "id_a", d, key),
                            rng.bits(seed, PAY, "id_b", d, key),
                            "payment_id",
                        ),
                        "order_id": order_ids(config, block, pos),
                        "attempt": pl.Series(
                            np.full(len(pos), 1) + (seq == 1) * (life.failed_us[pos] != NEVER), dtype=pl.Int16
                        ),
                        "method": pl.Series(method_name.tolist(), dtype=pl.String),
                        "card_brand": pl.Series(brand_names.tolist(), dtype=pl.String),
                        "card_bin": pl.Series(bins.tolist(), dtype=pl.String),
                        "card_last4": pl.Series(last4.tolist(), dtype=pl.String),
                        "amount": decimal_money(block.total[pos], "amount"),
                        "currency": currency[mkt],
                        "status": pl.Series([status] * len(pos), dtype=pl.String),
                        "failure_reason": pl.Series(reason.tolist(), dtype=pl.String),
                        "created_at": timestamps(ts[pos], "created_at"),
                        **_keys(block, pos, seq),
                    }
                )
            )
    if not parts:
        return empty(PAY)
    return conform(PAY, _sorted(pl.concat(parts)))


def shipments_frame(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> pl.DataFrame:
    from ecom_pipeline.generation.schemas import conform, empty

    seed = config.seed
    markets = config.markets
    parts = []
    for block, life in _replay(config, ordinal, chunk):
        pos = np.flatnonzero(_on_day(life.shipped_us, ordinal))
        if not len(pos):
            continue
        d, r = block.ordinal, block.row[pos]
        mkt = block.market[pos]
        carrier_names = np.full(len(pos), "", dtype=object)
        for m_idx, m in enumerate(markets):
            sel = mkt == m_idx
            carrier_names[sel] = np.array([c for c, _ in m.carriers], dtype=object)[life.carrier[pos][sel]]
        formats = sorted(set(carrier_names.tolist()))
        tracking = fill_templates(
            [TRACKING_FORMATS[c] for c in formats],
            np.searchsorted(np.array(formats, dtype=object), carrier_names),
            rng.random_bytes(seed, SHIP, "tracking", d, r, 24),
            "tracking_number",
        )
        parts.append(
            pl.DataFrame(
                {
                    "shipment_id": uuid7(
                        life.shipped_us[pos],
                        rng.bits(seed, SHIP, "id_a", d, r),
                        rng.bits(seed, SHIP, "id_b", d, r),
                        "shipment_id",
                    ),
                    "order_id": order_ids(config, block, pos),
                    "carrier": pl.Series(carrier_names.tolist(), dtype=pl.String),
                    "tracking_number": tracking,
                    "shipped_at": timestamps(life.shipped_us[pos], "shipped_at"),
                    "promised_delivery_date": pl.Series(life.promised_day[pos], dtype=pl.Int32).cast(pl.Date),
                    **_keys(block, pos, 0),
                }
            )
        )
    if not parts:
        return empty(SHIP)
    return conform(SHIP, _sorted(pl.concat(parts)))


__all__ = [
    "LIFECYCLE_DAYS",
    "Lifecycle",
    "card_numbers",
    "lifecycle",
    "payments_frame",
    "shipments_frame",
    "status_history_frame",
]
