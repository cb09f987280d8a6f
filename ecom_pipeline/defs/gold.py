"""Gold: the marts exported to the lake after dbt builds them, with manifests and the same atomic publish.

Only days whose latest `marts` check passed are exported (the check blocks the export in its own run; the
ledger of checks stops a later one). Daily facts and aggregates go under their day (`gold/<mart>/date=D/`);
whole-history marts (dimensions, cohorts) as a full as-of snapshot under the run's last day. Lake users
(DuckDB, Athena, Spark) then have the marts without PostgreSQL.
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


def build_gold_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            ["gold", mart],
            deps=[dg.AssetKey([MART_SCHEMA, mart])],
            group_name="gold",
            kinds={"parquet"},
            description=(
                f"marts.{mart} for the day, Parquet in the lake's gold layer."
                if mart in DAILY
                else f"marts.{mart} as of the day (a full snapshot), Parquet in the lake's gold layer."
            ),
        )
        for mart in (*DAILY, *SNAPSHOTS)
    ]

    @dg.multi_asset(
        name="export_gold",
        specs=specs,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=False,
    )
    def export_gold(context: dg.AssetExecutionContext, ecom: EcomResource) -> Iterator[dg.MaterializeResult]:
        from ecom_pipeline.landing import require_marts_passed
        from ecom_pipeline.storage.warehouse import read_query

        p = ecom.plan()
        days = days_of(context)
        for day in days:  # a later run must not export what a failed marts check stopped
            require_marts_passed(p, day)
        rows: dict[str, int] = {}
        for day in days:  # each day committed whole: its daily marts, and the snapshots under the last day
            frames = {
                mart: read_query(p.warehouse.url, MART_SCHEMA, mart, where_column=column, day=day)
                for mart, column in DAILY.items()
            }
            if day == days[-1]:
                frames |= {mart: read_query(p.warehouse.url, MART_SCHEMA, mart) for mart in SNAPSHOTS}
            for mart, manifest in p.lake.gold.write_day(day, frames, p.identity, keep_other_tables=True).items():
                rows[mart] = rows.get(mart, 0) + manifest.rows
        for mart, count in rows.items():
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(["gold", mart]),
                metadata={"dagster/row_count": count, "lake": dg.MetadataValue.url(p.lake.gold.url)},
            )

    return export_gold
