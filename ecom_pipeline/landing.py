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
from ecom_pipeline.quality.checkpoints import DATA_DOCS_DIR, GateResult
from ecom_pipeline.quality.sql_suites import MARTS, sql_rules
from ecom_pipeline.settings import Settings
from ecom_pipeline.storage.conform import check_contract, day_to_silver
from ecom_pipeline.storage.lake import Lake, LakeLayer, ManifestError, resolve_lake
from ecom_pipeline.storage.objectstore import LakeUnavailableError
from ecom_pipeline.storage.postgres import database_url
from ecom_pipeline.storage.warehouse import Warehouse, WarehouseError, describe_failures


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
    verdicts: list[GateResult] = field(default_factory=list)  # the gates run by `land`, in order


class QualityGateError(RuntimeError):
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


# --- the gates ------------------------------------------------------------------------------------

DATA_DOCS_PREFIX = "data_docs"  # under the gold layer
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
    result = validate_staged(warehouse.url, day)
    record_verdict(warehouse, result, day, staged_version=version)
    return _with_published_docs(p, result, since)


def gate_marts(p: LandingPlan, day: dt.date) -> GateResult:
    """Validate the day's marts (after dbt) with the `marts` checkpoint and record the verdict."""
    from ecom_pipeline.quality.checkpoints import validate_marts

    warehouse = _require_warehouse(p, "the marts gate")
    warehouse.analyze("marts", sorted({rule.table for rule in sql_rules(MARTS)}))  # dbt has just rebuilt them
    since = time.time()
    result = validate_marts(warehouse.url, day)
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
    lake, or a run without the lake as a target, keeps the docs in the GX project only).
    """
    if result.data_docs_page is None or "lake" not in p.settings.targets or not p.lake.gold.url.startswith("s3://"):
        return None
    page = result.data_docs_page
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
) -> LandingPlan:
    """Land each day in order: bronze, the bronze gate, silver, then stage, the staged gate and publish.

    `environ` holds the locations, as for `plan`. Raises QualityGateError at the first day a gate refuses (the
    days before it are landed).
    """
    p = plan(settings, environ)
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
            for table in TABLES:  # a file that drifted from the contract is bad input, named as such (exit 2)
                check_contract(table, day, bronze[table])
            verdict = gate_bronze(p, day, bronze)
            p.verdicts.append(verdict)
            if not verdict.success:
                raise QualityGateError(verdict, day, "nothing of the day went past bronze")
            if to_lake:
                silver = silver_step(p, day, bronze)
            else:
                silver = day_to_silver(day, {t: bronze[t] for t in TABLES}, pii=settings.pii, salt=str(settings.seed))
            if p.warehouse is not None:

                def audit(day: dt.date) -> None:
                    verdict = gate_staged(p, day)
                    p.verdicts.append(verdict)
                    if not verdict.success:
                        raise QualityGateError(verdict, day, "the day is staged, not published")

                if settings.stage_only:
                    loads = p.warehouse.stage(day, silver, p.identity, p.config.epoch)
                    audit(day)
                else:
                    loads = p.warehouse.load(day, silver, p.identity, p.config.epoch, audit=audit)
                target = "warehouse:staged" if settings.stage_only else "warehouse"
                for load in loads:
                    p.results.append(Landed(load.table, day, target, load.rows, load.bytes, load.seconds))
        if on_day:
            on_day(day)
    return p
