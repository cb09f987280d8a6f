"""Gold: the marts exported to the lake after dbt builds them, with manifests and the same atomic publish.

Daily facts and aggregates are partitioned like everything upstream (`gold/<mart>/date=D/`), one materialization
per day with that day's rows. Whole-history marts (dimensions, cohorts, lifetime value, product performance) are
not a day's data: they are one unpartitioned snapshot asset each, as of the latest published day, written under
`gold/<mart>/date=<as-of day>/` (the older snapshot is removed once the new one is written, so a hive reader sees
one), after the daily export, so only once the marts check of the latest days passed. Only days whose latest
`marts` check passed are exported (the check blocks the export in its own run; the ledger of checks stops a later
one). Lake users (DuckDB, Athena, Spark) then have the marts without PostgreSQL.
"""

from collections.abc import Iterator

import dagster as dg

from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource

# mart -> the date column that places a row in a day partition
DAILY = {
    "fct_orders": "order_date",
    "fct_order_items": "order_date",
    "fct_payments": "payment_date",
    "fct_shipments": "ship_date",
    "agg_daily_revenue": "order_date",
}
SNAPSHOTS = ("dim_customers", "dim_products", "dim_date", "customer_cohorts", "customer_ltv", "product_performance")
MART_SCHEMA = "marts"


# What a snapshot waits for besides its mart: the daily gold export, which runs only once the marts check of the
# run's days passed (Dagster's backfill daemon launches a downstream run as soon as its parents are materialized,
# without waiting for their checks).
AFTER_DAILY_GOLD = dg.AssetKey(["gold", "agg_daily_revenue"])


def _spec(mart: str, description: str, *, after: list[dg.AssetKey] | None = None) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["gold", mart],
        deps=[dg.AssetKey([MART_SCHEMA, mart]), *(after or [])],
        group_name="gold",
        kinds={"parquet"},
        description=description,
    )


def build_gold_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The daily gold export (partitioned) and the snapshot export (unpartitioned)."""

    @dg.multi_asset(
        name="export_gold",
        specs=[_spec(m, f"marts.{m} for the day, Parquet in the lake's gold layer.") for m in DAILY],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
    )
    def export_gold(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import require_marts_passed
        from ecom_pipeline.storage.warehouse import read_query

        p = ecom.plan()
        days = days_of(context)
        for day in days:  # a later run must not export what a failed marts check stopped
            require_marts_passed(p, day)
        url = dg.MetadataValue.url(p.lake.gold.url)
        marts = [m for m in DAILY if dg.AssetKey(["gold", m]) in context.selected_asset_keys]
        for day in days:  # each day's marts committed together, next to the day's other gold tables
            frames = {m: read_query(p.warehouse.url, MART_SCHEMA, m, where_column=DAILY[m], day=day) for m in marts}
            for mart, manifest in p.lake.gold.write_day(day, frames, p.identity, keep_other_tables=True).items():
                metadata = {"dagster/row_count": manifest.rows, "bytes": manifest.bytes, "lake": url}
                context.add_asset_metadata(metadata, asset_key=["gold", mart], partition_key=day.isoformat())
        for mart in marts:
            yield dg.MaterializeResult(asset_key=dg.AssetKey(["gold", mart]))

    @dg.multi_asset(
        name="export_gold_snapshots",
        specs=[
            _spec(
                m,
                f"marts.{m} as of the latest published day (a full snapshot), Parquet in the lake's gold layer.",
                after=[AFTER_DAILY_GOLD],
            )
            for m in SNAPSHOTS
        ],
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
    )
    def export_gold_snapshots(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import require_marts_passed
        from ecom_pipeline.storage.warehouse import WarehouseError, read_query

        p = ecom.plan()
        published = p.warehouse.published_days()
        if not published:
            raise WarehouseError("no day is published yet: materialize the daily assets first")
        as_of = published[-1]
        require_marts_passed(p, as_of)
        for asset_key in sorted(context.selected_asset_keys, key=lambda k: SNAPSHOTS.index(k.path[-1])):
            mart = asset_key.path[-1]
            frame = read_query(p.warehouse.url, MART_SCHEMA, mart)
            manifest = p.lake.gold.write_partition(mart, as_of, frame, p.identity)
            for day in p.lake.gold.committed_days():  # one snapshot in the layer: the older ones go
                if day != as_of:
                    p.lake.gold.drop(mart, day)
            yield dg.MaterializeResult(
                asset_key=asset_key,
                metadata={
                    "dagster/row_count": manifest.rows,
                    "bytes": manifest.bytes,
                    "as_of": dg.MetadataValue.text(as_of.isoformat()),
                    "lake": dg.MetadataValue.url(p.lake.gold.url),
                },
            )

    return [export_gold, export_gold_snapshots]
