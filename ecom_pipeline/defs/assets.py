"""The landing graph: generate -> bronze -> silver -> raw_stage (write) -> raw (publish), per day.

Asset keys are `[layer, table]`. Bronze is one multi-asset, so related tables are never out of step. The
warehouse side depends on its own previous day (backfills load in date order), and every multi-asset runs a
whole partition range in one run (BackfillPolicy.single_run). The steps exchange data through the lake.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource
from ecom_pipeline.generation.config import MARKETS
from ecom_pipeline.generation.schemas import CONTRACTS, TABLES

PREVIEW_ROWS = 5
_USD_PER_UNIT = {m.currency: 1 / m.price_level for m in MARKETS}  # price levels double as FX for reporting


def key(layer: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([layer, table])


def column_schema(table: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                str(c.dtype),
                description=c.description,
                constraints=dg.TableColumnConstraints(
                    nullable=c.nullable,
                    unique=c.name in CONTRACTS[table].primary_key and len(CONTRACTS[table].primary_key) == 1,
                ),
            )
            for c in CONTRACTS[table].columns
        ]
    )


def preview(frame: pl.DataFrame) -> dg.MetadataValue:
    head = frame.head(PREVIEW_ROWS)
    records = [
        dg.TableRecord({k: (v if isinstance(v, (int, float, bool)) or v is None else str(v)) for k, v in row.items()})
        for row in head.iter_rows(named=True)
    ]
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in head.columns])
    return dg.MetadataValue.table(records, schema=schema)


def day_figures(orders: pl.DataFrame) -> dict[str, float]:
    """Numbers worth plotting across partitions: orders and revenue (in USD at the storefronts' price levels)."""
    if orders.is_empty():
        return {"orders": 0, "revenue_usd": 0.0}
    by_currency = orders.group_by("currency").agg(pl.col("total").cast(pl.Float64).sum())
    revenue = sum(total * _USD_PER_UNIT.get(cur, 1.0) for cur, total in by_currency.iter_rows())
    return {"orders": orders.height, "revenue_usd": round(revenue, 2)}


def _specs(layer: str, description: str, deps: Any) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key(layer, table),
            deps=deps(table),
            group_name=layer,
            description=f"{description} {CONTRACTS[table].description}",
            metadata={"dagster/column_schema": column_schema(table)},
            kinds={"parquet"} if layer in ("bronze", "silver") else {"postgres"},
        )
        for table in TABLES
    ]


def _results(
    context: dg.AssetExecutionContext,
    layer: str,
    landed: list[Any],
    frames_by_table: dict[str, pl.DataFrame],
    extra: dict[str, Any],
    seconds: float,
) -> Iterator[dg.MaterializeResult]:
    days = days_of(context)
    for table in TABLES:
        rows = [r for r in landed if r.table == table]
        frame = frames_by_table.get(table)
        metadata: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(sum(r.rows for r in rows)),
            "bytes": dg.MetadataValue.int(sum(r.bytes for r in rows)),
            "seconds": dg.MetadataValue.float(round(sum(r.seconds for r in rows) or seconds, 3)),
            "days": dg.MetadataValue.text(f"{days[0]} .. {days[-1]}" if len(days) > 1 else str(days[0])),
            "dagster/column_schema": column_schema(table),
            **extra,
        }
        if frame is not None:
            metadata["preview"] = preview(frame)
        if table == "orders" and frame is not None:
            for name, value in day_figures(frame).items():
                metadata[name] = dg.MetadataValue.float(float(value))
        yield dg.MaterializeResult(asset_key=key(layer, table), metadata=metadata)


def build_landing_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The four multi-assets of the landing graph, on the given daily partitions."""
    single_run = dg.BackfillPolicy.single_run()
    previous_day = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)

    @dg.multi_asset(
        name="generate_bronze",
        specs=_specs(
            "bronze", "Exactly what the generator produced, Parquet in the lake's bronze layer.", lambda t: []
        ),
        partitions_def=partitions,
        backfill_policy=single_run,
        can_subset=False,
    )
    def generate_bronze(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import bronze_step

        p = ecom.plan(targets="lake")
        began = time.perf_counter()
        frames: dict[str, pl.DataFrame] = {}
        manifests = {}
        for day in days_of(context):
            frames = bronze_step(p, day)
            manifests = {t: p.lake.bronze.manifest(t, day) for t in TABLES}
        extra = {"dataset": dg.MetadataValue.json(p.bronze_identity), "lake": dg.MetadataValue.url(p.lake.bronze.url)}
        for result in _results(context, "bronze", p.results, frames, extra, time.perf_counter() - began):
            table = result.asset_key.path[-1]
            manifest = manifests.get(table)
            if manifest is not None:
                result.metadata["manifest"] = dg.MetadataValue.json(json.loads(manifest.to_json()))
            yield result

    @dg.multi_asset(
        name="conform_silver",
        specs=_specs("silver", "Typed, deduplicated, PII mode applied.", lambda t: [key("bronze", t)]),
        partitions_def=partitions,
        backfill_policy=single_run,
        can_subset=False,
    )
    def conform_silver(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import silver_step

        p = ecom.plan(targets="lake")
        began = time.perf_counter()
        frames: dict[str, pl.DataFrame] = {}
        for day in days_of(context):
            frames = silver_step(p, day)
        extra = {"dataset": dg.MetadataValue.json(p.identity), "lake": dg.MetadataValue.url(p.lake.silver.url)}
        yield from _results(context, "silver", p.results, frames, extra, time.perf_counter() - began)

    @dg.multi_asset(
        name="stage_warehouse",
        specs=_specs(
            "raw_stage", "The day written to PostgreSQL's raw_stage, not yet published.", lambda t: [key("silver", t)]
        ),
        partitions_def=partitions,
        backfill_policy=single_run,
        can_subset=False,
    )
    def stage_warehouse(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import stage_step

        p = ecom.plan()
        began = time.perf_counter()
        for day in days_of(context):
            stage_step(p, day)
        extra = {"dataset": dg.MetadataValue.json(p.identity)}
        yield from _results(context, "raw_stage", p.results, {}, extra, time.perf_counter() - began)

    @dg.multi_asset(
        name="publish_warehouse",
        specs=_specs(
            "raw",
            "Published in PostgreSQL's raw schema (one partition per day).",
            lambda t: [key("raw_stage", t), dg.AssetDep(key("raw", t), partition_mapping=previous_day)],
        ),
        partitions_def=partitions,
        backfill_policy=single_run,
        can_subset=False,
    )
    def publish_warehouse(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import publish_step

        p = ecom.plan()
        began = time.perf_counter()
        for day in days_of(context):
            publish_step(p, day)
        published = p.warehouse.read_day("orders", days_of(context)[-1]) if p.warehouse else pl.DataFrame()
        extra = {"dataset": dg.MetadataValue.json(p.identity)}
        frames = {"orders": published} if not published.is_empty() else {}
        yield from _results(context, "raw", p.results, frames, extra, time.perf_counter() - began)

    return [generate_bronze, conform_silver, stage_warehouse, publish_warehouse]
