"""Shared datasets for the generator's rule tests: built once per session, in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from ecom_pipeline.generation import SCALES, GeneratorConfig, generate_day

EPOCH = dt.date(2026, 1, 1)


def generate_range(config: GeneratorConfig, start: dt.date, days: int) -> dict[str, pl.DataFrame]:
    """Every table of `days` days from `start`, concatenated, with the partition date as `_date`."""
    parts: dict[str, list[pl.DataFrame]] = {}
    for i in range(days):
        day = start + dt.timedelta(days=i)
        for table, frame in generate_day(config, day).items():
            parts.setdefault(table, []).append(frame.with_columns(pl.lit(day).alias("_date")))
    return {t: pl.concat(f) for t, f in parts.items()}


@pytest.fixture(scope="session")
def small_config() -> GeneratorConfig:
    return GeneratorConfig(seed=42, scale=SCALES["small"], epoch=EPOCH)


@pytest.fixture(scope="session")
def busy_config() -> GeneratorConfig:
    """Enough traffic per day for the statistics to be tight, still fast to generate."""
    profile = dataclasses.replace(
        SCALES["medium"], name="busy", opening_customers=4_000, signups_per_day=60, orders_per_day=400
    )
    return GeneratorConfig(seed=7, scale=profile, epoch=EPOCH)


@pytest.fixture(scope="session")
def small_month(small_config: GeneratorConfig) -> dict[str, pl.DataFrame]:
    return generate_range(small_config, EPOCH, 35)


@pytest.fixture(scope="session")
def busy_range(busy_config: GeneratorConfig) -> dict[str, pl.DataFrame]:
    return generate_range(busy_config, EPOCH, 45)
