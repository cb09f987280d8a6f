"""A day's output is a pure function of (seed, scale, epoch, date), whatever else was generated."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecom_pipeline.generation import SCALES, TABLES, Chunk, GeneratorConfig, generate_day, generate_table, rng

EPOCH = dt.date(2026, 1, 1)


def clear_caches() -> None:
    """Forget everything memoised, as a fresh process would."""
    import functools
    import gc

    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            obj.cache_clear()


def frames_equal(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> bool:
    return a.keys() == b.keys() and all(a[t].equals(b[t]) for t in a)


def test_the_same_seed_gives_the_same_frames(small_config):
    day = dt.date(2026, 1, 20)
    first = generate_day(small_config, day)
    clear_caches()
    assert frames_equal(first, generate_day(small_config, day))


def test_a_different_seed_gives_different_data(small_config):
    day = dt.date(2026, 1, 1)
    a = generate_day(small_config, day)
    b = generate_day(dataclasses.replace(small_config, seed=43), day)
    assert not a["customers"]["email"].equals(b["customers"]["email"])
    assert not a["orders"]["order_id"].equals(b["orders"]["order_id"])


def test_a_day_generated_alone_equals_the_same_day_inside_a_range(busy_config):
    target = dt.date(2026, 1, 25)
    clear_caches()
    alone = generate_day(busy_config, target)
    clear_caches()
    inside = None
    for i in range(30):
        day = EPOCH + dt.timedelta(days=i)
        frames = generate_day(busy_config, day)
        if day == target:
            inside = frames
    assert inside is not None and frames_equal(alone, inside)


def test_days_generated_in_reverse_order_equal_days_generated_forward(small_config):
    days = [EPOCH + dt.timedelta(days=i) for i in range(0, 40, 6)]
    clear_caches()
    forward = {d: generate_day(small_config, d) for d in days}
    clear_caches()
    backward = {d: generate_day(small_config, d) for d in reversed(days)}
    assert all(frames_equal(forward[d], backward[d]) for d in days)


@pytest.mark.parametrize("day", [EPOCH, dt.date(2026, 1, 19)])
@pytest.mark.parametrize("n_chunks", [2, 3, 7])
def test_the_chunks_of_a_day_concatenate_to_the_whole_day_row_for_row(busy_config, day, n_chunks):
    whole = generate_day(busy_config, day)
    parts = [generate_day(busy_config, day, Chunk(i, n_chunks)) for i in range(n_chunks)]
    for table in TABLES:
        assert pl.concat([p[table] for p in parts]).equals(whole[table]), table


def test_a_chunk_generated_alone_equals_the_same_chunk_generated_after_others(busy_config):
    day = dt.date(2026, 1, 12)
    clear_caches()
    alone = generate_day(busy_config, day, Chunk(2, 4))
    clear_caches()
    after_others = [generate_day(busy_config, day, Chunk(i, 4)) for i in (3, 0, 1, 2)]
    assert frames_equal(alone, after_others[-1])


def test_adding_a_column_leaves_the_values_of_existing_columns_unchanged(small_config, monkeypatch):
    """A new column draws from its own key, so it cannot shift the draws of the others."""
    from ecom_pipeline.generation import daily
    from ecom_pipeline.generation.entities import customers

    day = dt.date(2026, 1, 1)
    before = generate_table(small_config, "customers", day)

    def with_loyalty_tier(config, ordinal, chunk):
        rows = chunk.rows(before.height)
        tier = rng.uniform(config.seed, "customers", "loyalty_tier", ordinal, rows)
        return customers.customers_frame(config, ordinal, chunk).with_columns(pl.Series("loyalty_tier", tier))

    monkeypatch.setitem(daily._BUILDERS, "customers", with_loyalty_tier)
    clear_caches()
    after = generate_table(small_config, "customers", day)
    assert after.columns == [*before.columns, "loyalty_tier"]
    assert after.drop("loyalty_tier").equals(before)


def test_a_columns_draws_do_not_depend_on_which_other_columns_were_drawn_first():
    rows = np.arange(1000)
    alone = rng.bits(1, "orders", "coupon", 20_000, rows)
    rng.bits(1, "orders", "something_new", 20_000, rows)
    assert np.array_equal(alone, rng.bits(1, "orders", "coupon", 20_000, rows))
    assert np.array_equal(rng.bits(1, "orders", "coupon", 20_000, rows[500:]), alone[500:])


def _hash_frames(frames: dict[str, pl.DataFrame]) -> dict[str, str]:
    out = {}
    for table, frame in frames.items():
        buf = io.BytesIO()
        frame.write_ipc(buf)
        out[table] = hashlib.sha256(buf.getvalue()).hexdigest()
    return out


def test_another_process_produces_the_same_bytes(small_config):
    script = (
        "import datetime as dt, hashlib, io, json\n"
        "from ecom_pipeline.generation import GeneratorConfig, generate_day\n"
        "frames = generate_day(GeneratorConfig(seed=42), dt.date(2026, 1, 9))\n"
        "out = {}\n"
        "for t, f in frames.items():\n"
        "    b = io.BytesIO(); f.write_ipc(b); out[t] = hashlib.sha256(b.getvalue()).hexdigest()\n"
        "print(json.dumps(out))\n"
    )
    import json

    child = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    assert child == _hash_frames(generate_day(small_config, dt.date(2026, 1, 9)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**40), offset=st.integers(0, 400), n_chunks=st.integers(2, 5))
def test_any_seed_and_day_split_into_chunks_equals_the_whole_day(seed, offset, n_chunks):
    config = GeneratorConfig(seed=seed, scale=SCALES["small"], epoch=EPOCH)
    day = EPOCH + dt.timedelta(days=offset)
    whole = generate_day(config, day)
    parts = [generate_day(config, day, Chunk(i, n_chunks)) for i in range(n_chunks)]
    for table in TABLES:
        assert pl.concat([p[table] for p in parts]).equals(whole[table]), table


def test_threaded_generation_with_split_tables_equals_sequential_generation():
    from ecom_pipeline.generation.daily import iter_day

    profile = dataclasses.replace(SCALES["small"], opening_customers=220_000)
    config = GeneratorConfig(seed=5, scale=profile, epoch=EPOCH)
    threaded = dict(iter_day(config, EPOCH, threads=2))
    clear_caches()
    assert frames_equal(threaded, generate_day(config, EPOCH))
    chunk = Chunk(1, 3)
    assert frames_equal(dict(iter_day(config, EPOCH, chunk, threads=2)), generate_day(config, EPOCH, chunk))
