"""How many rows each day holds, and which slice of them a chunk owns.

Daily counts are drawn from the day's own counter (no running state), so any day's size is known without
generating any other day. A chunk I of N owns the rows whose position within their day, as a fraction,
lies in [I/N, (I+1)/N): contiguous per day, and the same rule splits the replayed in-flight orders of
earlier days, so the chunks of a day concatenate to exactly the whole day at any N.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ecom_pipeline.generation import rng
from ecom_pipeline.generation.calendar import day_ordinal, demand, mean_demand
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.exceptions import GenerationError


@dataclass(frozen=True, slots=True)
class Chunk:
    """Chunk `index` of `count` equal slices of a day (dsdgen's -CHILD of -PARALLEL)."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise GenerationError(f"chunks {self.count} must be at least 1")
        if not 0 <= self.index < self.count:
            raise GenerationError(f"chunk {self.index} is outside 0..{self.count - 1}")

    def bounds(self, n: int) -> tuple[int, int]:
        """Rows [start, stop) of a day with n rows: start = ceil(n * I / N)."""
        return -(-n * self.index // self.count), -(-n * (self.index + 1) // self.count)

    def rows(self, n: int) -> np.ndarray:
        start, stop = self.bounds(n)
        return np.arange(start, stop, dtype=np.int64)


WHOLE_DAY = Chunk()


def _poisson_count(config: GeneratorConfig, what: str, ordinal: int, lam: float) -> int:
    u = rng.uniform(config.seed, "_counts", what, ordinal, 0)
    return int(rng.poisson_ppf(u, lam))


def _check_day(config: GeneratorConfig, ordinal: int) -> None:
    if ordinal < day_ordinal(config.epoch):
        raise GenerationError(f"day {ordinal} is before the epoch {config.epoch}")


@lru_cache(maxsize=4096)
def daily_signups(config: GeneratorConfig, ordinal: int) -> int:
    """Customers who sign up on the day itself (the epoch's opening population not included)."""
    _check_day(config, ordinal)
    lam = config.scale.signups_per_day * demand(ordinal, config) / mean_demand(config)
    return _poisson_count(config, "signups", ordinal, lam)


def opening_customers(config: GeneratorConfig, ordinal: int) -> int:
    return config.scale.opening_customers if ordinal == day_ordinal(config.epoch) else 0


def customers_on(config: GeneratorConfig, ordinal: int) -> int:
    """Rows of the customers partition: the opening population first, then the day's sign-ups."""
    return opening_customers(config, ordinal) + daily_signups(config, ordinal)


@lru_cache(maxsize=4096)
def daily_launches(config: GeneratorConfig, ordinal: int) -> int:
    _check_day(config, ordinal)
    return _poisson_count(config, "launches", ordinal, config.scale.launches_per_day)


def opening_products(config: GeneratorConfig, ordinal: int) -> int:
    return config.scale.opening_products if ordinal == day_ordinal(config.epoch) else 0


def products_on(config: GeneratorConfig, ordinal: int) -> int:
    return opening_products(config, ordinal) + daily_launches(config, ordinal)


@lru_cache(maxsize=4096)
def customers_before(config: GeneratorConfig, ordinal: int) -> int:
    """Customers who signed up before the day: the opening population and every earlier partition."""
    epoch = day_ordinal(config.epoch)
    if ordinal < epoch:
        return 0
    if ordinal == epoch:
        return config.scale.opening_customers
    # Iterative, so that a day years after the epoch does not recurse that deep.
    total = config.scale.opening_customers
    for d in range(epoch, ordinal):
        total += daily_signups(config, d)
    return total


@lru_cache(maxsize=4096)
def repeat_orders(config: GeneratorConfig, ordinal: int) -> int:
    """Orders by customers who signed up before the day (first orders of new customers come on top)."""
    _check_day(config, ordinal)
    if customers_before(config, ordinal) == 0:
        return 0
    b = config.behaviour
    base = max(config.scale.orders_per_day - b.first_order_share * config.scale.signups_per_day, 0.0)
    return _poisson_count(config, "orders", ordinal, base * demand(ordinal, config) / mean_demand(config))


@lru_cache(maxsize=4096)
def first_order_signups(config: GeneratorConfig, ordinal: int) -> np.ndarray:
    """Row indices (in the day's customers partition) of new customers who order on their sign-up day."""
    start = opening_customers(config, ordinal)
    rows = np.arange(start, start + daily_signups(config, ordinal), dtype=np.int64)
    u = rng.uniform(config.seed, "customers", "_first_order", ordinal, rows)
    return rows[u < config.behaviour.first_order_share]


def orders_on(config: GeneratorConfig, ordinal: int) -> int:
    return len(first_order_signups(config, ordinal)) + repeat_orders(config, ordinal)


def chunk_fraction_keys(rows: np.ndarray, n: int) -> np.ndarray:
    """Sort key placing a replayed row among other days' rows so that chunks stay contiguous."""
    return rows / n if n else rows.astype(np.float64)
