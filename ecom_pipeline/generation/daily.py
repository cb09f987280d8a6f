"""One day of the dataset: the public entry point of the generation library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import polars as pl

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


def iter_day(config: GeneratorConfig, day: dt.date, chunk: Chunk = WHOLE_DAY) -> Iterator[tuple[str, pl.DataFrame]]:
    """The tables of a day one at a time, so a writer can store one while the next is generated."""
    for table in _BUILDERS:
        yield table, generate_table(config, table, day, chunk)


def generate_day(config: GeneratorConfig, day: dt.date, chunk: Chunk = WHOLE_DAY) -> EntityFrames:
    """Every table of one day: a pure function of (config, day, chunk), in the contract's table order."""
    return dict(iter_day(config, day, chunk))
