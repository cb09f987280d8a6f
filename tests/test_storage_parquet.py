"""Publishing a day's tables as hive-style Parquet: documented paths, atomic on failure, nothing left behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from ecom_pipeline.storage import parquet as storage
from ecom_pipeline.storage.parquet import (
    STAGING_PREFIX,
    WrittenFile,
    check_writable,
    part_name,
    partition_dir,
    publish_day,
)

DAY = dt.date(2026, 1, 3)
META = {"ecom.contract_version": "1.0.0", "ecom.seed": "42", "ecom.chunk": "0", "ecom.chunks": "1"}


@pytest.fixture(autouse=True)
def _no_ecom_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


def day_frames(offset: int = 0) -> dict[str, pl.DataFrame]:
    """Four small tables of different shapes, one of them empty; `offset` changes every value."""
    return {
        "customers": pl.DataFrame({"customer_id": [f"c{i + offset}" for i in range(5)], "age": [30 + offset] * 5}),
        "orders": pl.DataFrame({"order_id": [f"o{i + offset}" for i in range(3)], "total": [1.5 + offset] * 3}),
        "payments": pl.DataFrame({"payment_id": [f"p{offset}"], "amount": [9.99 + offset]}),
        "shipments": pl.DataFrame(schema={"shipment_id": pl.String, "shipped_at": pl.Datetime("us", "UTC")}),
    }


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def sha256_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def staging_leftovers(root: Path) -> list[Path]:
    return list(root.rglob(f"{STAGING_PREFIX}*"))


class WriteFailedError(RuntimeError):
    pass


class ExplodingFrame(pl.DataFrame):
    """A frame that looks fine until it is written."""

    def write_parquet(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise WriteFailedError("disk on fire")


def fail_on_nth_write(monkeypatch: pytest.MonkeyPatch, n: int) -> list[Path]:
    """Make the n-th call (1-based) of `write_frame` raise; return the paths it was asked to write."""
    real = storage.write_frame
    calls: list[Path] = []

    def write_frame(path: Path, frame: pl.DataFrame, metadata: Mapping[str, str]) -> None:
        calls.append(path)
        if len(calls) == n:
            raise WriteFailedError(f"write {n} failed")
        real(path, frame, metadata)

    monkeypatch.setattr(storage, "write_frame", write_frame)
    return calls


# ------------------------------------------------------------------------------------------ layout


def test_partition_paths_are_hive_style_with_the_chunk_as_a_five_digit_part_number(tmp_path: Path) -> None:
    assert partition_dir(tmp_path, "orders", DAY) == tmp_path / "orders" / "date=2026-01-03"
    assert part_name(0) == "part-00000.parquet"
    assert part_name(7) == "part-00007.parquet"
    assert part_name(12345) == "part-12345.parquet"


def test_publish_day_writes_each_table_at_its_documented_path_with_matching_row_counts(tmp_path: Path) -> None:
    frames = day_frames()
    written = publish_day(tmp_path, DAY, 4, frames, META)
    assert [w.table for w in written] == list(frames)
    for w in written:
        assert isinstance(w, WrittenFile)
        assert w.path == tmp_path / w.table / "date=2026-01-03" / "part-00004.parquet"
        assert w.day == DAY
        assert w.path.is_file()
        assert w.rows == frames[w.table].height == pl.read_parquet(w.path).height
        assert w.bytes == w.path.stat().st_size
        assert pl.read_parquet(w.path).equals(frames[w.table])
    assert parquet_files(tmp_path) == sorted(w.path for w in written)


def test_publish_day_accepts_a_lazy_stream_of_tables(tmp_path: Path) -> None:
    frames = day_frames()

    def stream() -> Iterator[tuple[str, pl.DataFrame]]:
        yield from frames.items()

    written = publish_day(tmp_path, DAY, 0, stream(), META)
    assert {w.table: w.rows for w in written} == {t: f.height for t, f in frames.items()}


def test_an_empty_table_still_gets_a_file_with_its_schema(tmp_path: Path) -> None:
    frames = day_frames()
    publish_day(tmp_path, DAY, 0, frames, META)
    empty = pl.read_parquet(tmp_path / "shipments" / "date=2026-01-03" / "part-00000.parquet")
    assert empty.height == 0
    assert empty.schema == frames["shipments"].schema


def test_staging_folders_are_gone_after_publishing(tmp_path: Path) -> None:
    publish_day(tmp_path, DAY, 0, day_frames(), META)
    assert staging_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(day_frames())


def test_files_are_zstd_and_carry_the_metadata_plus_their_table_and_date(tmp_path: Path) -> None:
    for w in publish_day(tmp_path, DAY, 0, day_frames(), META):
        parquet = pq.ParquetFile(w.path)
        kv = {k.decode(): v.decode() for k, v in (parquet.metadata.metadata or {}).items()}
        assert {k: kv[k] for k in META} == META
        assert kv["ecom.table"] == w.table
        assert kv["ecom.date"] == "2026-01-03"
        if parquet.metadata.num_rows:
            assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"


def test_the_date_is_not_added_as_a_column(tmp_path: Path) -> None:
    for w in publish_day(tmp_path, DAY, 0, day_frames(), META):
        assert "date" not in pl.read_parquet_schema(w.path)


def test_chunks_of_the_same_day_sit_side_by_side(tmp_path: Path) -> None:
    publish_day(tmp_path, DAY, 0, day_frames(0), META)
    publish_day(tmp_path, DAY, 1, day_frames(100), META)
    assert sorted(p.name for p in (tmp_path / "orders" / "date=2026-01-03").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]


def test_publishing_the_same_day_again_replaces_its_files(tmp_path: Path) -> None:
    publish_day(tmp_path, DAY, 0, day_frames(0), META)
    publish_day(tmp_path, DAY, 0, day_frames(100), META)
    orders = pl.read_parquet(tmp_path / "orders" / "date=2026-01-03" / "part-00000.parquet")
    assert orders.equals(day_frames(100)["orders"])
    assert staging_leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------ failures


def test_when_the_third_table_fails_to_write_no_file_of_the_day_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = fail_on_nth_write(monkeypatch, 3)
    with pytest.raises(WriteFailedError):
        publish_day(tmp_path, DAY, 0, day_frames(), META)
    assert len(calls) >= 3
    assert parquet_files(tmp_path) == []
    assert staging_leftovers(tmp_path) == []


def test_a_frame_whose_write_raises_publishes_nothing_and_leaves_no_staging(tmp_path: Path) -> None:
    frames: dict[str, pl.DataFrame] = dict(day_frames())
    frames["payments"] = ExplodingFrame({"payment_id": ["p0"]})
    with pytest.raises(WriteFailedError, match="disk on fire"):
        publish_day(tmp_path, DAY, 0, frames, META)
    assert parquet_files(tmp_path) == []
    assert staging_leftovers(tmp_path) == []


def test_a_value_that_is_not_a_frame_publishes_nothing_and_leaves_no_staging(tmp_path: Path) -> None:
    frames: dict[str, object] = dict(day_frames())
    frames["payments"] = {"payment_id": ["p0"]}
    with pytest.raises((AttributeError, TypeError)):
        publish_day(tmp_path, DAY, 0, frames, META)  # type: ignore[arg-type]
    assert parquet_files(tmp_path) == []
    assert staging_leftovers(tmp_path) == []


def test_a_stream_that_breaks_midway_publishes_nothing_and_leaves_no_staging(tmp_path: Path) -> None:
    def stream() -> Iterator[tuple[str, pl.DataFrame]]:
        frames = day_frames()
        yield "customers", frames["customers"]
        yield "orders", frames["orders"]
        raise WriteFailedError("generator broke")

    with pytest.raises(WriteFailedError, match="generator broke"):
        publish_day(tmp_path, DAY, 0, stream(), META)
    assert parquet_files(tmp_path) == []
    assert staging_leftovers(tmp_path) == []


@pytest.mark.parametrize("failing_write", [1, 3, 4])
def test_a_failed_rewrite_leaves_the_previously_published_day_byte_for_byte_unchanged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failing_write: int
) -> None:
    publish_day(tmp_path, DAY, 0, day_frames(0), META)
    before = sha256_tree(tmp_path)
    fail_on_nth_write(monkeypatch, failing_write)
    with pytest.raises(WriteFailedError):
        publish_day(tmp_path, DAY, 0, day_frames(100), {**META, "ecom.seed": "43"})
    assert sha256_tree(tmp_path) == before
    assert staging_leftovers(tmp_path) == []


def test_a_failed_write_of_one_day_does_not_touch_other_days(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    publish_day(tmp_path, DAY, 0, day_frames(0), META)
    before = sha256_tree(tmp_path)
    fail_on_nth_write(monkeypatch, 2)
    with pytest.raises(WriteFailedError):
        publish_day(tmp_path, DAY + dt.timedelta(days=1), 0, day_frames(1), META)
    assert sha256_tree(tmp_path) == before
    assert not any(tmp_path.rglob("date=2026-01-04/*"))


def test_when_a_later_partition_cannot_be_created_no_file_of_the_day_is_published(tmp_path: Path) -> None:
    blocked = partition_dir(tmp_path, "payments", DAY)
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the partition folder should go")
    with pytest.raises(OSError):
        publish_day(tmp_path, DAY, 0, day_frames(), META)
    assert parquet_files(tmp_path) == []
    assert staging_leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------- check_writable


def test_check_writable_creates_a_missing_folder_and_leaves_no_probe(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "lake"
    check_writable(root)
    assert root.is_dir()
    assert list(root.iterdir()) == []


def test_check_writable_raises_oserror_for_a_path_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(OSError):
        check_writable(blocker / "out")
    assert blocker.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_check_writable_raises_oserror_when_the_path_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(OSError):
        check_writable(blocker)
    assert blocker.read_text() == "x"
