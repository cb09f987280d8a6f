"""Hive-style Parquet partitions, published atomically.

Layout: `<root>/<table>/date=YYYY-MM-DD/part-NNNNN.parquet` (NNNNN = chunk). The date lives only in the
path. Files are written into a staging folder under the root and renamed into place, so a reader never
sees a half-written file and a failed run leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecom_pipeline.errors import OutputDatasetError
from ecom_pipeline.storage.objectstore import ObjectStore

STAGING_PREFIX = "_tmp-"
# Level 1 writes about 35% faster than the default 3 for files about 10% larger: bronze is written often.
ZSTD_LEVEL = 1


def partition_dir(root: Path, table: str, day: dt.date) -> Path:
    return root / table / f"date={day.isoformat()}"


def part_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


@dataclass(frozen=True, slots=True)
class WrittenFile:
    table: str
    day: dt.date
    path: Path
    rows: int
    bytes: int


def check_writable(root: Path) -> None:
    """Fail early, before any work, when the output folder cannot be created or written."""
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f"{STAGING_PREFIX}probe-{uuid.uuid4().hex}"
    probe.write_bytes(b"")
    probe.unlink()


@contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A private folder on the same file system as `root` (so renames are atomic), removed afterwards."""
    folder = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_frame(path: Path, frame: pl.DataFrame, metadata: Mapping[str, str]) -> None:
    """Encode in memory, then write the file: a full disk is then an OSError naming its cause (polars' own
    writer reports it as a Parquet format error)."""
    buffer = io.BytesIO()
    frame.write_parquet(
        buffer, compression="zstd", compression_level=ZSTD_LEVEL, statistics=True, metadata=dict(metadata)
    )
    path.write_bytes(buffer.getbuffer())


def publish_day(
    root: Path,
    day: dt.date,
    chunk: int,
    frames: Mapping[str, pl.DataFrame] | Iterable[tuple[str, pl.DataFrame]],
    metadata: Mapping[str, str],
) -> list[WrittenFile]:
    """Write every table of a day's chunk into staging, then move each file into its partition.

    Frames may arrive lazily: each is written on a background thread while the next one is generated
    (polars writes without holding the GIL), which keeps both cores busy.
    """
    items = frames.items() if isinstance(frames, Mapping) else frames
    with staging(root) as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        pending = []
        for table, frame in items:
            path = tmp / f"{table}.parquet"
            meta = {**metadata, "ecom.table": table, "ecom.date": day.isoformat()}
            pending.append((table, path, frame.height, pool.submit(write_frame, path, frame, meta)))
        staged = []
        for table, path, rows, future in pending:
            future.result()
            staged.append((table, path, rows))
        return _commit(root, day, chunk, tmp, staged)


def _commit(root: Path, day: dt.date, chunk: int, tmp: Path, staged: list[tuple[str, Path, int]]) -> list[WrittenFile]:
    """Move staged files into place, all or nothing: on any error the day's previous files come back."""
    targets = [partition_dir(root, table, day) / part_name(chunk) for table, _, _ in staged]
    for target in targets:  # every folder first, so that only renames remain to fail
        target.parent.mkdir(parents=True, exist_ok=True)
    backups: list[tuple[Path, Path]] = []
    moved: list[Path] = []
    try:
        for i, target in enumerate(targets):
            if target.exists():
                backup = tmp / f"previous-{i}.parquet"
                target.replace(backup)
                backups.append((backup, target))
        written = []
        for (table, path, rows), target in zip(staged, targets, strict=True):
            size = path.stat().st_size
            path.replace(target)
            moved.append(target)
            written.append(WrittenFile(table, day, target, rows, size))
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        for backup, target in backups:
            backup.replace(target)
        raise
    return written


# --- outputs of `ecom generate`: one dataset per folder or bucket prefix ------------------------------------------

# Footer keys that are not the dataset's identity (they differ between the files of one dataset).
_PER_FILE_KEYS = frozenset({"ecom.chunk", "ecom.chunks", "ecom.table", "ecom.date", "ecom.scale_profile"})


def dataset_of(metadata: Mapping[str, str]) -> dict[str, str]:
    """The dataset identity in a file's footer metadata (`ecom.*` keys that every file of a dataset shares)."""
    return {
        k.removeprefix("ecom."): v for k, v in metadata.items() if k.startswith("ecom.") and k not in _PER_FILE_KEYS
    }


def output_dataset(store: ObjectStore) -> dict[str, str] | None:
    """The dataset of the generated files already in an output, read from one file's footer; None when empty."""
    for key in store.list(""):
        if re.fullmatch(r"[a-z_]+/date=\d{4}-\d{2}-\d{2}/part-\d{5}\.parquet", key):
            return dataset_of(pl.read_parquet_metadata(io.BytesIO(store.get(key))))
    return None


def claim_output(store: ObjectStore, metadata: Mapping[str, str], *, replace: bool) -> None:
    """Refuse an output holding another dataset (or, with `replace`, delete its files first)."""
    theirs, ours = output_dataset(store), dataset_of(metadata)
    if theirs is None or theirs == ours:
        return
    if not replace:
        words = ", ".join(f"{k} {theirs.get(k)}" for k in ("seed", "scale", "epoch") if k in theirs)
        differ = ", ".join(sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k)))
        raise OutputDatasetError(
            f"{store.url} holds another dataset ({words}; it differs in {differ}): "
            "use --replace-dataset to overwrite it, or another --out"
        )
    store.delete([k for k in store.list("") if re.fullmatch(r"[a-z_]+/date=[^/]+/[^/]+", k)])


def publish_day_to_store(
    store: ObjectStore,
    day: dt.date,
    chunk: int,
    frames: Mapping[str, pl.DataFrame] | Iterable[tuple[str, pl.DataFrame]],
    metadata: Mapping[str, str],
) -> list[WrittenFile]:
    """Every table of a day's chunk to an object store (S3): one PUT per file, so a reader never sees half a file."""
    written = []
    items = frames.items() if isinstance(frames, Mapping) else frames
    for table, frame in items:
        buffer = io.BytesIO()
        meta = {**metadata, "ecom.table": table, "ecom.date": day.isoformat()}
        frame.write_parquet(buffer, compression="zstd", compression_level=ZSTD_LEVEL, statistics=True, metadata=meta)
        key = f"{table}/date={day.isoformat()}/{part_name(chunk)}"
        store.put(key, buffer.getvalue())
        written.append(WrittenFile(table, day, Path(key), frame.height, buffer.getbuffer().nbytes))
    return written
