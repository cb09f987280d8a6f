"""A day is published in the lake as a whole: the readers of the project's API see every table of a day or none.

Faults are real: a store whose PUTs start failing after N of them (on a local folder and on S3 over HTTP), a writer
process killed with SIGKILL between two tables' manifests, files altered on disk or in the bucket. The readers are
the project's (`LakeLayer.read`, `LakeLayer.manifest`, `scan`, `committed_files`); plain globs are shown to see
more, as the README says.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ecom_pipeline.generation import GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage.lake import (
    MANIFEST,
    DayCommit,
    Lake,
    LakeLayer,
    LakeUnavailableError,
    ManifestError,
    commit_key,
    committed_files,
    partition_prefix,
    resolve_lake,
    scan,
)
from ecom_pipeline.storage.objectstore import LocalStore, S3Settings, S3Store, inflight_name

CONFIG = GeneratorConfig(seed=42)
DAY1 = CONFIG.epoch
DAY2 = DAY1 + dt.timedelta(days=1)
IDENTITY = dataset_identity(CONFIG, pii="full")
TABLES = ("customers", "orders", "order_items", "payments")  # enough tables to fail between two of them


@pytest.fixture(scope="module")
def frames() -> dict[dt.date, dict[str, pl.DataFrame]]:
    return {day: {t: f for t, f in generate_day(CONFIG, day).items() if t in TABLES} for day in (DAY1, DAY2)}


@pytest.fixture(autouse=True)
def _no_ecom_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["local", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lake:
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{bucket}/lake")
    return resolve_lake(tmp_path / "home")


class FailingAfter:
    """The layer's store, whose PUTs fail (like a dropped endpoint or a full disk) after `allowed` of them."""

    def __init__(self, inner: Any, allowed: int) -> None:
        self.inner, self.allowed, self.puts = inner, allowed, []

    def put(self, key: str, data: bytes) -> None:
        if len(self.puts) >= self.allowed:
            raise LakeUnavailableError(f"cannot write {key} to {self.inner.url}: injected failure")
        self.puts.append(key)
        self.inner.put(key, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def failing_layer(layer: LakeLayer, allowed: int) -> tuple[LakeLayer, FailingAfter]:
    store = FailingAfter(layer.store, allowed)
    return LakeLayer(layer.name, store, layer.compression_level), store  # type: ignore[arg-type]


def glob_rows(layer: LakeLayer, table: str) -> int:
    """What the README's plain polars glob reads of a table (no manifests involved)."""
    store = layer.store
    if isinstance(store, S3Store):
        url, options = f"{store.url}/{table}/**/*.parquet", S3Settings.from_environment().polars_storage_options()
    else:
        url, options = f"{store.root}/{table}/**/*.parquet", None
    try:
        return pl.scan_parquet(url, hive_partitioning=True, storage_options=options).select(pl.len()).collect().item()
    except (FileNotFoundError, pl.exceptions.ComputeError):
        return 0


def assert_day_invisible(layer: LakeLayer, day: dt.date) -> None:
    for table in TABLES:
        assert layer.manifest(table, day) is None, table
        with pytest.raises(ManifestError, match="committed"):
            layer.read(table, day)
        assert scan(layer.url, table).filter(pl.col("date") == day).collect().height == 0, table
        assert not [f for f in committed_files(layer.url, table) if f"date={day}" in f], table
    assert layer.committed_day(day) is None


# --- a kill between two tables' manifests ---------------------------------------------------------------------


def test_a_write_failing_between_two_tables_manifests_leaves_the_day_invisible_to_every_reader_of_the_api(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake.silver.write_day(DAY1, frames[DAY1], IDENTITY)  # an earlier day, committed
    first, second = list(frames[DAY2])[:2]
    broken, store = failing_layer(lake.silver, allowed=3)  # each table's part then manifest: fails at the 2nd manifest

    with pytest.raises(LakeUnavailableError, match="injected"):
        broken.write_day(DAY2, frames[DAY2], IDENTITY)

    assert store.puts == [
        f"{partition_prefix(first, DAY2)}/part-00000.parquet",
        f"{partition_prefix(first, DAY2)}/{MANIFEST}",
        f"{partition_prefix(second, DAY2)}/part-00000.parquet",
    ]
    assert_day_invisible(lake.silver, DAY2)
    assert scan(lake.silver.url, "orders").collect().height == frames[DAY1]["orders"].height
    # A plain glob is not protected: it reads the uncommitted files of the second day too.
    assert glob_rows(lake.silver, "orders") == frames[DAY1]["orders"].height + frames[DAY2]["orders"].height


def test_a_writer_killed_with_sigkill_between_two_tables_manifests_leaves_nothing_of_the_day_readable(
    tmp_path: Path, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    root = tmp_path / "lake"
    script = textwrap.dedent(
        f"""
        import os, signal, datetime as dt
        from pathlib import Path
        from ecom_pipeline.generation import GeneratorConfig, generate_day
        from ecom_pipeline.generation.dataset import dataset_identity
        from ecom_pipeline.storage.lake import LakeLayer, MANIFEST
        from ecom_pipeline.storage.objectstore import LocalStore

        class KillAfterFirstManifest(LocalStore):
            def put(self, key, data):
                super().put(key, data)
                if key.endswith(MANIFEST):
                    os.kill(os.getpid(), signal.SIGKILL)

        config = GeneratorConfig(seed=42)
        frames = {{t: f for t, f in generate_day(config, config.epoch).items() if t in {TABLES!r}}}
        layer = LakeLayer("silver", KillAfterFirstManifest(Path({str(root)!r})), 3)
        layer.write_day(config.epoch, frames, dataset_identity(config, pii="full"))
        """
    )

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)

    assert proc.returncode == -signal.SIGKILL, proc.stderr
    layer = LakeLayer("silver", LocalStore(root), 3)
    assert (root / partition_prefix(TABLES[0], DAY1) / MANIFEST).is_file()  # the kill came after it
    assert_day_invisible(layer, DAY1)
    layer.write_day(DAY1, frames[DAY1], IDENTITY)  # the rerun publishes the day whole
    for table in TABLES:
        assert layer.read(table, DAY1).equals(frames[DAY1][table])


def test_a_rewrite_failing_half_way_is_refused_by_the_readers_never_read_as_a_mix_then_a_rerun_heals_it(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake.silver.write_day(DAY1, frames[DAY1], IDENTITY)
    rewritten = {t: f.reverse() for t, f in frames[DAY1].items()}  # other bytes, the same rows
    done, half, untouched = list(frames[DAY1])[:2], list(frames[DAY1])[2], list(frames[DAY1])[3]
    broken, _ = failing_layer(lake.silver, allowed=5)  # two tables rewritten, the third's part only

    with pytest.raises(LakeUnavailableError):
        broken.write_day(DAY1, rewritten, IDENTITY)

    for table in done:  # rewritten manifests no longer match the day's commit
        assert lake.silver.manifest(table, DAY1) is None
        with pytest.raises(ManifestError, match="does not match its day's commit"):
            scan(lake.silver.url, table).collect()
    with pytest.raises(ManifestError, match="does not match its manifest"):  # a new file under the old manifest
        lake.silver.read(half, DAY1)
    assert lake.silver.read(untouched, DAY1).equals(frames[DAY1][untouched])  # still the committed version

    lake.silver.write_day(DAY1, rewritten, IDENTITY)
    for table in TABLES:
        assert lake.silver.read(table, DAY1).equals(rewritten[table])


def test_the_day_commit_is_written_once_after_every_part_and_every_manifest(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    layer, store = failing_layer(lake.bronze, allowed=1000)

    manifests = layer.write_day(DAY1, frames[DAY1], dataset_identity(CONFIG))

    kinds = ["part" if k.endswith(".parquet") else "manifest" if k.endswith(MANIFEST) else k for k in store.puts]
    assert kinds == ["part", "manifest"] * len(TABLES) + [commit_key(DAY1)]
    commit = DayCommit.from_json(lake.bronze.store.get(commit_key(DAY1)), "commit", DAY1)
    assert {t: c.manifest_sha256 for t, c in commit.tables.items()} == {t: m.sha256 for t, m in manifests.items()}
    assert commit.dataset == dataset_identity(CONFIG)


# --- what the readers return ----------------------------------------------------------------------------------


def test_scan_reads_every_committed_day_with_its_date_and_only_the_files_the_manifests_list(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    for day in (DAY1, DAY2):
        lake.silver.write_day(day, frames[day], IDENTITY)
    stray = io.BytesIO()
    frames[DAY1]["orders"].head(3).write_parquet(stray)
    lake.silver.store.put(f"{partition_prefix('orders', DAY1)}/part-00009.parquet", stray.getvalue())

    for verify in (True, False):
        read = scan(lake.silver.url, "orders", verify=verify).collect()
        expected = pl.concat([frames[d]["orders"].with_columns(date=pl.lit(d)) for d in (DAY1, DAY2)])
        assert read.sort("order_id").equals(expected.select(read.columns).sort("order_id")), verify
        assert read.schema["date"] == pl.Date
    only_day2 = scan(lake.silver.url, "orders", start=DAY2).collect()
    assert only_day2["date"].unique().to_list() == [DAY2]
    assert len(committed_files(lake.silver.url, "orders")) == 2
    assert glob_rows(lake.silver, "orders") == expected.height + 3  # the stray file, seen by a plain glob only


@pytest.mark.parametrize("what", ["a part file", "a manifest"])
def test_a_tampered_file_is_refused_by_every_reader_of_the_api(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]], what: str
) -> None:
    lake.silver.write_day(DAY1, frames[DAY1], IDENTITY)
    prefix = partition_prefix("orders", DAY1)
    if what == "a part file":
        forged = io.BytesIO()
        frames[DAY1]["orders"].with_columns(pl.col("total") * 2).write_parquet(forged, compression="zstd")
        lake.silver.store.put(f"{prefix}/part-00000.parquet", forged.getvalue())
        message = r"orders/date=2026-01-01/part-00000\.parquet does not match its manifest"
    else:
        doc = json.loads(lake.silver.store.get(f"{prefix}/{MANIFEST}"))
        doc["files"][0]["sha256"] = "0" * 64  # a forger rewriting the manifest to match a forged file
        lake.silver.store.put(f"{prefix}/{MANIFEST}", json.dumps(doc).encode())
        message = r"orders/date=2026-01-01/_manifest\.json does not match its day's commit"

    with pytest.raises(ManifestError, match=message):
        lake.silver.read("orders", DAY1)
    with pytest.raises(ManifestError, match=message):
        scan(lake.silver.url, "orders").collect()
    assert scan(lake.silver.url, "customers").collect().height == frames[DAY1]["customers"].height


@pytest.mark.parametrize(
    ("case", "damage"),
    [
        ("truncated JSON", lambda doc, raw: raw[: len(raw) // 2]),
        ("wrong types", lambda doc, raw: json.dumps({**doc, "files": [{**doc["files"][0], "rows": "many"}]}).encode()),
        ("missing keys", lambda doc, raw: json.dumps({k: v for k, v in doc.items() if k != "files"}).encode()),
        ("another table", lambda doc, raw: json.dumps({**doc, "table": "customers"}).encode()),
        ("another day", lambda doc, raw: json.dumps({**doc, "date": "2026-01-02"}).encode()),
    ],
)
def test_a_malformed_manifest_is_one_line_naming_the_file(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]], case: str, damage: Any
) -> None:
    lake.bronze.write_day(DAY1, frames[DAY1], IDENTITY)
    key = f"{partition_prefix('orders', DAY1)}/{MANIFEST}"
    raw = lake.bronze.store.get(key)
    lake.bronze.store.put(key, damage(json.loads(raw), raw))

    with pytest.raises(ManifestError) as error:
        lake.bronze.manifest("orders", DAY1)

    message = str(error.value)
    assert "\n" not in message
    assert f"{lake.bronze.url}/{key}" in message, message


def test_a_malformed_day_commit_is_one_line_naming_it(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake.silver.write_day(DAY1, frames[DAY1], IDENTITY)
    lake.silver.store.put(commit_key(DAY1), b'{"commit_version": 1, "date": "2026-01-01", "tab')

    with pytest.raises(ManifestError, match=r"_days/date=2026-01-01\.json is not valid JSON") as error:
        lake.silver.read("orders", DAY1)
    assert "\n" not in str(error.value)


def test_a_rewrite_with_fewer_tables_drops_the_others_unless_asked_to_keep_them(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake.gold.write_day(DAY1, frames[DAY1], IDENTITY)

    lake.gold.write_day(DAY1, {"orders": frames[DAY1]["orders"]}, IDENTITY, keep_other_tables=True)
    assert all(lake.gold.manifest(t, DAY1) is not None for t in TABLES)

    lake.gold.write_day(DAY1, {"orders": frames[DAY1]["orders"]}, IDENTITY)
    assert lake.gold.manifest("orders", DAY1) is not None
    for table in set(TABLES) - {"orders"}:
        assert lake.gold.manifest(table, DAY1) is None
        assert lake.gold.store.list(partition_prefix(table, DAY1)) == []


# --- leftovers -------------------------------------------------------------------------------------------------


def test_a_killed_local_writes_inflight_file_is_removed_by_the_next_write_of_its_partition(
    tmp_path: Path, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    root = tmp_path / "lake"
    key = f"{partition_prefix('orders', DAY1)}/part-00000.parquet"
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from ecom_pipeline.storage.objectstore import LocalStore

        LocalStore(Path({str(root)!r}))._write_inflight({key!r}, b"PAR1" * 1000)
        os.kill(os.getpid(), signal.SIGKILL)  # before the rename
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    partition = root / partition_prefix("orders", DAY1)
    (dead,) = partition.glob("_*.inflight")
    layer = LakeLayer("silver", LocalStore(root), 3)
    alive = partition / inflight_name("part-00001.parquet")  # named for this process, which is running
    alive.write_bytes(b"a writer of this process, still running")

    layer.write_day(DAY1, {"orders": frames[DAY1]["orders"]}, IDENTITY)

    assert not dead.exists()
    assert alive.exists()  # a live writer's file is not touched
    assert sorted(p.name for p in partition.iterdir() if p != alive) == [MANIFEST, "part-00000.parquet"]


def test_a_full_disk_while_writing_a_local_partition_is_one_line_and_leaves_nothing_half_written(
    tmp_path: Path,
) -> None:
    root = tmp_path / "lake"
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        from ecom_pipeline.storage.objectstore import LakeUnavailableError, LocalStore

        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # files larger than 4 KiB cannot be written
        store = LocalStore(Path({str(root)!r}))
        store.put("orders/date=2026-01-01/part-00000.parquet", b"x" * 100)
        try:
            store.put("orders/date=2026-01-01/part-00001.parquet", b"x" * 10_000)
        except LakeUnavailableError as exc:
            print(exc)
            sys.exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)

    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.strip().count("\n") == 0
    assert "part-00001.parquet" in proc.stdout and "File too large" in proc.stdout
    partition = root / "orders" / "date=2026-01-01"
    assert sorted(p.name for p in partition.iterdir()) == ["part-00000.parquet"]
