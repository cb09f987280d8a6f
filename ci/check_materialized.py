"""After `dagster asset materialize` of the first two days in CI: assert what a user would look at.

Rows in raw and the marts for both days, manifests in the lake (bronze, silver, gold), successful runs in the
instance, and each quality checkpoint's evaluation passed for each day and recorded with its partition.

With `--blocked DAY`: the run of DAY had every anomaly class injected; nothing of it may be in raw, the marts or
gold, and its bronze checks must have failed.
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


def _check_statuses(instance: dg.DagsterInstance, check: str, day: dt.date) -> list[str]:
    """The latest evaluation status of the named check on every asset that has it, for one partition."""
    from dagster._core.event_api import PartitionKeyFilter

    graph = _definitions().resolve_asset_graph()
    keys = [k for k in graph.asset_check_keys if k.name == check]
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        keys, partition_filter=PartitionKeyFilter(key=day.isoformat())
    )
    return [record.status.value for record in latest.values() if record is not None]


def _definitions() -> dg.Definitions:
    from ecom_pipeline.definitions import build_definitions

    return build_definitions()


def blocked(day: dt.date) -> int:
    """Nothing of a day stopped by its gates downstream of bronze: not in raw, the marts or gold."""
    failures = []
    with psycopg.connect(os.environ["ECOM_DATABASE_URL"]) as conn:
        for schema, table, column in (("raw", "orders", "_partition_date"), ("marts", "fct_orders", "order_date")):
            if conn.execute("SELECT to_regclass(%s)", (f"{schema}.{table}",)).fetchone()[0] is None:
                print(f"{schema}.{table}: absent")
                continue
            query = f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}" = %s'
            (rows,) = conn.execute(query, (day,)).fetchone()
            print(f"{schema}.{table} {day}: {rows} rows")
            if rows:
                failures.append(f"{schema}.{table} holds {day}")
    lake = resolve_lake(Path(os.environ["ECOM_HOME"]))
    if lake.gold.manifest("agg_daily_revenue", day) is not None or lake.silver.manifest("orders", day) is not None:
        failures.append(f"silver or gold holds {day}")
    statuses = _check_statuses(dg.DagsterInstance.get(), "bronze", day)
    print(f"check bronze {day}: {sorted(set(statuses))}")
    if "FAILED" not in statuses:
        failures.append(f"no bronze check failed on {day}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


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
    for check in ("bronze", "staged", "marts"):
        for day in DAYS:
            statuses = _check_statuses(instance, check, day)
            print(f"check {check} {day}: {len(statuses)} assets, {sorted(set(statuses))}")
            if not statuses or set(statuses) != {"SUCCEEDED"}:
                failures.append(f"the {check} checkpoint did not pass on {day}")
    runs = instance.get_runs()
    ok = [r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS]
    print(f"dagster instance: {len(ok)} successful runs of {len(runs)}")
    if not ok or len(ok) != len(runs):
        failures.append("the instance does not record the run as successful")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--blocked"]:
        sys.exit(blocked(dt.date.fromisoformat(sys.argv[2])))
    sys.exit(main())
