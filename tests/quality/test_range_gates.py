"""The gates over a range of days at once: each day gets the verdict it would get on its own, the first day that
fails is found and named, and a range that passes is validated in one run.

Bronze: `validate_bronze_days` on frames generated here, with one anomaly class injected into one day of the
range (`inject`). Staged: `validate_staged_days` on days staged together by `Warehouse.stage_days` into a
database of the test's own. Both run against the GX project copy of tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from ecom_pipeline.generation import TABLES, GeneratorConfig, generate_day, inject, parse_anomalies
from ecom_pipeline.generation.anomalies import FUTURE_SHIFT
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.quality import ANOMALY_RULES, BRONZE_CHECKPOINT, STAGED, validate_bronze
from ecom_pipeline.quality.checkpoints import validate_bronze_days, validate_staged_days
from ecom_pipeline.quality.suites import partition_end
from ecom_pipeline.storage.conform import day_to_silver
from ecom_pipeline.storage.warehouse import Warehouse

pytestmark = pytest.mark.slow

CONFIG = GeneratorConfig(seed=42)
EPOCH = CONFIG.epoch
DAYS = [EPOCH + dt.timedelta(days=i) for i in range(5)]
Frames = dict[str, pl.DataFrame]


@pytest.fixture(scope="module")
def clean() -> dict[dt.date, Frames]:
    return {day: generate_day(CONFIG, day) for day in DAYS}


def with_anomaly(clean: dict[dt.date, Frames], day: dt.date, spec: str) -> dict[dt.date, Frames]:
    """The range with one anomaly class injected into one of its days; the other days stay as generated."""
    frames, labels = inject(clean[day], parse_anomalies(spec), seed=CONFIG.seed, day=day)
    assert labels.height > 0
    return {**clean, day: {t: frames[t] for t in TABLES}}


# --- bronze ----------------------------------------------------------------------------------------------------


def test_a_clean_range_passes_in_one_bronze_run_with_a_verdict_of_its_own_per_day(
    clean: dict[dt.date, Frames], gx_context: Any
) -> None:
    verdicts = validate_bronze_days(clean, CONFIG, context=gx_context)

    assert [v.success for v in verdicts] == [True] * len(DAYS)
    assert {v.run_name for v in verdicts} == {"bronze 2026-01-01..2026-01-05"}  # one run for the range
    for day, verdict in zip(DAYS, verdicts, strict=True):
        assert verdict.statistics["partition"] == day.isoformat()
        assert {t: s["rows"] for t, s in verdict.statistics["tables"].items()} == {
            t: clean[day][t].height for t in TABLES
        }
        assert verdict.validations  # its run's stored results, for the Data Docs pages


@pytest.mark.parametrize("name", sorted(n for n, (gate, _) in ANOMALY_RULES.items() if gate == BRONZE_CHECKPOINT))
def test_an_anomaly_on_one_day_stops_the_range_there_with_the_rules_that_day_fails_alone(
    clean: dict[dt.date, Frames], gx_context: Any, name: str
) -> None:
    bad = DAYS[2]
    frames = with_anomaly(clean, bad, f"{name}=0.02")

    verdicts = validate_bronze_days(frames, CONFIG, context=gx_context)

    assert [v.success for v in verdicts] == [True, True, False]  # nothing after the refused day
    alone = validate_bronze(frames[bad], bad, CONFIG, context=gx_context, build_docs=False)
    assert verdicts[-1].failed_rules == alone.failed_rules
    assert ANOMALY_RULES[name][1] in verdicts[-1].failed_rules
    assert verdicts[-1].statistics["partition"] == bad.isoformat()


def test_a_timestamp_past_its_own_day_fails_that_day_though_it_lies_within_the_range(
    clean: dict[dt.date, Frames], gx_context: Any
) -> None:
    bad = DAYS[1]
    frames = with_anomaly(clean, bad, "future_timestamps=0.05")
    late = frames[bad]["orders"]["created_at"].max()
    assert partition_end(bad) <= late < partition_end(DAYS[-1])  # only the day's own end refuses it
    assert late < partition_end(bad) + FUTURE_SHIFT

    verdicts = validate_bronze_days(frames, CONFIG, context=gx_context)

    assert [v.success for v in verdicts] == [True, False]
    assert "orders.created_at_before_partition_end" in verdicts[-1].failed_rules


def test_a_key_repeated_on_two_days_fails_neither_day(clean: dict[dt.date, Frames], gx_context: Any) -> None:
    """Each day's keys are unique within the day (its rule); a row repeated on a later day breaks no day."""
    frames = dict(clean)
    repeated = pl.concat([clean[DAYS[3]]["customers"], clean[DAYS[1]]["customers"].head(1)])
    frames[DAYS[3]] = {**clean[DAYS[3]], "customers": repeated}
    assert validate_bronze(frames[DAYS[3]], DAYS[3], CONFIG, context=gx_context, build_docs=False).success

    verdicts = validate_bronze_days(frames, CONFIG, context=gx_context)

    assert [v.success for v in verdicts] == [True] * len(DAYS)
    assert [v.statistics["partition"] for v in verdicts] == [d.isoformat() for d in DAYS]


# --- staged ----------------------------------------------------------------------------------------------------


@pytest.fixture
def wh(fresh_db: str) -> Warehouse:
    warehouse = Warehouse(fresh_db)
    warehouse.migrate()
    return warehouse


def stage_range(wh: Warehouse, frames: dict[dt.date, Frames]) -> None:
    silver = {day: day_to_silver(day, f) for day, f in frames.items()}
    wh.stage_days(silver, dataset_identity(CONFIG, pii="full"), EPOCH)


def test_days_staged_together_pass_in_one_staged_run_with_a_verdict_per_day(
    wh: Warehouse, clean: dict[dt.date, Frames], gx_context: Any
) -> None:
    stage_range(wh, clean)

    verdicts = validate_staged_days(wh.url, DAYS, context=gx_context)

    assert [v.success for v in verdicts] == [True] * len(DAYS)
    assert {v.run_name for v in verdicts} == {"staged 2026-01-01..2026-01-05"}
    assert [v.statistics["partition"] for v in verdicts] == [d.isoformat() for d in DAYS]
    assert all(v.checkpoint == STAGED and v.validations for v in verdicts)


def test_an_orphan_on_one_staged_day_is_named_and_the_days_before_it_pass(
    wh: Warehouse, clean: dict[dt.date, Frames], gx_context: Any
) -> None:
    bad = DAYS[2]
    stage_range(wh, with_anomaly(clean, bad, "orphan_items=0.02"))

    verdicts = validate_staged_days(wh.url, DAYS, context=gx_context)

    assert [v.success for v in verdicts] == [True, True, False]
    assert verdicts[-1].run_name == f"staged {bad.isoformat()}"  # its own run on its own batch
    assert ANOMALY_RULES["orphan_items"][1] in verdicts[-1].failed_rules
    assert {f.table for f in verdicts[-1].failures} <= {"order_items", "orders"}
