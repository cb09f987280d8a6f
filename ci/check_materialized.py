"""After `dagster asset materialize` of the first two days in CI: assert what a user would look at.

Rows in raw and the marts for both days, manifests in the lake (bronze, silver, gold), successful runs in the
instance.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import dagster as dg
import psycopg

from ecom_pipeline.generation.schemas import TABLES
from ecom_pipeline.storage.lake import resolve_lake

DAYS = [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]


def main() -> int:
    failures = []
    with psycopg.connect(os.environ["ECOM_DATABASE_URL"]) as conn:
        for day in DAYS:
            (orders,) = conn.execute("SELECT count(*) FROM raw.orders WHERE _partition_date = %s", (day,)).fetchone()
            (published,) = conn.execute(
                "SELECT count(*) FROM raw._ecom_partitions WHERE day = %s AND status = 'published'", (day,)
            ).fetchone()
            print(f"raw {day}: {orders} orders, {published}/{len(TABLES)} tables published")
            if orders == 0 or published != len(TABLES):
                failures.append(f"raw is missing {day}")
            (mart_orders,) = conn.execute(
                "SELECT coalesce(sum(orders), 0) FROM marts.agg_daily_revenue WHERE order_date = %s", (day,)
            ).fetchone()
            print(f"marts {day}: {mart_orders} orders in agg_daily_revenue")
            if mart_orders != orders:
                failures.append(f"marts.agg_daily_revenue disagrees with raw on {day}")
    lake = resolve_lake(Path(os.environ["ECOM_HOME"]))
    for layer in ("bronze", "silver"):
        missing = [(t, d) for t in TABLES for d in DAYS if lake.layer(layer).manifest(t, d) is None]
        print(f"lake {layer}: {len(TABLES) * len(DAYS) - len(missing)} manifests")
        if missing:
            failures.append(f"{layer} lacks manifests for {missing[:3]}")
    gold = [d for d in DAYS if lake.gold.manifest("agg_daily_revenue", d) is not None]
    print(f"lake gold: agg_daily_revenue for {len(gold)} of {len(DAYS)} days")
    if len(gold) != len(DAYS):
        failures.append("gold lacks agg_daily_revenue")
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs()
    ok = [r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS]
    print(f"dagster instance: {len(ok)} successful runs of {len(runs)}")
    if len(ok) < len(DAYS) or len(ok) != len(runs):
        failures.append("the instance does not record a successful run per day")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
