"""`daily_simulation` on a real instance: its first tick catches up every day the warehouse lacks, later ticks ask
for one day, and a range stopped by a refused day resumes there.

Each tick is evaluated with `build_schedule_context` against a real (SQLite) Dagster instance and the project's
resources, and what it requests is run on that instance, as the daemon would: the `daily_pipeline` job with the
request's partition or partition range.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from tests.defs.conftest import break_bronze_day

pytestmark = pytest.mark.slow

TODAY = dt.datetime.now(dt.UTC).date()
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def _published(url: str) -> list[dt.date]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT day FROM raw._ecom_partitions GROUP BY day HAVING bool_and(status = 'published') ORDER BY day"
        ).fetchall()
    return [r[0] for r in rows]


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance, day: dt.date) -> dg.RunRequest | dg.SkipReason:
    """Evaluate the schedule's tick at 00:00 UTC of `day`."""
    schedule = defs.resolve_schedule_def("daily_simulation")
    when = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when,
        resources=defs.resources,
        repository_def=defs.get_repository_def(),
    )
    result = schedule.evaluate_tick(context)
    if result.skip_message:
        return dg.SkipReason(result.skip_message)
    (request,) = result.run_requests
    return request


def _run(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    selection: dg.AssetSelection | None = None,
) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("daily_pipeline")
    keys = None if selection is None else list(selection.resolve(defs.resolve_asset_graph()))
    return job.execute_in_process(
        instance=instance,
        partition_key=request.partition_key,
        tags=dict(request.tags),
        asset_selection=keys,
        raise_on_error=False,
    )


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_the_first_tick_catches_up_ten_days_in_one_run_and_the_next_tick_asks_for_one_day(env, monkeypatch, tmp_path):
    epoch = TODAY - dt.timedelta(days=11)  # the first tick (yesterday 00:00) finds ten complete days to land
    monkeypatch.setenv("ECOM_EPOCH", epoch.isoformat())
    from ecom_pipeline.definitions import build_definitions

    defs = build_definitions()
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        first_tick = TODAY - dt.timedelta(days=1)
        request = _tick(defs, instance, first_tick)
        assert isinstance(request, dg.RunRequest)
        last = first_tick - dt.timedelta(days=1)
        assert request.partition_key is None
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (epoch.isoformat(), last.isoformat())
        result = _run(defs, instance, request)
        assert result.success
        assert _published(env["ECOM_DATABASE_URL"]) == _days(epoch, last)
        assert len(_days(epoch, last)) == 10

        again = _tick(defs, instance, first_tick)  # the same tick evaluated again: nothing left to do
        assert isinstance(again, dg.SkipReason)

        request = _tick(defs, instance, TODAY)
        assert isinstance(request, dg.RunRequest)
        assert request.partition_key == first_tick.isoformat() and RANGE_START not in request.tags
        assert _run(defs, instance, request).success
        assert _published(env["ECOM_DATABASE_URL"]) == _days(epoch, first_tick)
        gold = [e for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "gold"]
        assert gold and {e.partition for e in gold if e.partition} == {d.isoformat() for d in _days(epoch, last)}


def test_a_tick_after_downtime_asks_for_the_gap_and_a_refused_day_stops_the_range_where_the_next_tick_resumes(
    env, monkeypatch, tmp_path
):
    epoch = TODAY - dt.timedelta(days=8)
    monkeypatch.setenv("ECOM_EPOCH", epoch.isoformat())
    from ecom_pipeline.definitions import build_definitions

    defs = build_definitions()
    landing = dg.AssetSelection.groups("bronze", "silver", "raw_stage", "raw")
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        day_one = _tick(defs, instance, epoch + dt.timedelta(days=1))  # the schedule was on from the epoch
        assert day_one.partition_key == epoch.isoformat()
        assert _run(defs, instance, day_one, landing).success

        refused = epoch + dt.timedelta(days=3)
        break_bronze_day(Path(env["ECOM_HOME"]), refused, epoch)
        after_downtime = TODAY - dt.timedelta(days=2)  # ticks were missed: the gap comes as one range
        request = _tick(defs, instance, after_downtime)
        first, last = epoch + dt.timedelta(days=1), after_downtime - dt.timedelta(days=1)
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (first.isoformat(), last.isoformat())
        result = _run(defs, instance, request, landing)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert f"failed for {refused}" in failure.event_specific_data.error.to_string()
        assert _published(env["ECOM_DATABASE_URL"]) == _days(epoch, refused - dt.timedelta(days=1))

        resumed = _tick(defs, instance, after_downtime + dt.timedelta(days=1))
        assert resumed.tags[RANGE_START] == refused.isoformat()
