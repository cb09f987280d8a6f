"""The GX project in `great_expectations/` and the bronze gate that runs it on one day's partition.

`write_project()` (re)writes, from code: the `bronze_<table>` suites, the pandas datasource `lake` with one
dataframe asset `bronze_<table>` per table (batch definition `partition`: the whole in-memory day), one
validation definition per table, and the checkpoint `bronze` that groups them. Re-running it keeps the ids
of everything unchanged, so the folder only shows a diff when a rule changes.

`validate_bronze(frames, day, config)` runs the `bronze` checkpoint's validation definitions, each with its
own table's frame. A GX checkpoint hands the same `batch_parameters` to every validation definition it holds
("Batch parameters apply to every Validation Definition in the Checkpoint"), and a dataframe asset takes
exactly one key, `{"dataframe": df}`: `Checkpoint.run` cannot give nine tables nine frames. So the gate
iterates the checkpoint's validation definitions itself (`ValidationDefinition.run`, under one run id, with
the checkpoint's result format), then builds Data Docs once for the whole run (an `UpdateDataDocsAction`
would rebuild the site once per table). The checkpoint stays the reviewable list of what bronze validates.

No Dagster here, and Great Expectations (about 10 s to import) is imported only inside the functions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ecom_pipeline.generation.config import GeneratorConfig
from ecom_pipeline.generation.schemas import TABLES
from ecom_pipeline.quality.suites import (
    LAYER,
    RULE,
    build_bronze_suite,
    contract_dtype_errors,
    expectation_parameters,
    row_count_bounds,
    suite_name,
    to_validation_frame,
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
# The Data Docs index reads every validation result it links; keep it to the latest runs so that it does not
# grow slower day after day (older pages stay on disk, unlinked).
DATA_DOCS_INDEX_RUNS = 5
GITIGNORE = "# Written by ecom_pipeline.quality.checkpoints: run output, not configuration.\nuncommitted/\ngx/\n"


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
    data_docs_url: str | None = None

    @property
    def failed_rules(self) -> set[str]:
        return {f.rule for f in self.failures}

    def summary(self) -> dict[str, Any]:
        """JSON-ready, e.g. for asset-check metadata."""
        return {
            "success": self.success,
            "failed_rules": sorted(self.failed_rules),
            "failures": [
                {"table": f.table, "rule": f.rule, "unexpected_count": f.unexpected_count, "sample": f.sample}
                for f in self.failures
            ],
            "statistics": self.statistics,
            "data_docs_url": self.data_docs_url,
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

    context = gx.get_context(mode="file", context_root_dir=str(root))
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
                "base_directory": f"uncommitted/data_docs/{DATA_DOCS_SITE}/",
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "validation_results_limit": DATA_DOCS_INDEX_RUNS * len(TABLES),
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


def _dataframe_batch_definition(context: FileDataContext, asset_name: str) -> gx.core.batch_definition.BatchDefinition:
    """Get or create the `lake` datasource, its dataframe asset and the asset's whole-frame batch definition."""
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def write_project(context: FileDataContext | None = None) -> gx.Checkpoint:
    """(Re)write the bronze suites, datasource, assets, batch and validation definitions and checkpoint.

    Everything is get-or-create or add-or-update by name, so ids stay stable and a re-run on an up-to-date
    folder changes nothing. Bronze suites and validation definitions of tables that left the contract go.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = context or get_context()
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


def _bronze_checkpoint(context: FileDataContext) -> gx.Checkpoint:
    """The stored `bronze` checkpoint; written from code first in a folder that has none yet."""
    from great_expectations.exceptions import DataContextError

    try:
        return context.checkpoints.get(BRONZE_CHECKPOINT)
    except DataContextError:
        return write_project(context)


def validate_bronze(
    frames: Mapping[str, pl.DataFrame],
    day: dt.date,
    config: GeneratorConfig,
    *,
    context: FileDataContext | None = None,
    tables: Iterable[str] | None = None,
    build_docs: bool = True,
) -> GateResult:
    """Run the bronze checkpoint on one day's partition: every contract table's frame against its suite.

    `frames` maps table names to the day's polars frames (other keys, such as `_anomalies`, are ignored);
    `tables` limits the run to some tables (default: all, and a missing table is a failure). Expectation
    parameters are the partition's end (UTC midnight after `day`) and each table's row-count bounds from
    `config`'s scale profile. Data Docs go to `great_expectations/uncommitted/data_docs/local_site/`.
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    started = time.perf_counter()
    wanted = set(TABLES if tables is None else tables)
    if unknown := wanted - set(TABLES):
        raise ValueError(f"not contract tables: {', '.join(sorted(unknown))}")
    context = context or get_context()
    checkpoint = _bronze_checkpoint(context)
    bounds = row_count_bounds(config, day)
    run_id = RunIdentifier(run_name=f"{LAYER} {day.isoformat()}", run_time=dt.datetime.now(dt.UTC))
    failures: list[Failure] = []
    per_table: dict[str, dict[str, Any]] = {}
    resources: list[ValidationResultIdentifier] = []
    prepare_s = validate_s = 0.0
    for definition in checkpoint.validation_definitions:
        table = definition.suite.meta.get("table") or definition.suite.name.removeprefix(f"{LAYER}_")
        if table not in wanted:
            continue
        frame = frames.get(table)
        if frame is None:
            failures.append(Failure(table, f"{table}.partition_present", "partition_present", None, ["no frame"]))
            continue
        t0 = time.perf_counter()
        dtype_errors = contract_dtype_errors(table, frame)
        if dtype_errors:
            failures.append(
                Failure(
                    table,
                    f"{table}.dtypes_match_contract",
                    "contract_dtypes",
                    len(dtype_errors),
                    dtype_errors[:SAMPLE_SIZE],
                )
            )
        data = to_validation_frame(table, frame)
        t1 = time.perf_counter()
        result = definition.run(
            checkpoint_id=checkpoint.id,
            batch_parameters={"dataframe": data},
            expectation_parameters=expectation_parameters(table, day, bounds[table]),
            result_format=checkpoint.result_format,
            run_id=run_id,
        )
        t2 = time.perf_counter()
        prepare_s += t1 - t0
        validate_s += t2 - t1
        failures.extend(_failures(table, result))
        stats = result.statistics
        per_table[table] = {
            "rows": frame.height,
            "min_rows": bounds[table].min_rows,
            "max_rows": bounds[table].max_rows,
            "evaluated": stats["evaluated_expectations"],
            "failed": stats["unsuccessful_expectations"] + (1 if dtype_errors else 0),
            "seconds": round(t2 - t0, 4),
        }
        suite_id = ExpectationSuiteIdentifier(name=definition.suite.name)
        resources.append(ValidationResultIdentifier(suite_id, run_id, result.batch_id))
    url = None
    docs_s = 0.0
    if build_docs and resources:
        t3 = time.perf_counter()
        context.build_data_docs(resource_identifiers=resources)
        docs_s = time.perf_counter() - t3
        sites = context.get_docs_sites_urls()
        url = sites[0]["site_url"] if sites else None
    evaluated = sum(s["evaluated"] for s in per_table.values())
    failed = sum(s["failed"] for s in per_table.values())
    statistics = {
        "partition": day.isoformat(),
        "run_name": run_id.run_name,
        "evaluated_expectations": evaluated,
        "unsuccessful_expectations": failed,
        "tables": per_table,
        "seconds": {
            "prepare": round(prepare_s, 4),
            "validate": round(validate_s, 4),
            "data_docs": round(docs_s, 4),
            "total": round(time.perf_counter() - started, 4),
        },
    }
    return GateResult(success=not failures, failures=failures, statistics=statistics, data_docs_url=url)


def _failures(table: str, result: ExpectationSuiteValidationResult) -> list[Failure]:
    out = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        details = r.result or {}
        sample: list[Any]
        error = _exception_message(r.exception_info)
        if error:
            sample = [error]
        elif "partial_unexpected_list" in details:
            sample = list(details["partial_unexpected_list"])[:SAMPLE_SIZE]
        else:
            sample = [details.get("observed_value")]
        out.append(
            Failure(
                table=table,
                rule=(config.meta or {}).get(RULE, f"{table}.{config.type}"),
                expectation_type=config.type,
                unexpected_count=details.get("unexpected_count"),
                sample=[_jsonable(v) for v in sample],
            )
        )
    return out


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
