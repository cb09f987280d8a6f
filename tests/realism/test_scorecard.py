"""The realism scorecard: every property passes on the profiles' datasets, and a broken rule fails it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ecom_pipeline.cli import main
from ecom_pipeline.generation import SCALES, GeneratorConfig
from ecom_pipeline.generation.config import Calendar
from ecom_pipeline.realism.scorecard import FAIL, NA, PASS, score
from ecom_pipeline.realism.source import generate_frames

EPOCH = dt.date(2026, 1, 1)
# Properties a 180-day window of a profile must judge (not leave n/a): the calendar's events aside.
JUDGED = (
    "age at sign-up",
    "AOV US (USD)",
    "AOV JP (USD)",
    "sigma of ln(order value)",
    "top 20% of orders, revenue share",
    "top product revenue share",
    "AOV by segment (USD)",
    "free-shipping share",
    "local-time peaks",
    "weekday pattern (orders / centred 7-day mean)",
    "payday bump",
    "cancelled orders",
    "payment mix US",
    "dispatch on Sundays or public holidays",
    "shortest dispatch -> delivery",
    "transit BR",
    "transit DE",
    "email patterns",
    "postal codes valid for their city",
    "phone numbers valid for their country",
)


def _verdicts(config: GeneratorConfig, start: dt.date, end: dt.date) -> dict[str, object]:
    return {p.name: p for p in score(config, generate_frames(config, start, end))}


def _assert_all_pass(properties: dict[str, object]) -> None:
    failed = {n: p.measured for n, p in properties.items() if p.verdict == FAIL}
    assert failed == {}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [42, 7])
def test_every_property_passes_on_medium_over_180_days(seed):
    properties = _verdicts(GeneratorConfig(seed=seed, scale=SCALES["medium"]), EPOCH, EPOCH + dt.timedelta(179))
    _assert_all_pass(properties)
    assert {n: properties[n].verdict for n in JUDGED} == dict.fromkeys(JUDGED, PASS)
    assert properties["repeat buyers"].verdict == properties["lines per order"].verdict == "info"


@pytest.mark.slow
def test_every_property_passes_on_a_large_window_holding_black_friday():
    properties = _verdicts(GeneratorConfig(scale=SCALES["large"]), dt.date(2026, 10, 26), dt.date(2026, 12, 6))
    _assert_all_pass(properties)
    assert properties["Black Friday 2026"].verdict == properties["Cyber Monday 2026"].verdict == PASS


@pytest.mark.slow
def test_the_summer_lull_passes_over_may_to_august():
    properties = _verdicts(GeneratorConfig(scale=SCALES["medium"]), dt.date(2026, 5, 1), dt.date(2026, 8, 31))
    _assert_all_pass(properties)
    assert properties["summer lull"].verdict == PASS


@pytest.mark.slow
def test_the_published_weekday_profile_is_scored_against_the_published_pattern():
    config = GeneratorConfig(scale=SCALES["medium"], calendar=Calendar(weekday_profile="published"))
    weekday = _verdicts(config, dt.date(2026, 2, 1), dt.date(2026, 4, 30))[
        "weekday pattern (orders / centred 7-day mean)"
    ]
    assert weekday.verdict == PASS and weekday.target.startswith("published: Mon 1.08")


def test_the_load_test_scenario_is_scored_against_ten_times_an_ordinary_november_day():
    profile = dataclasses.replace(SCALES["small"], orders_per_day=300)
    config = GeneratorConfig(scale=profile, calendar=Calendar(scenario="black_friday_load_test"))
    weekend = _verdicts(config, dt.date(2026, 11, 2), dt.date(2026, 12, 1))["Black Friday weekend 2026 (load test)"]
    assert weekend.verdict == PASS, weekend.measured


@pytest.fixture(scope="module")
def busy_frames() -> tuple[GeneratorConfig, dict[str, pl.DataFrame]]:
    profile = dataclasses.replace(SCALES["medium"], name="busy", opening_customers=4_000, orders_per_day=400)
    config = GeneratorConfig(seed=11, scale=profile)
    return config, generate_frames(config, EPOCH, EPOCH + dt.timedelta(34))


def _broken(frames: dict[str, pl.DataFrame], table: str, change: pl.Expr) -> dict[str, pl.DataFrame]:
    return {**frames, table: frames[table].with_columns(change)}


@pytest.mark.parametrize(
    ("table", "change", "rule"),
    [
        ("customers", pl.col("birth_date") + pl.duration(days=365 * 3), "age at sign-up"),
        ("customers", pl.col("email").str.replace("@", "123@"), "email patterns"),
        ("customers", pl.lit("+49 0000 1").alias("phone"), "phone numbers valid for their country"),
        ("addresses", pl.lit("00000").alias("postal_code"), "postal codes valid for their city"),
        ("orders", pl.col("total") * 5, "AOV US (USD)"),
        ("orders", pl.lit(0).cast(pl.Decimal(12, 2)).alias("shipping_fee"), "free-shipping share"),
    ],
    ids=["minors", "numbered-emails", "bad-phones", "bad-postcodes", "dear-orders", "all-free-shipping"],
)
def test_a_dataset_breaking_a_rule_fails_that_property(busy_frames, table, change, rule):
    config, frames = busy_frames
    before = {p.name: p.verdict for p in score(config, frames)}
    after = {p.name: p.verdict for p in score(config, _broken(frames, table, change))}
    assert before[rule] == PASS
    assert after[rule] == FAIL


def test_properties_the_window_cannot_show_are_not_applicable_rather_than_passed(busy_frames):
    config, frames = busy_frames
    verdicts = {p.name: p.verdict for p in score(config, frames)}
    assert verdicts["summer lull"] == verdicts["Black Friday"] == NA


# The command ------------------------------------------------------------------------------------------


def test_ecom_realism_prints_json_with_every_column_and_exits_0_when_nothing_fails():
    result = CliRunner().invoke(
        main, ["realism", "--scale", "small", "--start", "2026-01-01", "--end", "2026-01-20", "--json"]
    )
    report = json.loads(result.stdout)
    assert report["dataset"].startswith("2026-01-01 .. 2026-01-20  seed=42 scale=small")
    columns = {"name", "target", "source", "measured", "tolerance", "verdict", "value"}
    assert all(set(p) == columns for p in report["properties"])
    verdicts = {p["verdict"] for p in report["properties"]}
    assert result.exit_code == (1 if FAIL in verdicts else 0)
    assert FAIL not in verdicts


def test_ecom_realism_exits_1_naming_the_failure_when_a_property_is_outside_its_tolerance():
    args = ["realism", "--scale", "small", "--end", "2026-01-20", "--anomalies", "null_emails=0.3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "email patterns" in result.stdout
    assert "a property is outside its tolerance" in result.stderr


def test_ecom_realism_from_a_generated_folder_equals_the_scorecard_generated_in_memory(tmp_path: Path):
    window = ["--start", "2026-01-01", "--end", "2026-01-25", "--seed", "5", "--weekday-profile", "published"]
    generated = CliRunner().invoke(main, ["generate", *window, "--out", str(tmp_path)])
    assert generated.exit_code == 0, generated.output
    from_folder = CliRunner().invoke(main, ["realism", "--from", str(tmp_path), "--json"])
    in_memory = CliRunner().invoke(main, ["realism", *window, "--json"])
    assert from_folder.exit_code == in_memory.exit_code
    assert json.loads(from_folder.stdout)["properties"] == json.loads(in_memory.stdout)["properties"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--weekday-profile", "sundays"], "--weekday-profile=sundays"),
        (["--scenario", "cyber_apocalypse"], "--scenario=cyber_apocalypse"),
        (["--from", "/nonexistent/folder"], "/nonexistent/folder"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_value(args, named):
    result = CliRunner().invoke(main, ["realism", *args])
    assert result.exit_code == 2
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_variables_choose_the_weekday_profile_and_the_scenario(monkeypatch):
    monkeypatch.setenv("ECOM_WEEKDAY_PROFILE", "published")
    monkeypatch.setenv("ECOM_SCENARIO", "black_friday_load_test")
    result = CliRunner().invoke(main, ["realism", "--scale", "small", "--end", "2026-01-05", "--json"])
    assert "weekday_profile=published scenario=black_friday_load_test" in json.loads(result.stdout)["dataset"]
