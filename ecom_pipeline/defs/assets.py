"""The landing graph: bronze -> silver -> raw_stage (write) -> raw (publish), per day, gated.

Asset keys are `[layer, table]`, grouped by layer. One subsettable multi-asset, `land`, writes them through the
same ordered path as `ecom load` (`ecom_pipeline.landing.land`): for each day of the run, in date order, bronze,
the `bronze` gate, silver, staging, the `staged` gate, publish. The gates are blocking asset checks of this step
(`bronze` on every bronze table, `staged` on every raw_stage table), so a day they refuse goes no further.

A range runs as one run (BackfillPolicy.single_run), and `land` lands its days together (one COPY per table,
the staged rules over the range, one publish: see `ecom_pipeline.landing`). Because the gates run inside the
step, a range publishes every day before the first refused day, then fails naming that day; the days it landed
show as materialized, each with its own row counts, bytes, preview and figures (Dagster records one
materialization per partition of a range run; `add_asset_metadata(partition_key=...)` gives each its own day's
metadata), and each day gets its own evaluation of every gate check.

Selecting part of the graph selects layers, never single tables: a layer's tables of a day are always written
together (a run selecting `bronze/orders` writes every bronze table of the day, and records each one). Without
bronze, the day is read back from bronze when the lake holds it, else generated again (deterministically).
`raw` alone publishes days already staged.

The warehouse holds a contiguous range of days from the epoch. That order is kept by the step (a range in date
order; a backfill, from the asset graph or the job page, runs each range as one run), by the local instance's
queue (one run at a time, in submission order) and enforced by the loader, which refuses a day whose previous day
is not published, naming it. It is deliberately not a self-dependency of `raw` on its previous partition:
Dagster's backfill daemon never runs a self-dependent asset in the same run as its upstream, which would split
every range launched from the UI into a run per stage.
"""

import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import polars as pl

from ecom_pipeline.contract import CONTRACTS, TABLES
from ecom_pipeline.defs.checks import evaluation
from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource

LAYERS = ("bronze", "silver", "raw_stage", "raw")  # = ecom_pipeline.landing.LANDING_LAYERS, without its import cost
DESCRIPTIONS = {
    "bronze": "Exactly what the generator produced, Parquet in the lake's bronze layer.",
    "silver": "Typed, deduplicated, PII mode applied, Parquet in the lake's silver layer.",
    "raw_stage": "The day written to PostgreSQL's raw_stage, not yet published.",
    "raw": "Published in PostgreSQL's raw schema (one partition per day).",
}
# The gate that guards each layer's tables (a blocking check of the `land` step).
GATES = {
    "bronze": (
        "bronze",
        "schema, keys, enums, ranges, timestamps within the day, row counts within the scale profile's bounds.",
    ),
    "raw_stage": (
        "staged",
        "every foreign key resolves, totals equal their items, captured payments equal totals, lifecycle order.",
    ),
}


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
    records = [
        dg.TableRecord({k: (v if isinstance(v, (int, float, bool)) or v is None else str(v)) for k, v in row.items()})
        for row in frame.iter_rows(named=True)
    ]
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in frame.columns])
    return dg.MetadataValue.table(records, schema=schema)


def _deps(layer: str, table: str) -> list[dg.AssetKey]:
    upstream = {"silver": "bronze", "raw_stage": "silver", "raw": "raw_stage"}.get(layer)
    return [key(upstream, table)] if upstream else []


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key(layer, table),
            deps=_deps(layer, table),
            group_name=layer,
            description=f"{DESCRIPTIONS[layer]} {CONTRACTS[table].description}",
            metadata={"dagster/column_schema": column_schema(table)},
            kinds={"parquet"} if layer in ("bronze", "silver") else {"postgres"},
        )
        for layer in LAYERS
        for table in TABLES
    ]


def _check_specs(partitions: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    with warnings.catch_warnings():  # a partitioned check spec is a preview feature in Dagster 1.13
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(
                name,
                asset=key(layer, table),
                blocking=True,
                partitions_def=partitions,
                description=f"Great Expectations `{name}` checkpoint: {what}",
            )
            for layer, (name, what) in GATES.items()
            for table in TABLES
        ]


def materialization_metadata(landed: Any, dataset: Mapping[str, str], url: str | None) -> dict[str, Any]:
    """What one table of one day shows in the UI: its own rows, bytes, seconds, preview and figures."""
    metadata: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(landed.rows),
        "bytes": dg.MetadataValue.int(landed.bytes),
        "seconds": dg.MetadataValue.float(round(landed.seconds, 4)),
        "dagster/column_schema": column_schema(landed.table),
        "dataset": dg.MetadataValue.json(dict(dataset)),
    }
    if landed.reused:
        metadata["reused"] = dg.MetadataValue.bool(True)
    if url:
        metadata["lake"] = dg.MetadataValue.url(url)
    if landed.manifest is not None:
        metadata["manifest"] = dg.MetadataValue.json(dict(landed.manifest))
    if landed.preview is not None:
        metadata["preview"] = preview(landed.preview)
    for name, value in (landed.figures or {}).items():
        metadata[name] = dg.MetadataValue.float(float(value))
    return metadata


def _ordered(keys: Any) -> list[dg.AssetKey]:
    """Asset keys in the graph's order (a multi-asset yields its outputs topologically)."""
    return sorted(keys, key=lambda k: (LAYERS.index(k.path[0]), TABLES.index(k.path[1])))


def _landing_events(
    context: dg.AssetExecutionContext, p: Any, *, completed: bool
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    """One materialization per table, layer and day landed; per-day metadata on the run's own outputs.

    `completed`: every selected asset was landed for every day of the run, so the step yields its outputs (one
    materialization per partition, each given its day's metadata); otherwise (a refused day) only what landed is
    recorded, day by day.
    """
    selected = set(context.selected_asset_keys)
    landed: dict[dg.AssetKey, list[Any]] = {}
    for item in p.results:
        if item.table in TABLES:  # not the `_anomalies` labels, which have no asset of their own
            landed.setdefault(key(item.target, item.table), []).append(item)
    lake_urls = p.lake.describe()
    for asset_key in _ordered(landed):
        layer = asset_key.path[0]
        dataset = p.bronze_identity if layer == "bronze" else p.identity
        for item in landed[asset_key]:
            metadata = materialization_metadata(item, dataset, lake_urls.get(layer))
            if completed and asset_key in selected:
                context.add_asset_metadata(metadata, asset_key=asset_key, partition_key=item.day.isoformat())
            else:
                yield dg.AssetMaterialization(asset_key=asset_key, partition=item.day.isoformat(), metadata=metadata)
        if completed and asset_key in selected:
            yield dg.MaterializeResult(asset_key=asset_key)


def _gate_events(context: dg.AssetExecutionContext, p: Any, *, completed: bool) -> Iterator[Any]:
    """The gates' verdicts as partitioned evaluations of the selected checks, one per table and day."""
    selected = set(context.selected_asset_check_keys)
    if completed:
        for check_key in sorted(selected, key=lambda k: (k.name, k.asset_key.path)):
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(check_key))
    for verdict in p.verdicts:
        layer = "bronze" if verdict.result.checkpoint == "bronze" else "raw_stage"
        for table in TABLES:
            check_key = dg.AssetCheckKey(key(layer, table), verdict.result.checkpoint)
            if check_key in selected:
                yield evaluation(check_key, verdict.result, verdict.day, set(TABLES))


def build_landing_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The landing graph as one subsettable multi-asset on the given daily partitions."""

    @dg.multi_asset(
        name="land",
        specs=_specs(),
        check_specs=_check_specs(partitions),
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        description="Land each day of the run in date order: bronze, the bronze gate, silver, raw_stage, the staged "
        "gate, raw (the same path as `ecom load`).",
    )
    def land(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[Any]:
        from ecom_pipeline.landing import QualityGateError, land
        from ecom_pipeline.storage.lake import DatasetConflictError
        from ecom_pipeline.storage.warehouse import WarehouseError

        layers = frozenset(k.path[0] for k in context.selected_asset_keys)
        days = days_of(context)
        # The lake is part of every run's graph: its dataset claim is checked (or taken) even when only the
        # warehouse layers are selected, so a run never publishes one dataset next to a lake holding another.
        p = ecom.plan(targets="lake,warehouse" if layers & {"raw_stage", "raw"} else "lake")
        try:
            land(
                p.settings,
                days,
                layers=layers,
                plan_=p,
                on_day=lambda day: context.log.info(f"landed {day} ({', '.join(sorted(layers))})"),
            )
        except (QualityGateError, WarehouseError, DatasetConflictError) as exc:
            yield from _landing_events(context, p, completed=False)
            yield from _gate_events(context, p, completed=False)
            published = sorted({r.day.isoformat() for r in p.results if r.target == "raw"})
            before = (
                f"; published before it: {' .. '.join(dict.fromkeys([published[0], published[-1]]))}"
                if published
                else ""
            )
            raise dg.Failure(description=f"{exc}{before}") from None
        except Exception:
            yield from _landing_events(context, p, completed=False)
            yield from _gate_events(context, p, completed=False)
            raise
        yield from _landing_events(context, p, completed=True)
        yield from _gate_events(context, p, completed=True)

    return [land]
