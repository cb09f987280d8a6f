"""Land days of a dataset: bronze (generated or reused) -> silver -> the lake and the warehouse.

This composes the generation library and the storage layer; the CLI and the Dagster assets both call it.

With injected anomalies (`--anomalies`), bronze holds the corrupted rows and the `_anomalies` labels, and the
identity records the spec. Silver conforms only the contract's tables and still drops duplicate keys, so
`duplicate_orders` copies are in bronze, not in silver: check duplicates on bronze. The warehouse is refused
as a target then: raw's constraints would reject the corrupted rows at publish, half-way through a day.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from ecom_pipeline.generation import TABLES
from ecom_pipeline.generation.anomalies import ANOMALIES_TABLE, NO_ANOMALIES, AnomalySpec, parse_anomalies
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.daily import iter_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.settings import Settings
from ecom_pipeline.storage.conform import day_to_silver
from ecom_pipeline.storage.lake import Lake, LakeLayer, ManifestError, resolve_lake
from ecom_pipeline.storage.objectstore import LakeUnavailableError
from ecom_pipeline.storage.postgres import database_url
from ecom_pipeline.storage.warehouse import Warehouse, WarehouseError


@dataclass(frozen=True)
class Landed:
    """Rows of one table of one day written to one target."""

    table: str
    day: dt.date
    target: str  # bronze, silver, warehouse (staged/published)
    rows: int
    bytes: int
    seconds: float


@dataclass
class LandingPlan:
    """Everything resolved once, before any day is touched."""

    settings: Settings
    config: GeneratorConfig
    identity: dict[str, str]
    bronze_identity: dict[str, str]
    lake: Lake
    warehouse: Warehouse | None
    results: list[Landed] = field(default_factory=list)
    anomalies: AnomalySpec = NO_ANOMALIES


def plan(settings: Settings, environ: Mapping[str, str] | None = None) -> LandingPlan:
    """Resolve the lake and the warehouse and check both are reachable (one clear error otherwise).

    `environ` holds the locations (`ECOM_LAKE_*`, `ECOM_DATABASE_URL`, `AWS_*`); the process environment by default.
    """
    env = dict(os.environ if environ is None else environ)
    config = settings.generator_config()
    anomalies = parse_anomalies(settings.anomalies)
    if anomalies and "warehouse" in settings.targets:
        # Corrupted rows break raw's constraints at publish (NOT NULL, CHECK, foreign keys): refuse up front.
        raise WarehouseError(
            f"--anomalies={anomalies} are for the lake: raw's constraints refuse corrupted rows; "
            "land them with --to lake (ECOM_TO=lake)"
        )
    lake = resolve_lake(settings.home, env)
    if "lake" in settings.targets:
        lake.check()
    warehouse = None
    if "warehouse" in settings.targets:
        warehouse = Warehouse(database_url(settings.home, env))
        warehouse.migrate()
    return LandingPlan(
        settings=settings,
        config=config,
        identity=dataset_identity(config, pii=settings.pii, anomalies=str(anomalies)),
        bronze_identity=dataset_identity(config, anomalies=str(anomalies)),
        lake=lake,
        warehouse=warehouse,
        anomalies=anomalies,
    )


def _bronze(p: LandingPlan, day: dt.date, write: bool) -> tuple[dict[str, pl.DataFrame], bool]:
    """The day's bronze frames: read when every manifest carries this dataset's identity, else generated."""
    bronze = p.lake.bronze
    tables = (*TABLES, ANOMALIES_TABLE) if p.anomalies else TABLES
    try:
        manifests = [bronze.manifest(t, day) for t in tables]
    except LakeUnavailableError:  # an unreachable lake when only the warehouse is a target: generate instead
        manifests = [None]
    if all(m is not None and m.dataset == p.bronze_identity for m in manifests):
        try:
            return {t: bronze.read(t, day) for t in tables}, True
        except ManifestError:  # a rewrite that did not finish: generate the day again
            pass
    frames = dict(iter_day(p.config, day, threads=2, anomalies=p.anomalies))
    if write:
        for table, frame in frames.items():
            start = time.perf_counter()
            manifest = bronze.write_partition(table, day, frame, p.bronze_identity)
            p.results.append(Landed(table, day, "bronze", frame.height, manifest.bytes, time.perf_counter() - start))
    return frames, False


def _write_layer(p: LandingPlan, layer: LakeLayer, day: dt.date, frames: dict[str, pl.DataFrame]) -> None:
    for table, frame in frames.items():
        start = time.perf_counter()
        manifest = layer.write_partition(table, day, frame, p.identity)
        p.results.append(Landed(table, day, layer.name, frame.height, manifest.bytes, time.perf_counter() - start))


def check_lake_identity(p: LandingPlan) -> None:
    """Refuse to write silver days of another dataset into a lake that holds one (unless replacing)."""
    silver = p.lake.silver
    for key in silver.store.list("orders"):
        if key.endswith("/_manifest.json"):
            day = dt.date.fromisoformat(key.split("date=")[1].split("/")[0])
            manifest = silver.manifest("orders", day)
            if manifest is not None and manifest.dataset != p.identity:
                theirs = manifest.dataset
                raise WarehouseError(
                    f"the lake at {silver.url} holds another dataset (seed {theirs.get('seed')}, scale "
                    f"{theirs.get('scale')}, pii {theirs.get('pii')}, day {day}); "
                    "use --replace-dataset to clear it first"
                )


def clear_lake(p: LandingPlan) -> None:
    for name in ("bronze", "silver", "gold"):
        store = p.lake.layer(name).store
        for table in (*TABLES, ANOMALIES_TABLE):
            store.delete(store.list(table))


def bronze_step(p: LandingPlan, day: dt.date) -> dict[str, pl.DataFrame]:
    """Generate the day (or reuse bronze of the same dataset) and write it to the bronze layer."""
    frames, _ = _bronze(p, day, write=True)
    return frames


def silver_step(p: LandingPlan, day: dt.date, bronze: dict[str, pl.DataFrame] | None = None) -> dict[str, pl.DataFrame]:
    """Conform bronze (read from the lake unless given) and write the silver layer."""
    if bronze is None:
        bronze = {t: p.lake.bronze.read(t, day) for t in TABLES}
    contract_tables = {t: bronze[t] for t in TABLES}  # not the `_anomalies` labels
    silver = day_to_silver(day, contract_tables, pii=p.settings.pii, salt=str(p.settings.seed))
    _write_layer(p, p.lake.silver, day, silver)
    return silver


def stage_step(p: LandingPlan, day: dt.date, silver: dict[str, pl.DataFrame] | None = None) -> None:
    """Write: COPY the day's silver (read from the lake unless given) into raw_stage."""
    if p.warehouse is None:
        raise WarehouseError("staging needs the warehouse as a target")
    if silver is None:
        silver = {t: p.lake.silver.read(t, day) for t in TABLES}
    for load in p.warehouse.stage(day, silver, p.identity, p.config.epoch):
        p.results.append(Landed(load.table, day, "warehouse:staged", load.rows, load.bytes, load.seconds))


def publish_step(p: LandingPlan, day: dt.date) -> None:
    """Publish: swap the staged day into raw."""
    if p.warehouse is None:
        raise WarehouseError("--publish-only publishes staged days in the warehouse: add it to --to")
    for load in p.warehouse.publish(day, p.config.epoch):
        p.results.append(Landed(load.table, day, "warehouse:published", load.rows, 0, load.seconds))


def land(settings: Settings, days: Iterable[dt.date], on_day: Callable[[dt.date], None] | None = None) -> LandingPlan:
    """Land each day in order: bronze, silver, then stage and publish in the warehouse."""
    p = plan(settings)
    to_lake = "lake" in settings.targets
    if settings.replace_dataset:
        if p.warehouse:
            p.warehouse.replace_dataset()
        if to_lake:
            clear_lake(p)
    elif to_lake and not settings.publish_only:
        check_lake_identity(p)
    for day in days:
        if settings.publish_only:
            publish_step(p, day)
        else:
            if p.warehouse is not None:  # refuse before the lake is written for a day the warehouse refuses
                p.warehouse.preflight(day, p.identity, p.config.epoch, publishing=False)
            bronze, _reused = _bronze(p, day, write=to_lake)
            if to_lake:
                silver = silver_step(p, day, bronze)
            else:
                silver = day_to_silver(day, {t: bronze[t] for t in TABLES}, pii=settings.pii, salt=str(settings.seed))
            if p.warehouse is not None:
                step = p.warehouse.stage if settings.stage_only else p.warehouse.load
                target = "warehouse:staged" if settings.stage_only else "warehouse"
                for load in step(day, silver, p.identity, p.config.epoch):
                    p.results.append(Landed(load.table, day, target, load.rows, load.bytes, load.seconds))
        if on_day:
            on_day(day)
    return p
