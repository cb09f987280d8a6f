"""One day of the dataset: the public entry point of the generation library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

from ecom_pipeline.generation.anomalies import ANOMALIES_TABLE, AnomalySpec, inject, parse_anomalies
from ecom_pipeline.generation.calendar import day_ordinal
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.counts import WHOLE_DAY, Chunk
from ecom_pipeline.generation.entities.catalog import categories_frame, products_frame
from ecom_pipeline.generation.entities.customers import addresses_frame, customers_frame
from ecom_pipeline.generation.entities.lifecycle import payments_frame, shipments_frame, status_history_frame
from ecom_pipeline.generation.entities.orders import order_items_frame, orders_frame
from ecom_pipeline.generation.exceptions import GenerationError

EntityFrames = dict[str, pl.DataFrame]

_BUILDERS: dict[str, Callable[[GeneratorConfig, int, Chunk], pl.DataFrame]] = {
    "categories": categories_frame,
    "products": products_frame,
    # addresses before customers: the largest file is then written while customers generate
    "addresses": addresses_frame,
    "customers": customers_frame,
    "orders": orders_frame,
    "order_items": order_items_frame,
    "order_status_history": status_history_frame,
    "payments": payments_frame,
    "shipments": shipments_frame,
}


def generate_table(config: GeneratorConfig, table: str, day: dt.date, chunk: Chunk = WHOLE_DAY) -> pl.DataFrame:
    """One table of one day (or of one chunk of it)."""
    if day < config.epoch:
        raise GenerationError(f"date {day.isoformat()} is before the epoch {config.epoch.isoformat()}")
    try:
        builder = _BUILDERS[table]
    except KeyError:
        raise GenerationError(f"unknown table {table!r}") from None
    return builder(config, day_ordinal(day), chunk)


def iter_day(
    config: GeneratorConfig,
    day: dt.date,
    chunk: Chunk = WHOLE_DAY,
    *,
    threads: int = 1,
    anomalies: AnomalySpec | str | None = None,
) -> Iterator[tuple[str, pl.DataFrame]]:
    """The tables of a day one at a time, in contract order, so a writer can store one while others generate.

    With `threads` > 1 the tables are built concurrently (numpy and polars release the GIL for array work).
    Every builder is a pure function, so the output is the same at any thread count.

    Anomalies (a non-empty spec) apply to whole days: the day is generated whole, then corrupted, and the
    tables follow in contract order with the `_anomalies` labels last. They need a single chunk (a
    GenerationError otherwise, raised here, before anything is generated).
    """
    spec = parse_anomalies(anomalies) if isinstance(anomalies, str) else anomalies
    if not spec:
        return _iter_tables(config, day, chunk, threads=threads)
    if chunk.count > 1:
        raise GenerationError(
            f"anomalies ({spec}) apply to whole days: generate with a single chunk, not {chunk.count}"
        )
    return _iter_corrupted(config, day, spec, threads=threads)


def _iter_corrupted(
    config: GeneratorConfig, day: dt.date, spec: AnomalySpec, *, threads: int
) -> Iterator[tuple[str, pl.DataFrame]]:
    frames, labels = inject(dict(_iter_tables(config, day, threads=threads)), spec, seed=config.seed, day=day)
    yield from frames.items()
    yield ANOMALIES_TABLE, labels


def _iter_tables(
    config: GeneratorConfig, day: dt.date, chunk: Chunk = WHOLE_DAY, *, threads: int = 1
) -> Iterator[tuple[str, pl.DataFrame]]:
    if threads <= 1:
        for table in _BUILDERS:
            yield table, generate_table(config, table, day, chunk)
        return
    if day < config.epoch:
        raise GenerationError(f"date {day.isoformat()} is before the epoch {config.epoch.isoformat()}")
    ordinal = day_ordinal(day)
    _warm(config)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures, orders_ready = [], None
        for table in _BUILDERS:
            if table == _ORDERS_AFTER:
                # The day's orders, which five tables share, are built once, as a task of their own after the
                # addresses (whose file, the largest, is then written the soonest); those tables wait for it.
                orders_ready = pool.submit(_warm_orders, config, ordinal, chunk)
            # The per-customer tables are the big ones; their chunk halves concatenate to the whole, exactly.
            halves = subchunks(chunk, threads) if table in _SPLIT and _is_big(config, day, chunk) else [chunk]
            wait = orders_ready if table in _ORDER_TABLES else None
            futures.append((table, [pool.submit(_after, wait, generate_table, config, table, day, c) for c in halves]))
        for table, parts in futures:
            frames = [f.result() for f in parts]
            yield table, frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=False)


_SPLIT = frozenset({"customers", "addresses"})


def subchunks(chunk: Chunk, parts: int) -> list[Chunk]:
    """Chunk I of N is exactly chunks I*k .. I*k+k-1 of N*k: the same rows, in the same order."""
    return [Chunk(chunk.index * parts + i, chunk.count * parts) for i in range(parts)]


def _is_big(config: GeneratorConfig, day: dt.date, chunk: Chunk) -> bool:
    from ecom_pipeline.generation.counts import customers_on

    start, stop = chunk.bounds(customers_on(config, day_ordinal(day)))
    return stop - start >= 200_000


_ORDER_TABLES = frozenset({"orders", "order_items", "order_status_history", "payments", "shipments"})
_ORDERS_AFTER = "customers"  # the orders task is queued before this table's tasks (and after every earlier one)


def _warm(config: GeneratorConfig) -> None:
    """Build the value pools every customer and address draws from once, before the threads would each
    build them."""
    from ecom_pipeline.generation.entities import customers

    customers.shared_state(config)


def _warm_orders(config: GeneratorConfig, ordinal: int, chunk: Chunk) -> None:
    from ecom_pipeline.generation.entities import orders

    orders.order_block(config, ordinal, chunk)


def _after(ready: Future | None, build: Callable[..., pl.DataFrame], *args: object) -> pl.DataFrame:
    """`build(*args)` once `ready` (a task submitted earlier to the same pool, so started already) is done."""
    if ready is not None:
        ready.result()
    return build(*args)


def generate_day(
    config: GeneratorConfig, day: dt.date, chunk: Chunk = WHOLE_DAY, anomalies: AnomalySpec | str | None = None
) -> EntityFrames:
    """Every table of one day: a pure function of (config, day, chunk), in the contract's table order.

    With a non-empty anomaly spec (whole days only) the tables are corrupted and `_anomalies` labels them.
    """
    return dict(iter_day(config, day, chunk, anomalies=anomalies))
