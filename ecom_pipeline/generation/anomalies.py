"""Injected anomalies: corrupt a share of a day's rows on purpose, and label every corrupted row.

A spec such as `duplicate_orders=0.01,null_emails=0.01` gives, per class, the rate of rows of its table to
corrupt; a positive rate corrupts at least one row: n = max(1, round(rate * rows)), capped at the rows there
are (a table without rows on the day is left alone). The rows are picked by counter-based draws of their own
(table `_anomalies`, one column per class and table), so the picks are a pure function of (seed, class,
day) and no stream the generator uses is consumed: the clean rows of a corrupted day are the generator's.

Every corrupted row is labelled in the `_anomalies` side table (table, key, class), the key being the
row's primary key ('|'-joined for a composite key), so users can score their own checks against the truth.
Corruption never changes a column's type: the files still match the contract and land; it is for the
quality gates to catch them.

The picks are made on the clean day, each class independently of the others (one row may carry several
classes). In-place corruptions are applied first, in class order; the copies of `duplicate_orders` come
last, appended at the end of `orders`, so each is an exact copy of its original row as it finally is.
Anomalies apply to whole days: picking n of a day's rows needs the whole day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import day_ordinal
from ecom_pipeline.generation.exceptions import GenerationError
from ecom_pipeline.generation.schemas import CONTRACTS, MONEY
from ecom_pipeline.generation.strings import uuid7

ANOMALIES_TABLE = "_anomalies"
ANOMALY_CLASSES: tuple[str, ...] = (
    "duplicate_orders",
    "orphan_items",
    "negative_prices",
    "future_timestamps",
    "total_mismatch",
    "null_emails",
)
# Which tables each class corrupts, and the column it changes there.
TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "duplicate_orders": (("orders", "order_id"),),
    "orphan_items": (("order_items", "order_id"),),
    "negative_prices": (("order_items", "unit_price"), ("products", "price")),
    "future_timestamps": (("orders", "created_at"),),
    "total_mismatch": (("orders", "total"),),
    "null_emails": (("customers", "email"),),
}
LABEL_SCHEMA = pl.Schema({"table": pl.String, "key": pl.String, "class": pl.String})
FUTURE_SHIFT = dt.timedelta(days=2)  # from inside the partition day to after its end
TOTAL_OFFSET = Decimal("1.00")
_US_PER_DAY = 86_400_000_000
_UNIX_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class AnomalySpec:
    """Rates of rows to corrupt per anomaly class: only positive rates, in class order (hashable)."""

    rates: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for name, rate in self.rates:
            if name not in ANOMALY_CLASSES:
                raise GenerationError(f"unknown anomaly class {name!r}; choose from {', '.join(ANOMALY_CLASSES)}")
            if not 0 < rate <= 1:
                raise GenerationError(f"anomaly rate {name}={rate!r} must lie in (0, 1]")
        object.__setattr__(self, "rates", tuple(sorted(self.rates, key=lambda kv: ANOMALY_CLASSES.index(kv[0]))))

    def __bool__(self) -> bool:
        return bool(self.rates)

    def __str__(self) -> str:
        """Canonical text (sorted by name): what the dataset identity records; parses back to the same spec."""
        return ",".join(f"{name}={rate!r}" for name, rate in sorted(self.rates))

    def rate(self, name: str) -> float:
        return dict(self.rates).get(name, 0.0)


NO_ANOMALIES = AnomalySpec()


def parse_anomalies(text: str | None) -> AnomalySpec:
    """`class=rate,...` -> AnomalySpec; empty text is no anomalies and a rate of 0 is left out.

    Raises GenerationError naming the bad token: an unknown class, a token that is not `class=rate`, a class
    given twice, or a rate that is not a number in [0, 1].
    """
    rates: dict[str, float] = {}
    for raw in (text or "").split(","):
        token = raw.strip()
        if not token:
            continue
        name, sep, value = (part.strip() for part in token.partition("="))
        if not sep or not name or not value:
            raise GenerationError(f"anomaly {token!r} is not of the form class=rate, e.g. duplicate_orders=0.01")
        if name not in ANOMALY_CLASSES:
            raise GenerationError(
                f"unknown anomaly class {name!r} in {token!r}; choose from {', '.join(ANOMALY_CLASSES)}"
            )
        if name in rates:
            raise GenerationError(f"anomaly class {name!r} is given twice (at {token!r})")
        try:
            rate = float(value)
        except ValueError:
            raise GenerationError(f"anomaly rate in {token!r} is not a number") from None
        if not math.isfinite(rate) or not 0 <= rate <= 1:
            raise GenerationError(f"anomaly rate in {token!r} must lie between 0 and 1")
        rates[name] = rate
    return AnomalySpec(tuple((name, rate) for name, rate in rates.items() if rate > 0))


def corrupted_count(rate: float, rows: int) -> int:
    """Rows to corrupt in a table of `rows` rows: max(1, round(rate * rows)) for a positive rate, at most rows."""
    if rate <= 0 or rows <= 0:
        return 0
    return min(rows, max(1, round(rate * rows)))


def pick_rows(seed: int, name: str, table: str, day: dt.date, rows: int, n: int) -> np.ndarray:
    """n distinct row indices of a table of `rows` rows, ascending: those with the n smallest draws."""
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    draws = rng.bits(seed, ANOMALIES_TABLE, f"{name}/{table}", day_ordinal(day), np.arange(rows, dtype=np.int64))
    return np.sort(np.argsort(draws, kind="stable")[:n]).astype(np.int64)


def keys_of(table: str, frame: pl.DataFrame, rows: np.ndarray) -> list[str]:
    """The primary key of each given row as text, '|'-joined for a composite key."""
    key = list(CONTRACTS[table].primary_key)
    picked = frame[key][rows]
    expr = pl.concat_str([pl.col(c).cast(pl.String) for c in key], separator="|")
    return picked.select(expr.alias("key"))["key"].to_list()


def _mask(rows: int, picked: np.ndarray) -> pl.Series:
    mask = np.zeros(rows, dtype=bool)
    mask[picked] = True
    return pl.Series("mask", mask)


def _replace(frame: pl.DataFrame, column: str, picked: np.ndarray, value: pl.Expr | pl.Series) -> pl.DataFrame:
    """`column` set to `value` in the picked rows, left alone elsewhere, with its type unchanged."""
    dtype = frame.schema[column]
    new = pl.when(_mask(frame.height, picked)).then(value).otherwise(pl.col(column))
    return frame.with_columns(new.cast(dtype).alias(column))


def _orphan_ids(seed: int, day: dt.date, picked: np.ndarray, taken: set[str]) -> list[str]:
    """UUIDv7 ids timestamped within the day, as an order's would be, that match no order of the day."""
    ordinal = day_ordinal(day)
    midnight = (day - _UNIX_EPOCH).days * _US_PER_DAY
    for attempt in range(8):
        column = f"orphan_items/order_id#{attempt}"
        offset = rng.uniform(seed, ANOMALIES_TABLE, f"{column}.ts", ordinal, picked) * _US_PER_DAY
        ids = uuid7(
            midnight + offset.astype(np.int64),
            rng.bits(seed, ANOMALIES_TABLE, f"{column}.a", ordinal, picked),
            rng.bits(seed, ANOMALIES_TABLE, f"{column}.b", ordinal, picked),
            "order_id",
        ).to_list()
        if taken.isdisjoint(ids) and len(set(ids)) == len(ids):
            return ids
    raise GenerationError(f"could not draw orphan order ids for {day}")  # pragma: no cover (74 random bits)


def inject(
    frames: dict[str, pl.DataFrame], spec: AnomalySpec, *, seed: int, day: dt.date
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The day's frames with the spec's anomalies injected, and the `_anomalies` labels of what was corrupted.

    Frames of tables no class touches are returned as they are (the same objects); an empty spec changes
    nothing and labels nothing.
    """
    out = dict(frames)
    labels: list[tuple[str, str, str]] = []
    duplicates: np.ndarray | None = None
    for name, rate in spec.rates:
        for table, column in TARGETS[name]:
            frame = frames.get(table)
            if frame is None:
                continue
            picked = pick_rows(seed, name, table, day, frame.height, corrupted_count(rate, frame.height))
            if picked.size == 0:
                continue
            labels.extend((table, key, name) for key in keys_of(table, frame, picked))
            current = out[table]
            if name == "duplicate_orders":
                duplicates = picked  # appended last: exact copies of the rows as they finally are
            elif name == "orphan_items":
                taken = set(frame["order_id"].to_list())
                if "orders" in frames:
                    taken.update(frames["orders"]["order_id"].to_list())
                orphans = pl.Series(column, [None] * frame.height, dtype=pl.String)
                orphans.scatter(picked, _orphan_ids(seed, day, picked, taken))
                out[table] = _replace(current, column, picked, orphans)
            elif name == "negative_prices":
                out[table] = _replace(current, column, picked, -pl.col(column).abs())
            elif name == "future_timestamps":
                out[table] = _replace(current, column, picked, pl.col(column) + FUTURE_SHIFT)
            elif name == "total_mismatch":
                out[table] = _replace(current, column, picked, pl.col(column) + pl.lit(TOTAL_OFFSET, dtype=MONEY))
            elif name == "null_emails":
                out[table] = _replace(current, column, picked, pl.lit(None, dtype=pl.String))
    if duplicates is not None:
        orders = out["orders"]
        out["orders"] = pl.concat([orders, orders[duplicates]])
    return out, pl.DataFrame(labels, schema=LABEL_SCHEMA, orient="row")
