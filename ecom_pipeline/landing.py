"""Land days of a dataset: bronze (generated or reused) -> silver -> the lake and the warehouse, gated.

This composes the generation library, the storage layer and the quality gates; the CLI and the Dagster
assets and checks both call it. Write, audit, publish, for each day:

1. bronze is written to the lake (exactly what the generator produced, injected anomalies included), then the
   `bronze` gate validates it: a day that fails goes no further (no silver, nothing staged);
2. silver is written, and the day is staged in `raw_stage`;
3. the `staged` gate validates the staged day across tables and records its verdict in the ledger; a day
   that fails stays staged and unpublished, and `publish` refuses it until it is staged again and passes;
4. the day is published into `raw`.

Consecutive days go through these steps together, as one batch (up to BATCH_ROWS rows, or BATCH_DAYS days):
each day's bronze is written as it is generated, the bronze gate validates the batch's days together and gives
each day its verdict, the batch is staged with one COPY per table, the staged gate runs over the staged days at
once and records a verdict per day in the ledger, Data Docs are built once per batch for both gates, and the
days that passed are published in one transaction. The first day a gate refuses stops the load where day-by-day
landing would have stopped: the days before it are landed, nothing of it goes past the gate that refused it,
nothing of a later day passes a gate (no verdict, not staged: their staging is taken back, not in silver), and
the error names it. Only bronze, written before any gate, may hold days of the batch after the refused one.

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
from concurrent.futures import Future
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
from ecom_pipeline.quality.sql_suites import MARTS, STAGED, sql_rules
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
from ecom_pipeline.storage.objectstore import LakeUnavailableError, S3Store
from ecom_pipeline.storage.postgres import database_url, with_connection_options
from ecom_pipeline.storage.warehouse import CheckVerdict, StagedDays, Warehouse, WarehouseError, describe_failures

# The layers of the landing graph, in the order a day goes through them (Dagster's asset key prefixes).
LANDING_LAYERS = ("bronze", "silver", "raw_stage", "raw")
PREVIEW_ROWS = 5
# A batch of days landed together ends at the day that brings its rows (all tables, bronze) to BATCH_ROWS, or
# at BATCH_DAYS days: a range of small days is one batch, a large day a batch of its own.
BATCH_ROWS = 200_000
BATCH_DAYS = 92
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
    verdicts: list[Verdict] = field(default_factory=list)  # the gates' verdicts per day, by `land_days`, in order


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


@dataclass
class _BronzeDay:
    """A day's bronze frames, and how they were obtained: read back from the lake (`reused`, with what to record
    for them) or generated (to be written)."""

    day: dt.date
    frames: dict[str, pl.DataFrame]
    reused: list[Landed] | None = None

    @property
    def rows(self) -> int:
        return sum(frame.height for frame in self.frames.values())


def _read_or_generate(p: LandingPlan, day: dt.date) -> _BronzeDay:
    """The day's bronze frames: read when every manifest carries this dataset's identity, else generated.

    Reading verifies the identity in the manifests and each file's checksum, so another dataset's or a half
    rewritten bronze day is never used: the day is generated again instead. Nothing is written or recorded
    here (`_keep_bronze` does that).
    """
    bronze = p.lake.bronze
    tables = (*TABLES, ANOMALIES_TABLE) if p.anomalies else TABLES
    try:
        manifests = {t: bronze.manifest(t, day) for t in tables}
    except LakeUnavailableError:  # an unreachable lake when only the warehouse is a target: generate instead
        manifests = {}
    ready = {t: m for t, m in manifests.items() if m is not None and m.dataset == p.bronze_identity}
    if manifests and len(ready) == len(manifests):
        try:
            start = time.perf_counter()
            frames = {t: bronze.read(t, day) for t in tables}
        except ManifestError:  # a rewrite that did not finish: generate the day again
            pass
        else:
            for table in TABLES:  # a file that drifted from the contract is bad input, named as such (exit 2)
                check_contract(table, day, frames[table])
            seconds = (time.perf_counter() - start) / len(tables)
            reused = [
                _landed(t, day, "bronze", f, ready[t].bytes, seconds, reused=True, manifest=_doc(ready[t]))
                for t, f in frames.items()
            ]
            return _BronzeDay(day, frames, reused)
    return _BronzeDay(day, dict(iter_day(p.config, day, threads=2, anomalies=p.anomalies)))


def _keep_bronze(p: LandingPlan, got: _BronzeDay, write: bool) -> None:
    """Record a day read back from bronze, or write a generated one (when `write`)."""
    if got.reused is not None:
        p.results.extend(got.reused)
    elif write:
        _write_layer(p, p.lake.bronze, got.day, got.frames, p.bronze_identity)


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
    """Land one day through the given layers (see `land_days`)."""
    land_days(p, [day], layers)


def land_days(
    p: LandingPlan,
    days: Iterable[dt.date],
    layers: frozenset[str],
    on_day: Callable[[dt.date], None] | None = None,
) -> None:
    """Land days in order through the given layers, gated: write, audit, publish; consecutive days in batches.

    bronze (generated, or read back when the lake holds this dataset's day) -> the bronze gate -> COPY into
    raw_stage -> the staged gate (its verdicts in the ledger) -> silver -> publish into raw. Silver gets a day
    only once its gates passed (with the lake alone, the bronze gate: the cross-table rules need the warehouse).
    A layer not in `layers` is computed in memory when a later layer needs it, never written; `{"raw"}` alone
    publishes already staged days. Each batch of consecutive days (see BATCH_ROWS) goes through the steps
    together (`_land_batch`); `on_day` is called for each day once it is landed.
    Raises QualityGateError for the first day a gate refuses, after landing the days before it and recording
    what was written for it.
    """
    unknown = set(layers) - set(LANDING_LAYERS)
    if unknown or not layers:
        raise ValueError(f"unknown landing layers {sorted(unknown) or 'none'}; choose from {', '.join(LANDING_LAYERS)}")
    days = list(days)
    if layers == {"raw"}:
        for day in days:
            publish_step(p, day)
            if on_day:
                on_day(day)
        return
    to_warehouse = bool(layers & {"raw_stage", "raw"})
    if days and to_warehouse and "raw_stage" not in layers:
        raise WarehouseError(
            f"cannot publish {days[0]} from the lake: stage it too (raw_stage) or publish it alone (raw)"
        )
    batch: list[_BronzeDay] = []
    for day in days:
        if batch and (
            day != batch[-1].day + dt.timedelta(days=1)
            or sum(b.rows for b in batch) >= BATCH_ROWS
            or len(batch) >= BATCH_DAYS
        ):
            _land_batch(p, batch, layers, on_day)
            batch = []
        if not batch and to_warehouse:  # refuse before the lake is written for a day the warehouse refuses
            _require_warehouse(p, "staging").preflight(day, p.identity, p.config.epoch, publishing=False)
        try:
            got = _read_or_generate(p, day)
            _keep_bronze(p, got, write="bronze" in layers)  # bronze first: exactly what the generator produced
            batch.append(got)
        except Exception:
            if batch:  # the days before it land, as they would have one by one
                _land_batch(p, batch, layers, on_day)
            raise
    if batch:
        _land_batch(p, batch, layers, on_day)


def _land_batch(
    p: LandingPlan, batch: list[_BronzeDay], layers: frozenset[str], on_day: Callable[[dt.date], None] | None
) -> None:
    """Land consecutive days together, their bronze already written: the bronze gate over them, one staging of
    the days it passed, the staged gate over those, then silver written and the days published for the days
    before the first refused one.

    A refused day keeps what day-by-day landing would have left of it (when the staged gate refused it, its
    staged rows and failed verdict); a later day gets no verdict, and its staging is taken back. When the days
    are to be published, their partitions in `raw` are created meanwhile, on a connection of their own (work
    for the server while the gates run here).
    """
    from concurrent.futures import ThreadPoolExecutor

    if "raw" not in layers:
        _gate_batch(p, batch, layers, on_day, None)
        return
    warehouse = _require_warehouse(p, "publishing")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecom-partitions") as pool:
        partitions = pool.submit(warehouse.create_partitions, [b.day for b in batch])
        _gate_batch(p, batch, layers, on_day, partitions)


def _gate_batch(
    p: LandingPlan,
    batch: list[_BronzeDay],
    layers: frozenset[str],
    on_day: Callable[[dt.date], None] | None,
    partitions: Future[None] | None,
) -> None:
    from ecom_pipeline.quality.checkpoints import validate_bronze_days, validate_staged_days

    days = [b.day for b in batch]
    by_day = {b.day: b for b in batch}
    to_warehouse = bool(layers & {"raw_stage", "raw"})
    since = time.time()
    bronze = _verdicts("bronze", days, validate_bronze_days({b.day: b.frames for b in batch}, p.config))
    passed = [day for day, result in bronze if result.success]
    pii, salt = p.settings.pii, str(p.settings.seed)
    silver = {day: day_to_silver(day, {t: by_day[day].frames[t] for t in TABLES}, pii=pii, salt=salt) for day in passed}
    staged_results: list[tuple[dt.date, GateResult]] = []
    staged: StagedDays | None = None
    versions: dict[dt.date, dt.datetime] = {}
    if to_warehouse and passed:
        warehouse = _require_warehouse(p, "staging")
        staged = stage_step(p, {day: silver[day] for day in passed})
        versions = warehouse.staged_versions(passed)
        url = with_connection_options(warehouse.url)  # GX's connections time out too
        staged_results = _verdicts("staged", passed, validate_staged_days(url, passed))
    # One Data Docs build for both gates' runs, then the staged verdicts into the ledger (one transaction).
    bronze_verdicts, staged_verdicts = _with_data_docs(p, bronze, staged_results, since)
    if staged_verdicts:
        _require_warehouse(p, "the staged gate").record_checks(
            STAGED, [_check_verdict(v.result, v.day, staged_version=versions[v.day]) for v in staged_verdicts]
        )
    refused = next((v for v in (*staged_verdicts, *bronze_verdicts) if not v.result.success), None)
    if refused is not None:
        passed = [day for day in passed if day < refused.day]
    last = refused.day if refused is not None else days[-1]  # no later day goes any further
    if staged is not None:
        _require_warehouse(p, "staging").unstage_days([d for d in days if d > last and d in silver], staged.previous)
        p.results.extend(
            Landed(load.table, load.day, "raw_stage", load.rows, load.bytes, load.seconds)
            for load in staged.loads
            if load.day <= last
        )
    p.verdicts.extend(sorted((v for v in (*bronze_verdicts, *staged_verdicts) if v.day <= last), key=_in_order))
    if "silver" in layers:  # only days their gates passed (both, when the warehouse is a target)
        for day in passed:
            _write_layer(p, p.lake.silver, day, silver[day], p.identity)
    if "raw" in layers and passed:
        if partitions is not None:
            partitions.result()
        publish_days_step(p, passed, silver)
    if on_day:
        for day in passed:
            on_day(day)
    if refused is not None:
        consequence = (
            "the day is staged, not published, and not in silver"
            if refused.result.checkpoint != "bronze"
            else "nothing of the day went past bronze"
        )
        raise QualityGateError(refused.result, refused.day, consequence)


def _verdicts(gate: str, days: list[dt.date], results: list[GateResult]) -> list[tuple[dt.date, GateResult]]:
    """A gate's results over days, paired with their days: every day's, or those up to the first refused day."""
    if len(results) > len(days) or (len(results) < len(days) and (not results or results[-1].success)):
        raise RuntimeError(f"the {gate} gate gave {len(results)} verdicts for {len(days)} days")
    return list(zip(days, results, strict=False))


def _in_order(verdict: Verdict) -> tuple[dt.date, int]:
    """Verdicts as day-by-day landing gives them: by day, the bronze gate's before the staged gate's."""
    return verdict.day, verdict.result.checkpoint != "bronze"


def _with_data_docs(
    p: LandingPlan,
    bronze: list[tuple[dt.date, GateResult]],
    staged: list[tuple[dt.date, GateResult]],
    since: float,
) -> tuple[list[Verdict], list[Verdict]]:
    """Both gates' verdicts with their Data Docs pages: built in one go, copied to the gold layer when it is on
    S3 (one copy)."""
    from ecom_pipeline.quality.checkpoints import build_data_docs

    results = build_data_docs([r for _, r in (*bronze, *staged)])
    results = _with_published_docs_all(p, results, since)
    verdicts = [Verdict(day, result) for (day, _), result in zip((*bronze, *staged), results, strict=True)]
    return verdicts[: len(bronze)], verdicts[len(bronze) :]


def stage_step(p: LandingPlan, silver: Mapping[dt.date, Mapping[str, pl.DataFrame]]) -> StagedDays:
    """Write: COPY the days' silver frames into raw_stage (one COPY per table for all of them)."""
    warehouse = _require_warehouse(p, "staging")
    return warehouse.stage_days(silver, p.identity, p.config.epoch)


def publish_step(p: LandingPlan, day: dt.date, silver: Mapping[str, pl.DataFrame] | None = None) -> None:
    """Publish: swap the staged day into raw (its rows are the staged silver frames, when given)."""
    publish_days_step(p, [day], {day: silver} if silver is not None else None)


def publish_days_step(
    p: LandingPlan, days: list[dt.date], silver: Mapping[dt.date, Mapping[str, pl.DataFrame]] | None = None
) -> None:
    """Publish: swap the staged days into raw in one transaction (their rows are the staged silver frames, when
    given)."""
    warehouse = _require_warehouse(p, "publishing (--publish-only)")
    for load in warehouse.publish_days(days, p.config.epoch):
        if silver is not None:
            p.results.append(_landed(load.table, load.day, "raw", silver[load.day][load.table], 0, load.seconds))
        else:
            p.results.append(Landed(load.table, load.day, "raw", load.rows, 0, load.seconds))


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


def record_verdict(warehouse: Warehouse, result: GateResult, day: dt.date, **kwargs: Any) -> None:
    """Keep a warehouse gate's verdict (and its failures, statistics and Data Docs page) in the ledger."""
    warehouse.record_checks(result.checkpoint, [_check_verdict(result, day, **kwargs)])


def _check_verdict(result: GateResult, day: dt.date, staged_version: dt.datetime | None = None) -> CheckVerdict:
    summary = result.summary()
    return CheckVerdict(
        day=day,
        success=result.success,
        run_name=result.run_name,
        failures=summary["failures"],
        statistics=summary["statistics"],
        data_docs_url=result.data_docs_url,
        staged_version=staged_version,
    )


def _with_published_docs(p: LandingPlan, result: GateResult, since: float) -> GateResult:
    return _with_published_docs_all(p, [result], since)[0]


def _with_published_docs_all(p: LandingPlan, results: list[GateResult], since: float) -> list[GateResult]:
    """The results with the links to their pages copied to the gold layer (one copy for them all), when it is on
    S3 (see `publish_data_docs`)."""
    pages = [r.data_docs_page for r in results if r.data_docs_page is not None]
    if not pages or "lake" not in p.settings.targets or not p.lake.gold.url.startswith("s3://"):
        return results
    try:
        urls = _copy_data_docs(p, set(pages), since)
    except LakeUnavailableError as exc:
        logging.getLogger(__name__).warning("Data Docs stay local, not copied to the gold layer: %s", exc)
        return results
    return [
        dataclasses.replace(r, published_docs_url=urls[r.data_docs_page]) if r.data_docs_page in urls else r
        for r in results
    ]


def publish_data_docs(p: LandingPlan, result: GateResult, since: float) -> str | None:
    """Copy the Data Docs pages a gate run wrote (modified at or after `since`, a `time.time()`) to
    `<gold>/data_docs/` when the gold layer is on S3; the site's static assets are copied once.

    Returns an http link to the run's page in the bucket, presigned for DATA_DOCS_LINK_EXPIRY_S, or None (a local
    lake, or a run without the lake as a target, keeps the docs in the GX project only). A failed copy is a
    warning: the docs are a report, never a reason to stop a good day.
    """
    return _with_published_docs(p, result, since).published_docs_url


def _copy_data_docs(p: LandingPlan, pages: set[str], since: float) -> dict[str, str]:
    root = DATA_DOCS_DIR
    store = p.lake.gold.store
    if not isinstance(store, S3Store):  # only an S3 gold layer gets copies with links
        return {}
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
    return {page: store.presigned_url(f"{DATA_DOCS_PREFIX}/{page}", DATA_DOCS_LINK_EXPIRY_S) for page in pages}


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
    land_days(p, days, chosen, on_day)
    return p
