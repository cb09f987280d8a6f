"""Land days of a dataset: bronze (generated or reused) -> silver -> the lake and the warehouse, gated.

This composes the generation library, the storage layer and the quality gates; the CLI and the Dagster
assets and checks both call it. Write, audit, publish, per day:

1. bronze is written to the lake (exactly what the generator produced, injected anomalies included), then the
   `bronze` gate validates it: a day that fails goes no further (no silver, nothing staged);
2. silver is written, and the day is staged in `raw_stage`;
3. the `staged` gate validates the staged day across tables and records its verdict in the ledger; a day
   that fails stays staged and unpublished, and `publish` refuses it until it is staged again and passes;
4. the day is published into `raw`.

After dbt, the `marts` gate validates the marts of a day; the gold export refuses a day whose latest marts
check did not pass. Data Docs are built locally, and copied to the gold layer when it is on S3.

With injected anomalies (`--anomalies`), bronze holds the corrupted rows and the `_anomalies` labels, and the
identity records the spec; the gates stop the day before it reaches silver (or, for `orphan_items`, which no
single-table rule can see, before it is published).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ecom_pipeline.errors import RefusedError
from ecom_pipeline.generation import TABLES
from ecom_pipeline.generation.anomalies import ANOMALIES_TABLE, NO_ANOMALIES, AnomalySpec, parse_anomalies
from ecom_pipeline.generation.config import MARKETS, GeneratorConfig
from ecom_pipeline.generation.daily import iter_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.quality.checkpoints import DATA_DOCS_DIR, GateResult
from ecom_pipeline.quality.sql_suites import MARTS, sql_rules
from ecom_pipeline.settings import Settings
from ecom_pipeline.storage.conform import check_contract, day_to_silver
from ecom_pipeline.storage.lake import (
    DATA_DOCS_PREFIX,
    LAYERS,
    Lake,
    LakeLayer,
    Manifest,
    ManifestError,
    resolve_lake,
)
from ecom_pipeline.storage.objectstore import LakeUnavailableError
from ecom_pipeline.storage.postgres import database_url, with_connection_options
from ecom_pipeline.storage.warehouse import Warehouse, WarehouseError, describe_failures

# The layers of the landing graph, in the order a day goes through them (Dagster's asset key prefixes).
LANDING_LAYERS = ("bronze", "silver", "raw_stage", "raw")
PREVIEW_ROWS = 5
_USD_PER_UNIT = {m.currency: 1 / m.price_level for m in MARKETS}  # price levels double as FX for reporting


@dataclass(frozen=True)
class Landed:
    """Rows of one table of one day written to one layer (bronze, silver, raw_stage or raw).

    `reused` marks a bronze day read back from the lake instead of generated; `preview` holds the day's first
    rows and `figures` the day's orders and revenue (orders only), for the Dagster UI.
    """

    table: str
    day: dt.date
    target: str
    rows: int
    bytes: int
    seconds: float
    reused: bool = False
    preview: pl.DataFrame | None = None
    figures: Mapping[str, float] | None = None
    manifest: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Verdict:
    """A gate's result for one day."""

    day: dt.date
    result: GateResult


def day_figures(orders: pl.DataFrame) -> dict[str, float]:
    """Numbers worth plotting across partitions: orders and revenue (in USD at the storefronts' price levels)."""
    if orders.is_empty():
        return {"orders": 0, "revenue_usd": 0.0}
    by_currency = orders.group_by("currency").agg(pl.col("total").cast(pl.Float64).sum())
    revenue = sum(total * _USD_PER_UNIT.get(cur, 1.0) for cur, total in by_currency.iter_rows())
    return {"orders": orders.height, "revenue_usd": round(revenue, 2)}


def _doc(manifest: Manifest) -> dict[str, Any]:
    return json.loads(manifest.to_json())


def _landed(table: str, day: dt.date, layer: str, frame: pl.DataFrame, size: int, seconds: float, **kw: Any) -> Landed:
    figures = day_figures(frame) if table == "orders" else None
    return Landed(
        table, day, layer, frame.height, size, seconds, preview=frame.head(PREVIEW_ROWS), figures=figures, **kw
    )


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
    verdicts: list[Verdict] = field(default_factory=list)  # the gates run by `land_days`, in order


class QualityGateError(RefusedError, RuntimeError):
    """A quality gate refused a day; the message names the checkpoint, the day and the failed rules."""

    def __init__(self, result: GateResult, day: dt.date, consequence: str) -> None:
        self.result = result
        self.day = day
        rules = describe_failures(result.summary()["failures"], limit=6)
        docs = f"; Data Docs: {result.data_docs_url}" if result.data_docs_url else ""
        super().__init__(f"the {result.checkpoint} gate failed for {day}: {rules}; {consequence}{docs}")


def plan(settings: Settings, environ: Mapping[str, str] | None = None) -> LandingPlan:
    """Resolve the lake and the warehouse and check both are reachable (one clear error otherwise).

    `environ` holds the locations (`ECOM_LAKE_*`, `ECOM_DATABASE_URL`, `AWS_*`); the process environment by default.
    """
    env = dict(os.environ if environ is None else environ)
    config = settings.generator_config()
    anomalies = parse_anomalies(settings.anomalies)
    url = database_url(settings.home, env) if "warehouse" in settings.targets else None  # validated first
    lake = resolve_lake(settings.home, env)
    if "lake" in settings.targets:
        lake.check()
    warehouse = None
    if url is not None:
        warehouse = Warehouse(url)
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


def _bronze(p: LandingPlan, day: dt.date, write: bool) -> dict[str, pl.DataFrame]:
    """The day's bronze frames: read when every manifest carries this dataset's identity, else generated.

    Reading verifies the identity in the manifests and each file's checksum, so another dataset's or a half
    rewritten bronze day is never used: the day is generated again instead.
    """
    bronze = p.lake.bronze
    tables = (*TABLES, ANOMALIES_TABLE) if p.anomalies else TABLES
    try:
        manifests = {t: bronze.manifest(t, day) for t in tables}
    except LakeUnavailableError:  # an unreachable lake when only the warehouse is a target: generate instead
        manifests = {}
    if manifests and all(m is not None and m.dataset == p.bronze_identity for m in manifests.values()):
        try:
            start = time.perf_counter()
            frames = {t: bronze.read(t, day) for t in tables}
        except ManifestError:  # a rewrite that did not finish: generate the day again
            pass
        else:
            for table in TABLES:  # a file that drifted from the contract is bad input, named as such (exit 2)
                check_contract(table, day, frames[table])
            seconds = (time.perf_counter() - start) / len(tables)
            for table, frame in frames.items():
                manifest = manifests[table]
                p.results.append(
                    _landed(table, day, "bronze", frame, manifest.bytes, seconds, reused=True, manifest=_doc(manifest))
                )
            return frames
    frames = dict(iter_day(p.config, day, threads=2, anomalies=p.anomalies))
    if write:
        _write_layer(p, bronze, day, frames, p.bronze_identity)
    return frames


def _write_layer(
    p: LandingPlan, layer: LakeLayer, day: dt.date, frames: dict[str, pl.DataFrame], identity: dict[str, str]
) -> None:
    """Every table of the day, then the day's commit: readers see the whole day or nothing of it."""
    layer.check_claim(identity)
    manifests = {}
    for table, frame in frames.items():
        start = time.perf_counter()
        manifests[table] = manifest = layer.write_table(table, day, frame, identity)
        seconds = time.perf_counter() - start
        p.results.append(_landed(table, day, layer.name, frame, manifest.bytes, seconds, manifest=_doc(manifest)))
    layer.commit_day(day, manifests)


def clear_lake(p: LandingPlan) -> None:
    for name in LAYERS:
        p.lake.layer(name).clear()


def layers_for(settings: Settings) -> frozenset[str]:
    """The landing layers `ecom load` writes for its targets and its --stage-only / --publish-only flags."""
    if settings.publish_only:
        return frozenset({"raw"})
    layers = set()
    if "lake" in settings.targets:
        layers |= {"bronze", "silver"}
    if "warehouse" in settings.targets:
        layers |= {"raw_stage"} if settings.stage_only else {"raw_stage", "raw"}
    return frozenset(layers)


def land_day(p: LandingPlan, day: dt.date, layers: frozenset[str]) -> None:
    """Land one day through the given layers, in order, gated: write, audit, publish.

    bronze (generated, or read back when the lake holds this dataset's day) -> the bronze gate -> COPY into
    raw_stage -> the staged gate (its verdict in the ledger) -> silver -> publish into raw. Silver gets a day only
    once its gates passed (with the lake alone, the bronze gate: the cross-table rules need the warehouse). A
    layer not in `layers` is computed in memory when a later layer needs it, never written; `{"raw"}` alone
    publishes an already staged day.
    Raises QualityGateError when a gate refuses the day, after recording what was written before it.
    """
    unknown = set(layers) - set(LANDING_LAYERS)
    if unknown or not layers:
        raise ValueError(f"unknown landing layers {sorted(unknown) or 'none'}; choose from {', '.join(LANDING_LAYERS)}")
    if layers == {"raw"}:
        publish_step(p, day)
        return
    to_warehouse = bool(layers & {"raw_stage", "raw"})
    if to_warehouse:  # refuse before the lake is written for a day the warehouse refuses
        _require_warehouse(p, "staging").preflight(day, p.identity, p.config.epoch, publishing=False)
    bronze = _bronze(p, day, write="bronze" in layers)
    verdict = gate_bronze(p, day, bronze)
    p.verdicts.append(Verdict(day, verdict))
    if not verdict.success:
        raise QualityGateError(verdict, day, "nothing of the day went past bronze")
    silver = day_to_silver(day, {t: bronze[t] for t in TABLES}, pii=p.settings.pii, salt=str(p.settings.seed))
    if to_warehouse:
        if "raw_stage" not in layers:
            raise WarehouseError(
                f"cannot publish {day} from the lake: stage it too (raw_stage) or publish it alone (raw)"
            )
        stage_step(p, day, silver)
        verdict = gate_staged(p, day)
        p.verdicts.append(Verdict(day, verdict))
        if not verdict.success:
            raise QualityGateError(verdict, day, "the day is staged, not published, and not in silver")
    if "silver" in layers:  # only a day its gates passed (both, when the warehouse is a target)
        _write_layer(p, p.lake.silver, day, silver, p.identity)
    if "raw" in layers:
        publish_step(p, day, silver)


def stage_step(p: LandingPlan, day: dt.date, silver: Mapping[str, pl.DataFrame]) -> None:
    """Write: COPY the day's silver frames into raw_stage."""
    warehouse = _require_warehouse(p, "staging")
    for load in warehouse.stage(day, silver, p.identity, p.config.epoch):
        p.results.append(Landed(load.table, day, "raw_stage", load.rows, load.bytes, load.seconds))


def publish_step(p: LandingPlan, day: dt.date, silver: Mapping[str, pl.DataFrame] | None = None) -> None:
    """Publish: swap the staged day into raw (its rows are the staged silver frames, when given)."""
    warehouse = _require_warehouse(p, "publishing (--publish-only)")
    for load in warehouse.publish(day, p.config.epoch):
        if silver is not None:
            p.results.append(_landed(load.table, day, "raw", silver[load.table], 0, load.seconds))
        else:
            p.results.append(Landed(load.table, day, "raw", load.rows, 0, load.seconds))


# --- the gates ------------------------------------------------------------------------------------

DATA_DOCS_LINK_EXPIRY_S = 7 * 24 * 3600  # the longest an S3 (SigV4) presigned link may last


def gate_bronze(p: LandingPlan, day: dt.date, frames: Mapping[str, pl.DataFrame] | None = None) -> GateResult:
    """Validate the day's bronze (the given frames, else read from the lake) with the `bronze` checkpoint."""
    from ecom_pipeline.quality.checkpoints import validate_bronze

    if frames is None:
        frames = {t: p.lake.bronze.read(t, day) for t in TABLES}
    since = time.time()
    result = validate_bronze(frames, day, p.config)
    return _with_published_docs(p, result, since)


def gate_staged(p: LandingPlan, day: dt.date) -> GateResult:
    """Validate the staged day with the `staged` checkpoint and record the verdict in the ledger."""
    from ecom_pipeline.quality.checkpoints import validate_staged

    warehouse = _require_warehouse(p, "the staged gate")
    version = warehouse.staged_version(day)
    since = time.time()
    result = validate_staged(with_connection_options(warehouse.url), day)  # GX's connections time out too
    record_verdict(warehouse, result, day, staged_version=version)
    return _with_published_docs(p, result, since)


def gate_marts(p: LandingPlan, day: dt.date) -> GateResult:
    """Validate the day's marts (after dbt) with the `marts` checkpoint and record the verdict."""
    from ecom_pipeline.quality.checkpoints import validate_marts

    warehouse = _require_warehouse(p, "the marts gate")
    warehouse.analyze("marts", sorted({rule.table for rule in sql_rules(MARTS)}))  # dbt has just rebuilt them
    since = time.time()
    result = validate_marts(with_connection_options(warehouse.url), day)
    record_verdict(warehouse, result, day)
    return _with_published_docs(p, result, since)


def require_marts_passed(p: LandingPlan, day: dt.date) -> None:
    """Refuse to export a day to gold unless its latest marts check passed."""
    warehouse = _require_warehouse(p, "the gold export")
    record = warehouse.latest_check("marts", day)
    if record is None:
        raise WarehouseError(f"cannot export {day} to gold: the marts checkpoint has not run for it")
    if not record.success:
        rules = describe_failures(record.failures, limit=5)
        raise WarehouseError(f"cannot export {day} to gold: its latest marts check failed ({rules})")


def _require_warehouse(p: LandingPlan, what: str) -> Warehouse:
    if p.warehouse is None:
        raise WarehouseError(f"{what} needs the warehouse as a target")
    return p.warehouse


def record_verdict(warehouse: Warehouse, result: GateResult, day: dt.date, **kwargs: object) -> None:
    """Keep a warehouse gate's verdict (and its failures, statistics and Data Docs page) in the ledger."""
    summary = result.summary()
    warehouse.record_check(
        result.checkpoint,
        day,
        success=result.success,
        run_name=result.run_name,
        failures=summary["failures"],
        statistics=summary["statistics"],
        data_docs_url=result.data_docs_url,
        **kwargs,
    )


def _with_published_docs(p: LandingPlan, result: GateResult, since: float) -> GateResult:
    url = publish_data_docs(p, result, since)
    return dataclasses.replace(result, published_docs_url=url) if url else result


def publish_data_docs(p: LandingPlan, result: GateResult, since: float) -> str | None:
    """Copy the Data Docs pages a gate run wrote (modified at or after `since`, a `time.time()`) to
    `<gold>/data_docs/` when the gold layer is on S3; the site's static assets are copied once.

    Returns an http link to the run's page in the bucket, presigned for DATA_DOCS_LINK_EXPIRY_S, or None (a local
    lake, or a run without the lake as a target, keeps the docs in the GX project only). A failed copy is a
    warning: the docs are a report, never a reason to stop a good day.
    """
    if result.data_docs_page is None or "lake" not in p.settings.targets or not p.lake.gold.url.startswith("s3://"):
        return None
    try:
        return _copy_data_docs(p, result.data_docs_page, since)
    except LakeUnavailableError as exc:
        logging.getLogger(__name__).warning("Data Docs stay local, not copied to the gold layer: %s", exc)
        return None


def _copy_data_docs(p: LandingPlan, page: str, since: float) -> str:
    root = DATA_DOCS_DIR
    store = p.lake.gold.store
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        key = f"{DATA_DOCS_PREFIX}/{relative}"
        if relative.startswith("static/"):
            if not store.exists(key):
                store.put(key, path.read_bytes())
        elif path.stat().st_mtime >= since:
            store.put(key, path.read_bytes())
    return store.presigned_url(f"{DATA_DOCS_PREFIX}/{page}", DATA_DOCS_LINK_EXPIRY_S)


def land(
    settings: Settings,
    days: Iterable[dt.date],
    on_day: Callable[[dt.date], None] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    layers: Iterable[str] | None = None,
    plan_: LandingPlan | None = None,
) -> LandingPlan:
    """Land each day in order through `layers` (default: what the settings' targets and flags ask for).

    The one landing path: `ecom load` and the Dagster landing assets both call it. Before anything is written,
    the warehouse's dataset is compared with the configured one and the lake is claimed for it (a conditional
    write, so of two loads of different datasets exactly one proceeds); `--replace-dataset` first clears both,
    derived tables and verdicts included. `environ` holds the locations, as for `plan`. Raises QualityGateError
    at the first day a gate refuses (the days before it are landed, and the plan's `results` and `verdicts`
    record them).
    """
    p = plan_ or plan(settings, environ)
    chosen = frozenset(layers) if layers is not None else layers_for(settings)
    if p.warehouse is not None:
        if settings.replace_dataset:
            p.warehouse.replace_dataset()
        else:
            p.warehouse.check_identity(p.identity)
    if "lake" in settings.targets:
        p.lake.claim(p.identity, replace=settings.replace_dataset)
    for day in days:
        land_day(p, day, chosen)
        if on_day:
            on_day(day)
    return p
