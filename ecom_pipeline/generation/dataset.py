"""A dataset: a range of days under one configuration, and the identity recorded with its outputs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

import polars as pl

from ecom_pipeline import __version__
from ecom_pipeline.generation.anomalies import AnomalySpec
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.counts import WHOLE_DAY, Chunk
from ecom_pipeline.generation.daily import iter_day
from ecom_pipeline.generation.schemas import CONTRACT_VERSION

GENERATOR_VERSION = __version__


def dataset_identity(config: GeneratorConfig, *, pii: str | None = None, anomalies: str = "") -> dict[str, str]:
    """What makes two outputs comparable: same identity, same bytes for the same day and chunk.

    Bronze (what the generator produced) does not depend on the PII mode, so it is left out (None) there.
    """
    identity = {
        "seed": str(config.seed),
        "scale": config.scale.name,
        "epoch": config.epoch.isoformat(),
        "anomalies": anomalies,
        "weekday_profile": config.calendar.weekday_profile,
        "scenario": config.calendar.scenario,
        "generator_version": GENERATOR_VERSION,
        "contract_version": CONTRACT_VERSION,
        "config_hash": config.config_hash(),
    }
    if pii is not None:
        identity["pii"] = pii
    return identity


def dataset_metadata(config: GeneratorConfig, chunk: Chunk = WHOLE_DAY, *, anomalies: str = "") -> dict[str, str]:
    """Key-value metadata written into every Parquet file's footer."""
    meta = {f"ecom.{k}": v for k, v in dataset_identity(config, anomalies=anomalies).items()}
    meta["ecom.chunk"] = str(chunk.index)
    meta["ecom.chunks"] = str(chunk.count)
    meta["ecom.scale_profile"] = json.dumps(config.identity()["scale"], sort_keys=True)
    return meta


def generate_days(
    config: GeneratorConfig,
    days: Iterable[dt.date],
    chunk: Chunk = WHOLE_DAY,
    *,
    threads: int = 2,
    anomalies: AnomalySpec | None = None,
) -> Iterator[tuple[dt.date, Iterator[tuple[str, pl.DataFrame]]]]:
    """Days in the given order, each as a lazy stream of its tables (then `_anomalies` when injecting).

    Each day is independent of the others: caches only save work repeated across days.
    """
    for day in days:
        yield day, iter_day(config, day, chunk, threads=threads, anomalies=anomalies)
