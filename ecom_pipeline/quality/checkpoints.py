"""The GX project in `great_expectations/` and the three gates that run it on one day's partition.

`write_project(context, database_url)` (re)writes, from code:

- `bronze`: the `bronze_<table>` suites, the pandas datasource `lake` with one dataframe asset `bronze_<table>`
  per table (batch definition `partition`: the whole in-memory day), one validation definition per table, and
  the checkpoint `bronze` that groups them;
- `staged` and `marts`: one suite each (`sql_suites`), the PostgreSQL datasource `warehouse` whose connection
  string is `${ECOM_GX_DATABASE_URL}` (given by the gates from the warehouse URL: no URL or secret is stored),
  its table asset `partitions` on the ledger `raw._ecom_partitions` with the batch definition `day` (one batch
  per day),
  a validation definition and a checkpoint each (the checkpoint builds Data Docs).

Re-running it keeps the ids of everything unchanged, so the folder only shows a diff when a rule changes.

Data Docs are written to `great_expectations/uncommitted/data_docs/local_site/`; a gate's result links its page
as an http URL under the docs server's base (`ECOM_DOCS_URL`, see `ecom_pipeline.docs_server`), which serves the
site: a browser refuses `file://` links from the Dagster UI's page.

`validate_bronze(frames, day, config)` runs the `bronze` checkpoint's validation definitions, each with its
own table's frame. A GX checkpoint hands the same `batch_parameters` to every validation definition it holds
("Batch parameters apply to every Validation Definition in the Checkpoint"), and a dataframe asset takes
exactly one key, `{"dataframe": df}`: `Checkpoint.run` cannot give nine tables nine frames. So the gate
iterates the checkpoint's validation definitions itself (`ValidationDefinition.run`, under one run id, with
the checkpoint's result format), then builds Data Docs once for the whole run. The checkpoint stays the
reviewable list of what bronze validates. `validate_staged(url, day)` and `validate_marts(url, day)` run their
checkpoints with the day's batch parameters.

No Dagster here, and Great Expectations (about 6-11 s to import) is imported only inside the functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ecom_pipeline.contract import TABLES
from ecom_pipeline.docs_server import configured_docs_url, data_docs_url
from ecom_pipeline.errors import GateUnavailableError
from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.quality.sql_suites import MARTS, STAGED, sql_rules
from ecom_pipeline.quality.suites import (
    LAYER,
    RULE,
    RowBounds,
    build_bronze_suite,
    build_suite,
    contract_dtype_errors,
    expectation_parameters,
    row_count_bounds,
    suite_name,
    to_validation_frame,
    to_validation_frame_of_days,
)

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import FileDataContext

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GX_DIR = PROJECT_ROOT / "great_expectations"
DATASOURCE = "lake"
BATCH_DEFINITION = "partition"
BRONZE_CHECKPOINT = LAYER
# BASIC: counts and a few unexpected values per failed rule; SUMMARY and COMPLETE cost more and say no more.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
SAMPLE_SIZE = 5
DATA_DOCS_SITE = "local_site"
DATA_DOCS_DIR = GX_DIR / "uncommitted" / "data_docs" / DATA_DOCS_SITE
# The Data Docs index reads every validation result it links; keep it to the latest runs so that it does not
# grow slower day after day (older pages stay on disk, unlinked).
DATA_DOCS_INDEX_RUNS = 5
WAREHOUSE_DATASOURCE = "warehouse"
LEDGER_ASSET = "partitions"
DAY_BATCH_DEFINITION = "day"
# Every day waiting in raw_stage at once: a query asset on the ledger, its whole-table batch and a validation
# definition of the `staged` suite on it (the staged rules over a range of days staged together).
STAGED_DAYS = "staged_days"
STAGED_DAYS_QUERY = "SELECT * FROM raw._ecom_partitions WHERE staged_at IS NOT NULL"
WHOLE_BATCH_DEFINITION = "all"
DATABASE_URL_VARIABLE = "ECOM_GX_DATABASE_URL"
WAREHOUSE_CHECKPOINTS = (STAGED, MARTS)
# The warehouse checkpoints report the breaking rows themselves (up to 200 per rule); samples keep the first few.
WAREHOUSE_RESULT_FORMAT = {"result_format": "COMPLETE"}
DATA_DOCS_VALIDATIONS_PER_RUN = len(TABLES) + len(WAREHOUSE_CHECKPOINTS)
GITIGNORE = "# Written by ecom_pipeline.quality.checkpoints: run output, not configuration.\nuncommitted/\ngx/\n"


# One GX run at a time per process: a context's stores and Data Docs are not safe to share between threads
# (Dagster runs in threads, e.g. parallel partitions in tests).
_GX_LOCK = threading.RLock()


def _serialized(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _GX_LOCK:
            return fn(*args, **kwargs)

    return wrapper


# How a dropped or unusable connection reads, whether raised to us or recorded by GX as an expectation's exception.
_LOST_CONNECTION = (
    "OperationalError",
    "InterfaceError",
    "server closed the connection",
    "terminating connection",
    "connection already closed",
    "could not connect",
    "SSL SYSCALL error",
)


def _lost_connection(message: str) -> bool:
    return any(marker in message for marker in _LOST_CONNECTION)


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed rule of one table."""

    table: str
    rule: str  # e.g. "orders.order_id_unique"
    expectation_type: str  # e.g. "expect_column_values_to_be_unique"
    unexpected_count: int | None  # rows breaking the rule (None for table-level rules)
    sample: list[Any]  # a few unexpected values, the observed value, or the error message


@dataclass(frozen=True, slots=True)
class GateResult:
    """What the gate found: `success` is False as soon as one rule of one table fails."""

    success: bool
    failures: list[Failure]
    statistics: dict[str, Any] = field(default_factory=dict)
    data_docs_url: str | None = None  # the page of the run on the docs server
    checkpoint: str = LAYER
    run_name: str = ""
    published_docs_url: str | None = None  # where the caller copied the page (e.g. the gold layer on S3)
    data_docs_page: str | None = None  # the page's path within the Data Docs site (DATA_DOCS_DIR)
    # The stored GX validation results behind the verdict (ValidationResultIdentifier), whose Data Docs pages
    # `build_data_docs` renders; shared by the days of one run over several days.
    validations: tuple[Any, ...] = ()

    def failures_of(self, table: str) -> list[Failure]:
        return [f for f in self.failures if f.table == table]

    @property
    def failed_rules(self) -> set[str]:
        return {f.rule for f in self.failures}

    def summary(self) -> dict[str, Any]:
        """JSON-ready, e.g. for asset-check metadata."""
        return {
            "checkpoint": self.checkpoint,
            "success": self.success,
            "failed_rules": sorted(self.failed_rules),
            "failures": [
                {"table": f.table, "rule": f.rule, "unexpected_count": f.unexpected_count, "sample": f.sample}
                for f in self.failures
            ],
            "statistics": self.statistics,
            "data_docs_url": self.data_docs_url,
            "published_docs_url": self.published_docs_url,
        }


def get_context(root: Path | None = None) -> FileDataContext:
    """The file-backed GX context in `root` (default `<repo>/great_expectations`), created on first use.

    Progress bars and usage statistics are off (written to `great_expectations.yml`); one context per folder
    is kept for the process, since loading one reads every store.
    """
    return _context(Path(root or GX_DIR).resolve())


@lru_cache(maxsize=8)
def _context(root: Path) -> FileDataContext:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # The runtime environment substitutes `${ECOM_GX_DATABASE_URL}` in the stored datasource; the gates fill it in
    # per call, so nothing is written to the process environment.
    context = gx.get_context(mode="file", context_root_dir=str(root), runtime_environment={})
    bars = context.variables.progress_bars  # a ProgressBarsConfig once set, a plain dict once reloaded
    flags = bars if isinstance(bars, dict) else vars(bars) if bars is not None else {}
    if (
        flags.get("globally") is not False
        or flags.get("metric_calculations") is not False
        or (context.variables.analytics_enabled is not False)
    ):
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.analytics_enabled = False
        context.variables.save()
    sites = {
        DATA_DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": f"{DATA_DOCS_DIR.relative_to(GX_DIR).as_posix()}/",
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "validation_results_limit": DATA_DOCS_INDEX_RUNS * DATA_DOCS_VALIDATIONS_PER_RUN,
            },
        }
    }
    if context.variables.data_docs_sites != sites:
        context.variables.data_docs_sites = sites
        context.variables.save()
    gitignore = root / ".gitignore"
    if not gitignore.exists() or gitignore.read_text() != GITIGNORE:
        gitignore.write_text(GITIGNORE)
    return context


def _docs_page(context: FileDataContext, sites: list[dict[str, Any]]) -> str | None:
    """The path within the context's Data Docs site of the page GX reports (as a `file://` URL)."""
    from urllib.parse import unquote, urlsplit

    if not sites or not sites[0].get("site_url"):
        return None
    site = Path(context.root_directory) / DATA_DOCS_DIR.relative_to(GX_DIR)
    path = Path(unquote(urlsplit(sites[0]["site_url"]).path))
    return path.relative_to(site).as_posix() if path.is_relative_to(site) else None


def _docs_links(page: str | None, docs_url: str | None) -> dict[str, Any]:
    """GateResult's link fields for a page: its URL under the docs server (`docs_url`, else ECOM_DOCS_URL)."""
    if page is None:
        return {"data_docs_url": None, "data_docs_page": None}
    return {"data_docs_url": data_docs_url(docs_url or configured_docs_url(), page), "data_docs_page": page}


def _dataframe_batch_definition(context: FileDataContext, asset_name: str) -> gx.core.batch_definition.BatchDefinition:
    """Get or create the `lake` datasource, its dataframe asset and the asset's whole-frame batch definition."""
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(asset_name)  # type: ignore[attr-defined]  # `lake` is a pandas source
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


@_serialized
def write_project(context: FileDataContext | None = None, database_url: str | None = None) -> gx.Checkpoint:
    """(Re)write the bronze suites, datasource, assets, batch and validation definitions and checkpoint, and
    with `database_url` (a migrated warehouse: GX tests the connection and the ledger table when adding
    them) the `staged` and `marts` ones too.

    Everything is get-or-create or add-or-update by name, so ids stay stable and a re-run on an up-to-date
    folder changes nothing. Bronze suites and validation definitions of tables that left the contract go.
    Returns the bronze checkpoint.
    """
    context = context or get_context()
    checkpoint = _write_bronze(context)
    if database_url is not None:
        for name in WAREHOUSE_CHECKPOINTS:
            _write_warehouse_checkpoint(context, name, database_url)
    return checkpoint


def _write_bronze(context: FileDataContext) -> gx.Checkpoint:
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    existing = {suite.name for suite in context.suites.all()}
    definitions = []
    for table in TABLES:
        suite = build_bronze_suite(table)
        if suite.name not in existing:  # created empty first: `add` would replace the expectations' ids
            context.suites.add(gx.ExpectationSuite(name=suite.name))
        suite = context.suites.add_or_update(suite)
        batch_definition = _dataframe_batch_definition(context, f"{LAYER}_{table}")
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite_name(table), data=batch_definition, suite=suite)
            )
        )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=BRONZE_CHECKPOINT,
            validation_definitions=definitions,
            actions=[],  # Data Docs are built once per run by validate_bronze (see the module docstring)
            result_format=RESULT_FORMAT,
        )
    )
    wanted = {suite_name(t) for t in TABLES}
    for definition in context.validation_definitions.all():
        if definition.name.startswith(f"{LAYER}_") and definition.name not in wanted:
            context.validation_definitions.delete(definition.name)
    for suite in context.suites.all():
        if suite.name.startswith(f"{LAYER}_") and suite.name not in wanted:
            context.suites.delete(suite.name)
    # The suites' pages in Data Docs (the runs' pages are built by each run).
    context.build_data_docs(resource_identifiers=[ExpectationSuiteIdentifier(name=name) for name in sorted(wanted)])
    return checkpoint


def to_sqlalchemy_url(url: str) -> str:
    """The warehouse URL as GX's SQLAlchemy engine takes it (psycopg2; the embedded server's socket form too)."""
    for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://')[0]}://...")


def _use_warehouse(context: FileDataContext, database_url: str) -> None:
    """Point the `warehouse` datasource at the database: its stored connection string names this config variable,
    which the context's runtime environment (not the process's) supplies."""
    context.runtime_environment[DATABASE_URL_VARIABLE] = to_sqlalchemy_url(database_url)


def _write_warehouse_checkpoint(context: FileDataContext, name: str, database_url: str) -> gx.Checkpoint:
    """The `staged` or `marts` suite, validation definition and checkpoint, on the ledger's batch of one day."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    _use_warehouse(context, database_url)
    connection = "${" + DATABASE_URL_VARIABLE + "}"
    try:
        datasource = context.data_sources.get(WAREHOUSE_DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_postgres(WAREHOUSE_DATASOURCE, connection_string=connection)
    try:
        asset = datasource.get_asset(LEDGER_ASSET)
    except LookupError:
        asset = datasource.add_table_asset(  # type: ignore[attr-defined]  # `warehouse` is a postgres source
            LEDGER_ASSET, table_name="_ecom_partitions", schema_name="raw"
        )
    try:
        batch_definition = asset.get_batch_definition(DAY_BATCH_DEFINITION)
    except KeyError:
        from great_expectations.core.partitioners import PartitionerColumnValue

        # One batch per value of `day` (`WHERE day = '<date>'`). The daily partitioner would validate the
        # column by reading a value from it (the ledger of a new warehouse is empty) and is stored in a form
        # that reloads as this one anyway.
        batch_definition = asset.add_batch_definition(
            DAY_BATCH_DEFINITION, partitioner=PartitionerColumnValue(column_name="day"), validate_partitioner=False
        )
    meta = {"layer": name, "batch": "one day of raw._ecom_partitions (the partition ledger)"}
    suite = build_suite(name, sql_rules(name), meta)
    if name not in {s.name for s in context.suites.all()}:
        context.suites.add(gx.ExpectationSuite(name=name))
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs", site_names=[DATA_DOCS_SITE])],
            result_format=WAREHOUSE_RESULT_FORMAT,
        )
    )
    if name == STAGED:
        _write_staged_days(context, datasource, suite)
    context.build_data_docs(resource_identifiers=[ExpectationSuiteIdentifier(name=name)])
    return checkpoint


def _write_staged_days(context: FileDataContext, datasource: Any, suite: gx.ExpectationSuite) -> Any:
    """The `staged_days` query asset (the ledger rows of every staged day), its whole-table batch definition and
    the validation definition of the `staged` suite on it."""
    import great_expectations as gx

    try:
        asset = datasource.get_asset(STAGED_DAYS)
    except LookupError:
        asset = datasource.add_query_asset(STAGED_DAYS, query=STAGED_DAYS_QUERY)
    try:
        batch_definition = asset.get_batch_definition(WHOLE_BATCH_DEFINITION)
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_table(WHOLE_BATCH_DEFINITION)
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=STAGED_DAYS, data=batch_definition, suite=suite)
    )


def _staged_days_definition(context: FileDataContext, database_url: str) -> Any:
    from great_expectations.exceptions import DataContextError

    try:
        return context.validation_definitions.get(STAGED_DAYS)
    except DataContextError:
        _write_warehouse_checkpoint(context, STAGED, database_url)
        return context.validation_definitions.get(STAGED_DAYS)


def _warehouse_checkpoint(context: FileDataContext, name: str, database_url: str) -> gx.Checkpoint:
    from great_expectations.exceptions import DataContextError

    try:
        return context.checkpoints.get(name)
    except DataContextError:
        return _write_warehouse_checkpoint(context, name, database_url)


def validate_staged(database_url: str, day: dt.date, **kwargs: Any) -> GateResult:
    """Run the `staged` checkpoint on a staged day: cross-table rules against raw_stage and raw (see sql_suites).

    The caller makes sure the day is staged (an unstaged day has no batch: the gate fails, naming it).
    """
    return validate_warehouse(STAGED, database_url, day, **kwargs)


def validate_marts(database_url: str, day: dt.date, **kwargs: Any) -> GateResult:
    """Run the `marts` checkpoint on a published day after dbt: the marts reconcile with the facts."""
    return validate_warehouse(MARTS, database_url, day, **kwargs)


@_serialized
def validate_warehouse(
    name: str,
    database_url: str,
    day: dt.date,
    *,
    context: FileDataContext | None = None,
    build_docs: bool = True,
    docs_url: str | None = None,
) -> GateResult:
    """Run a warehouse checkpoint (`staged` or `marts`) on one day; Data Docs are built unless `build_docs` is
    False (then the validation definition runs alone, without the checkpoint's actions, and `build_data_docs`
    can render its page later). The result links the run's page under `docs_url` (default: ECOM_DOCS_URL)."""
    from great_expectations.core.run_identifier import RunIdentifier

    if name not in WAREHOUSE_CHECKPOINTS:
        raise ValueError(f"not a warehouse checkpoint: {name!r}")
    started = time.perf_counter()
    context = context or get_context()
    _use_warehouse(context, database_url)
    checkpoint = _warehouse_checkpoint(context, name, database_url)
    run_id = RunIdentifier(run_name=f"{name} {day.isoformat()}", run_time=dt.datetime.now(dt.UTC))
    batch = {"day": day.isoformat()}
    page = None
    try:
        if build_docs:
            prune_validation_results(context)
            outcome = checkpoint.run(batch_parameters=batch, run_id=run_id)
            (key, result), *_ = outcome.run_results.items()
            page = _docs_page(
                context, context.get_docs_sites_urls(resource_identifier=key, site_names=[DATA_DOCS_SITE])
            )
        else:
            (definition,) = checkpoint.validation_definitions
            result = definition.run(
                checkpoint_id=checkpoint.id,
                batch_parameters=batch,
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
    except Exception as exc:  # the database went away, or no batch for the day: the ledger does not hold it
        if _lost_connection(f"{type(exc).__name__} {exc}"):
            raise _unavailable(name, day, str(exc)) from None
        if type(exc).__name__ not in ("NoAvailableBatchesError", "BuildBatchRequestError"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        failures = [Failure(name, f"{name}.partition_present", "partition_present", None, [message])]
        statistics = {"partition": day.isoformat(), "run_name": run_id.run_name, "evaluated_expectations": 0}
        return GateResult(False, failures, statistics, None, checkpoint=name, run_name=run_id.run_name)
    return _warehouse_result(name, result, run_id, day.isoformat(), started, page, docs_url, day)


def _warehouse_result(
    name: str,
    result: ExpectationSuiteValidationResult,
    run_id: Any,
    partition: str,
    started: float,
    page: str | None,
    docs_url: str | None,
    day: dt.date | None,
) -> GateResult:
    """A warehouse checkpoint's validation result as a GateResult (a lost connection raised, never a failure)."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    lost = [m for r in result.results if (m := _exception_message(r.exception_info)) and _lost_connection(m)]
    if lost:
        raise _unavailable(name, day or partition, lost[0])
    failures = _failures(name, result)
    stats = result.statistics
    statistics = {
        "partition": partition,
        "run_name": run_id.run_name,
        "evaluated_expectations": stats["evaluated_expectations"],
        "unsuccessful_expectations": stats["unsuccessful_expectations"],
        "unexpected_rows": sum(f.unexpected_count or 0 for f in failures),
        "seconds": {"total": round(time.perf_counter() - started, 4)},
    }
    suite = result.suite_name or name
    identifier = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite), run_id, result.batch_id)
    return GateResult(
        success=not failures,
        failures=failures,
        statistics=statistics,
        checkpoint=name,
        run_name=run_id.run_name,
        validations=(identifier,),
        **_docs_links(page, docs_url),
    )


@_serialized
def validate_staged_days(
    database_url: str, days: Iterable[dt.date], *, context: FileDataContext | None = None
) -> list[GateResult]:
    """The `staged` verdict of each of consecutive staged days, in order, up to the first day that fails (included).

    One run of the `staged` suite over every day waiting in raw_stage (`staged_days`) decides a range that
    passes: each rule reads a day's rows against what that day may see, so a range passes exactly when each of
    its days does (a day staged before, outside the range, can only fail it, never pass it). Each day gets a
    verdict of its own that names that run. When the run fails, the days are checked one by one with the
    checkpoint's day batch until the first that fails. No Data Docs are built (`build_data_docs` renders them).
    """
    from great_expectations.core.run_identifier import RunIdentifier

    days = sorted(days)
    if not days:
        return []
    context = context or get_context()
    if len(days) == 1:
        return [validate_warehouse(STAGED, database_url, days[0], context=context, build_docs=False)]
    started = time.perf_counter()
    _use_warehouse(context, database_url)
    checkpoint = _warehouse_checkpoint(context, STAGED, database_url)
    definition = _staged_days_definition(context, database_url)
    label = f"{days[0].isoformat()}..{days[-1].isoformat()}"
    run_id = RunIdentifier(run_name=f"{STAGED} {label}", run_time=dt.datetime.now(dt.UTC))
    try:
        result = definition.run(checkpoint_id=checkpoint.id, result_format=checkpoint.result_format, run_id=run_id)
    except Exception as exc:
        if _lost_connection(f"{type(exc).__name__} {exc}"):
            raise _unavailable(STAGED, label, str(exc)) from None
        raise
    whole = _warehouse_result(STAGED, result, run_id, label, started, None, None, None)
    if whole.success:
        return [_day_of_run(day, whole, len(days)) for day in days]
    verdicts = []
    for day in days:
        verdicts.append(validate_warehouse(STAGED, database_url, day, context=context, build_docs=False))
        if not verdicts[-1].success:
            break
    return verdicts


def _day_of_run(day: dt.date, run: GateResult, days: int, tables: dict[str, Any] | None = None) -> GateResult:
    """A passed day's own verdict from a passed run over `days` days: the run's name, pages and counts, the
    day's share of its time."""
    seconds = run.statistics.get("seconds", {}).get("total", 0.0)
    statistics: dict[str, Any] = {
        "partition": day.isoformat(),
        "run_name": run.run_name,
        "batch": run.statistics.get("partition"),
        "batch_days": days,
        "evaluated_expectations": run.statistics.get("evaluated_expectations", 0),
        "unsuccessful_expectations": 0,
    }
    if run.checkpoint != LAYER:
        statistics["unexpected_rows"] = 0
    if tables is not None:
        statistics["tables"] = tables
    statistics["seconds"] = {"total": round(seconds / days, 4), "batch_total": seconds}
    return dataclasses.replace(run, success=True, failures=[], statistics=statistics)


# Validation results kept in the GX project's store: the Data Docs index lists (and each build reads) every
# stored result, so without a bound a build's cost would grow with every run ever made. Pages already rendered
# stay on disk, so the ledger's links to older runs keep working.
VALIDATION_RESULTS_KEPT = 300


def prune_validation_results(context: FileDataContext, keep: int | None = None) -> int:
    """Delete all but the newest `keep` (default VALIDATION_RESULTS_KEPT) stored validation results; the count
    deleted. A result another process removed first is skipped."""
    keep = VALIDATION_RESULTS_KEPT if keep is None else keep
    store = Path(context.root_directory or GX_DIR) / "uncommitted" / "validations"
    if not store.is_dir():
        return 0
    stamped = []
    for path in store.rglob("*.json"):
        try:
            stamped.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    if len(stamped) <= keep:
        return 0
    stamped.sort()
    old = stamped[: len(stamped) - keep]
    for _, path in old:
        path.unlink(missing_ok=True)
        for folder in path.parents:
            if folder == store:
                break
            try:
                folder.rmdir()
            except OSError:
                break
    return len(old)


@_serialized
def build_data_docs(
    results: Iterable[GateResult], *, context: FileDataContext | None = None, docs_url: str | None = None
) -> list[GateResult]:
    """Render the Data Docs pages of the runs behind `results` in one build (the site's index once), and link
    each result to its page: a bronze result to the site's index (its run is a page per table), a warehouse
    result to its run's page. Results without a stored run are returned as they are."""
    results = list(results)
    resources: dict[Any, Any] = {}
    for result in results:
        for identifier in result.validations:
            resources.setdefault(identifier.to_tuple(), identifier)
    if not resources:
        return results
    context = context or get_context()
    prune_validation_results(context)
    context.build_data_docs(resource_identifiers=list(resources.values()))
    index = _docs_page(context, context.get_docs_sites_urls())
    linked = []
    for result in results:
        if not result.validations:
            linked.append(result)
            continue
        if result.checkpoint == LAYER:
            page = index
        else:
            urls = context.get_docs_sites_urls(resource_identifier=result.validations[0], site_names=[DATA_DOCS_SITE])
            page = _docs_page(context, urls)
        linked.append(dataclasses.replace(result, **_docs_links(page, docs_url)))
    return linked


def _unavailable(name: str, day: dt.date | str, message: str) -> GateUnavailableError:
    reason = next((line.strip() for line in message.splitlines() if line.strip()), "the connection was lost")
    return GateUnavailableError(f"the {name} gate for {day} lost its connection to the warehouse: {reason}")


def _bronze_checkpoint(context: FileDataContext) -> gx.Checkpoint:
    """The stored `bronze` checkpoint; written from code first in a folder that has none yet."""
    from great_expectations.exceptions import DataContextError

    try:
        return context.checkpoints.get(BRONZE_CHECKPOINT)
    except DataContextError:
        return _write_bronze(context)


@_serialized
def validate_bronze(
    frames: Mapping[str, pl.DataFrame],
    day: dt.date,
    config: GeneratorConfig,
    *,
    context: FileDataContext | None = None,
    tables: Iterable[str] | None = None,
    build_docs: bool = True,
    docs_url: str | None = None,
) -> GateResult:
    """Run the bronze checkpoint on one day's partition: every contract table's frame against its suite.

    `frames` maps table names to the day's polars frames (other keys, such as `_anomalies`, are ignored);
    `tables` limits the run to some tables (default: all, and a missing table is a failure). Expectation
    parameters are the partition's end (UTC midnight after `day`) and each table's row-count bounds from
    `config`'s scale profile. Data Docs go to DATA_DOCS_DIR; the result links the site's index under `docs_url`
    (default: ECOM_DOCS_URL).
    """
    wanted = set(TABLES if tables is None else tables)
    if unknown := wanted - set(TABLES):
        raise ValueError(f"not contract tables: {', '.join(sorted(unknown))}")
    context = context or get_context()
    result = _run_bronze(context, _bronze_checkpoint(context), {day: frames}, config, wanted)
    if not build_docs or not result.validations:
        return result
    started = time.perf_counter()
    (result,) = build_data_docs([result], context=context, docs_url=docs_url)
    seconds = dict(result.statistics["seconds"], data_docs=round(time.perf_counter() - started, 4))
    seconds["total"] = round(seconds["total"] + seconds["data_docs"], 4)
    return dataclasses.replace(result, statistics={**result.statistics, "seconds": seconds})


@_serialized
def validate_bronze_days(
    frames: Mapping[dt.date, Mapping[str, pl.DataFrame]],
    config: GeneratorConfig,
    *,
    context: FileDataContext | None = None,
) -> list[GateResult]:
    """The bronze verdict of each of consecutive days, in order, up to the first day that fails (included).

    The days are validated together, table by table (one GX run per table for all the days, see
    `to_validation_frame_of_days`), after each day's row counts and column types are checked against its own
    bounds and the contract. Such a run passes exactly when each day would pass on its own, except that a key
    repeated across days fails it; so when it fails, bisection over the failing tables finds the shortest
    failing prefix, whose last day is then validated on its own: a day that fails is the verdict, a day that
    passes (it failed only next to another day) is passed and the search goes on after it. The days before it
    get their verdicts from a run over them. No Data Docs are built (`build_data_docs` renders them).
    """
    days = sorted(frames)
    context = context or get_context()
    checkpoint = _bronze_checkpoint(context)
    every = frozenset(TABLES)
    runs: dict[tuple[dt.date, dt.date, frozenset[str]], GateResult] = {}

    def run(span: list[dt.date], tables: frozenset[str]) -> GateResult:
        key = (span[0], span[-1], tables)
        if key not in runs:
            runs[key] = _run_bronze(context, checkpoint, {d: frames[d] for d in span}, config, tables)
        return runs[key]

    verdicts: list[GateResult] = []
    remaining = days
    while remaining:
        whole = run(remaining, every)
        if whole.success:
            verdicts.extend(_bronze_day(day, whole, remaining, frames, config) for day in remaining)
            break
        suspects = frozenset(f.table for f in whole.failures) & every or every
        lo, hi = 0, len(remaining) - 1  # remaining[: hi + 1] fails; remaining[:lo] passes
        while lo < hi:
            mid = (lo + hi) // 2
            if run(remaining[: mid + 1], suspects).success:
                lo = mid + 1
            else:
                hi = mid
        if lo:
            before = run(remaining[:lo], every)
            if before.success:
                verdicts.extend(_bronze_day(day, before, remaining[:lo], frames, config) for day in remaining[:lo])
            else:  # not expected (those days passed on the failing tables, and the others on all days): stay exact
                for day in remaining[:lo]:
                    verdicts.append(run([day], every))
                    if not verdicts[-1].success:
                        return verdicts
        alone = run([remaining[lo]], every)
        verdicts.append(alone)
        if not alone.success:
            break
        remaining = remaining[lo + 1 :]
    return verdicts


def _bronze_day(
    day: dt.date,
    run: GateResult,
    span: list[dt.date],
    frames: Mapping[dt.date, Mapping[str, pl.DataFrame]],
    config: GeneratorConfig,
) -> GateResult:
    """A day's own verdict from a passed bronze run over `span`: the day's rows and bounds per table."""
    if len(span) == 1:
        return run
    bounds = row_count_bounds(config, day)
    tables = {
        table: {
            "rows": frames[day][table].height,
            "min_rows": bounds[table].min_rows,
            "max_rows": bounds[table].max_rows,
            "evaluated": stats["evaluated"],
            "failed": 0,
            "seconds": round(stats["seconds"] / len(span), 4),
        }
        for table, stats in run.statistics.get("tables", {}).items()
    }
    return _day_of_run(day, run, len(span), tables)


def _run_bronze(
    context: FileDataContext,
    checkpoint: gx.Checkpoint,
    frames: Mapping[dt.date, Mapping[str, pl.DataFrame]],
    config: GeneratorConfig,
    wanted: set[str] | frozenset[str],
) -> GateResult:
    """One run of the bronze suites of the `wanted` tables over one day, or several consecutive days together
    (see `validate_bronze_days`); its validation results are stored, no Data Docs built."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    started = time.perf_counter()
    days = sorted(frames)
    first, last = days[0], days[-1]
    label = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
    bounds = {day: row_count_bounds(config, day) for day in days}
    run_id = RunIdentifier(run_name=f"{LAYER} {label}", run_time=dt.datetime.now(dt.UTC))
    failures: list[Failure] = []
    per_table: dict[str, dict[str, Any]] = {}
    resources: list[ValidationResultIdentifier] = []
    prepare_s = validate_s = 0.0
    for definition in checkpoint.validation_definitions:
        table = definition.suite.meta.get("table") or definition.suite.name.removeprefix(f"{LAYER}_")
        if table not in wanted:
            continue
        found = [(day, frames[day].get(table)) for day in days]
        missing = [day.isoformat() for day, frame in found if frame is None]
        parts = [(day, frame) for day, frame in found if frame is not None]
        if missing:
            sample: list[Any] = ["no frame"] if first == last else ["no frame", *missing]
            failures.append(Failure(table, f"{table}.partition_present", "partition_present", None, sample))
            continue
        t0 = time.perf_counter()
        dtype_errors = [e for _, frame in parts for e in contract_dtype_errors(table, frame)]
        if dtype_errors:
            failures.append(
                Failure(
                    table,
                    f"{table}.dtypes_match_contract",
                    "contract_dtypes",
                    len(dtype_errors),
                    list(dict.fromkeys(dtype_errors))[:SAMPLE_SIZE],
                )
            )
        rows = sum(frame.height for _, frame in parts)
        low = sum(bounds[day][table].min_rows for day in days)
        high = sum(bounds[day][table].max_rows for day in days)
        if first != last:
            # Several days: each day's row count against its own bounds here; the run's bounds are their sums.
            outside = [
                f"{day}: {frame.height} rows, bounds {bounds[day][table].min_rows}..{bounds[day][table].max_rows}"
                for day, frame in parts
                if not bounds[day][table].min_rows <= frame.height <= bounds[day][table].max_rows
            ]
            if outside:
                failures.append(
                    Failure(table, f"{table}.row_count_in_bounds", "row_count", len(outside), outside[:SAMPLE_SIZE])
                )
            if dtype_errors or outside:
                continue
            try:
                data = to_validation_frame_of_days(table, parts)
            except pl.exceptions.PolarsError as exc:
                failures.append(Failure(table, f"{table}.columns_match_contract", "concat", None, [str(exc)]))
                continue
        else:
            data = to_validation_frame(table, parts[0][1])
        parameters = expectation_parameters(table, last, RowBounds(0, low, high))
        t1 = time.perf_counter()
        result = definition.run(
            checkpoint_id=checkpoint.id,
            batch_parameters={"dataframe": data},
            expectation_parameters=parameters,
            result_format=checkpoint.result_format,
            run_id=run_id,
        )
        t2 = time.perf_counter()
        prepare_s += t1 - t0
        validate_s += t2 - t1
        failures.extend(_failures(table, result))
        stats = result.statistics
        per_table[table] = {
            "rows": rows,
            "min_rows": low,
            "max_rows": high,
            "evaluated": stats["evaluated_expectations"],
            "failed": stats["unsuccessful_expectations"] + (1 if dtype_errors else 0),
            "seconds": round(t2 - t0, 4),
        }
        suite_id = ExpectationSuiteIdentifier(name=definition.suite.name)
        resources.append(ValidationResultIdentifier(suite_id, run_id, result.batch_id))
    evaluated = sum(s["evaluated"] for s in per_table.values())
    failed = sum(s["failed"] for s in per_table.values())
    statistics = {
        "partition": label,
        "run_name": run_id.run_name,
        "evaluated_expectations": evaluated,
        "unsuccessful_expectations": failed,
        "tables": per_table,
        "seconds": {
            "prepare": round(prepare_s, 4),
            "validate": round(validate_s, 4),
            "total": round(time.perf_counter() - started, 4),
        },
    }
    return GateResult(
        success=not failures,
        failures=failures,
        statistics=statistics,
        checkpoint=LAYER,
        run_name=run_id.run_name,
        validations=tuple(resources),
    )


def _failures(table: str, result: ExpectationSuiteValidationResult) -> list[Failure]:
    """The failed rules of a validation. A failure belongs to the table its rule names (`<table>.<what>`), so a
    suite that spans tables (staged, marts) attributes each failure itself; `table` names unnamed rules."""
    out = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        if config is None:  # GX attaches the configuration to every result it returns
            continue
        details = r.result or {}
        sample: list[Any]
        error = _exception_message(r.exception_info)
        if error:
            sample = [error]
        elif "partial_unexpected_list" in details:
            sample = list(details["partial_unexpected_list"])[:SAMPLE_SIZE]
        elif isinstance(details.get("details"), dict) and "unexpected_rows" in details["details"]:
            sample = list(details["details"]["unexpected_rows"])[:SAMPLE_SIZE]
        else:
            sample = [details.get("observed_value")]
        rule = (config.meta or {}).get(RULE, f"{table}.{config.type}")
        out.append(
            Failure(
                table=rule.split(".", 1)[0],
                rule=rule,
                expectation_type=config.type,
                unexpected_count=(
                    _count(details.get("observed_value"))
                    if config.type == UNEXPECTED_ROWS_TYPE
                    else details.get("unexpected_count")
                ),
                sample=[_jsonable(v) for v in sample],
            )
        )
    return out


UNEXPECTED_ROWS_TYPE = "unexpected_rows_expectation"


def _count(value: Any) -> int | None:
    """UnexpectedRowsExpectation reports its row count as the observed value."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _exception_message(info: Any) -> str | None:
    """GX records a raised exception either flat or keyed by metric; the first message, if any."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
