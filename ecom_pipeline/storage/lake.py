"""The medallion lake: bronze, silver and gold Parquet partitions with manifests, on any object store.

Layout of every layer (hive style, so plain globs and engines read it):

    <layer>/<table>/date=YYYY-MM-DD/part-NNNNN.parquet     the data (NNNNN = chunk)
    <layer>/<table>/date=YYYY-MM-DD/_manifest.json         the partition's files: rows, bytes, sha256, schema, dataset
    <layer>/_days/date=YYYY-MM-DD.json                      the day's commit: each table's manifest sha256
    <layer>/_dataset.json                                   the layer's dataset claim

A day is published as a whole: every table's parts, then every table's manifest, then one day commit, the
only object whose PUT makes the day visible. This project's readers (`LakeLayer.read`, `scan`,
`committed_files`) see a table of a day only when the day's commit lists it and the manifest's bytes hash to
the sha256 the commit records, read only the files that manifest lists, and verify each file's sha256: a day
killed half-way is invisible, a day being rewritten is refused (never a mix), a tampered file is refused.
A plain glob reader (`**/*.parquet`) sees every file present: files of a day not committed yet, of a rewrite in
progress, and leftovers until the next write of that partition removes them.

Every layer holds one dataset: `Lake.claim` writes `_dataset.json` with a conditional write, so of two loads of
different datasets exactly one can claim a lake; a day whose dataset disagrees with the claim is never committed.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ecom_pipeline.errors import DatasetConflictError, ManifestError
from ecom_pipeline.storage.locations import require_location
from ecom_pipeline.storage.objectstore import (
    LakeUnavailableError,
    ObjectStore,
    S3Settings,
    is_inflight,
    open_store,
)
from ecom_pipeline.storage.parquet import part_name

LAYERS = ("bronze", "silver", "gold")
MANIFEST = "_manifest.json"
MANIFEST_VERSION = 1
DAYS = "_days"
COMMIT_VERSION = 1
DATASET_CLAIM = "_dataset.json"
DATA_DOCS_PREFIX = "data_docs"  # Data Docs copied under the gold layer
_PARTITION_KEY = re.compile(r"^[^/]+/date=\d{4}-\d{2}-\d{2}/[^/]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FETCH_THREADS = 8


def partition_prefix(table: str, day: dt.date) -> str:
    return f"{table}/date={day.isoformat()}"


def commit_key(day: dt.date) -> str:
    return f"{DAYS}/date={day.isoformat()}.json"


def schema_fingerprint(schema: pl.Schema) -> str:
    blob = json.dumps([[name, str(dtype)] for name, dtype in schema.items()]).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def parquet_bytes(frame: pl.DataFrame, metadata: Mapping[str, str], level: int) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", compression_level=level, statistics=True, metadata=dict(metadata))
    return buffer.getvalue()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe_dataset(identity: Mapping[str, str]) -> str:
    """A dataset in a few words, for messages: seed, scale, epoch and, when set, PII mode and anomalies."""
    words = [f"seed {identity.get('seed')}", f"scale {identity.get('scale')}", f"epoch {identity.get('epoch')}"]
    if identity.get("pii"):
        words.append(f"pii {identity['pii']}")
    if identity.get("anomalies"):
        words.append(f"anomalies {identity['anomalies']}")
    return ", ".join(words)


def _conflict(url: str, theirs: Mapping[str, str], ours: Mapping[str, str]) -> DatasetConflictError:
    different = sorted(k for k in set(theirs) & set(ours) if theirs[k] != ours[k])
    detail = describe_dataset(theirs)
    if describe_dataset(theirs) == describe_dataset(ours):  # they differ elsewhere (config, versions)
        detail += f" ({', '.join(f'{k} {theirs[k]}' for k in different)})"
    return DatasetConflictError(
        f"the lake at {url} holds another dataset ({detail}); this run is {describe_dataset(ours)}: "
        "use --replace-dataset to clear it first, or another lake"
    )


# --- documents: strict parsing, one line naming the file when malformed ----------------------------------------


class _Doc:
    """Typed access to a JSON object read from `where`; every problem is a ManifestError naming it."""

    def __init__(self, data: bytes, where: str, remedy: str) -> None:
        self.where, self.remedy = where, remedy
        try:
            self.doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.bad(f"is not valid JSON ({exc})") from None
        if not isinstance(self.doc, dict):
            raise self.bad("is not a JSON object")

    def bad(self, what: str) -> ManifestError:
        return ManifestError(f"{self.where} {what} (altered outside ecom): {self.remedy}")

    def get(self, obj: Any, key: str, kind: type | tuple[type, ...], path: str = "") -> Any:
        if not isinstance(obj, dict) or key not in obj:
            raise self.bad(f"lacks the key {path + key!r}")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.bad(f"has {path + key!r} = {value!r}, not a {names}")
        return value

    def count(self, obj: Any, key: str, path: str = "") -> int:
        value = self.get(obj, key, int, path)
        if value < 0:
            raise self.bad(f"has a negative {path + key!r}")
        return value

    def sha(self, obj: Any, key: str, path: str = "") -> str:
        value = self.get(obj, key, str, path)
        if not _SHA256.match(value):
            raise self.bad(f"has {path + key!r} = {value!r}, not a sha256")
        return value

    def day(self, obj: Any, key: str) -> dt.date:
        value = self.get(obj, key, str)
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.bad(f"has {key!r} = {value!r}, not a date") from None

    def strings(self, obj: Any, key: str) -> dict[str, str]:
        value = self.get(obj, key, dict)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise self.bad(f"has a {key!r} that is not a map of strings")
        return dict(value)


@dataclass(frozen=True)
class FileEntry:
    name: str
    chunk: int
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    table: str
    day: dt.date
    files: tuple[FileEntry, ...]
    schema_fingerprint: str
    dataset: dict[str, str]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_json(self) -> builtins.bytes:
        doc = {
            "manifest_version": MANIFEST_VERSION,
            "table": self.table,
            "date": self.day.isoformat(),
            "rows": self.rows,
            "bytes": self.bytes,
            "schema_fingerprint": self.schema_fingerprint,
            "dataset": self.dataset,
            "files": [vars(f) for f in self.files],
        }
        return json.dumps(doc, indent=2, sort_keys=True).encode()

    @property
    def sha256(self) -> str:
        """sha256 of the manifest's bytes as written: what a day commit records."""
        return _sha256(self.to_json())

    @classmethod
    def from_json(
        cls,
        data: builtins.bytes,
        where: str = "manifest",
        table: str | None = None,
        day: dt.date | None = None,
        remedy: str = "write the partition again",
    ) -> Manifest:
        """Parse and validate a manifest; `table` and `day`, when given, are the partition it must describe."""
        d = _Doc(data, where, remedy)
        files = []
        for i, f in enumerate(d.get(d.doc, "files", list)):
            path = f"files[{i}]."
            name = d.get(f, "name", str, path)
            if "/" in name or not name.endswith(".parquet"):
                raise d.bad(f"lists {name!r}, not a Parquet file of the partition")
            files.append(
                FileEntry(
                    name,
                    d.count(f, "chunk", path),
                    d.count(f, "rows", path),
                    d.count(f, "bytes", path),
                    d.sha(f, "sha256", path),
                )
            )
        manifest = cls(
            table=d.get(d.doc, "table", str),
            day=d.day(d.doc, "date"),
            files=tuple(files),
            schema_fingerprint=d.get(d.doc, "schema_fingerprint", str),
            dataset=d.strings(d.doc, "dataset"),
        )
        if (table, day) != (None, None) and (manifest.table, manifest.day) != (table, day):
            raise d.bad(f"describes {manifest.table} of {manifest.day}, not {table} of {day}")
        return manifest


@dataclass(frozen=True)
class TableCommit:
    manifest_sha256: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class DayCommit:
    """A day as published in one layer: the sha256 of each table's manifest, all of one dataset."""

    day: dt.date
    dataset: dict[str, str]
    tables: dict[str, TableCommit]

    def to_json(self) -> bytes:
        doc = {
            "commit_version": COMMIT_VERSION,
            "date": self.day.isoformat(),
            "dataset": self.dataset,
            "tables": {t: vars(c) for t, c in sorted(self.tables.items())},
        }
        return json.dumps(doc, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, where: str, day: dt.date, remedy: str = "write the day again") -> DayCommit:
        d = _Doc(data, where, remedy)
        tables = {}
        for table, entry in d.get(d.doc, "tables", dict).items():
            path = f"tables.{table}."
            tables[table] = TableCommit(
                d.sha(entry, "manifest_sha256", path), d.count(entry, "rows", path), d.count(entry, "bytes", path)
            )
        commit = cls(day=d.day(d.doc, "date"), dataset=d.strings(d.doc, "dataset"), tables=tables)
        if commit.day != day:
            raise d.bad(f"commits {commit.day}, not {day}")
        return commit


# --- a layer ---------------------------------------------------------------------------------------------------


class LakeLayer:
    """One layer (bucket or prefix) of the lake."""

    def __init__(self, name: str, store: ObjectStore, compression_level: int) -> None:
        self.name = name
        self.store = store
        self.compression_level = compression_level

    @property
    def url(self) -> str:
        return self.store.url

    def _where(self, key: str) -> str:
        return f"{self.url}/{key}"

    # --- writing: parts, manifests, then the day commit ---

    def write_parts(
        self, table: str, day: dt.date, parts: Mapping[int, pl.DataFrame], metadata: Mapping[str, str]
    ) -> list[FileEntry]:
        """Write chunk files (one PUT each, fixed names). Invisible to readers until a day commit lists them."""
        entries = []
        prefix = partition_prefix(table, day)
        for chunk, frame in sorted(parts.items()):
            meta = {**metadata, "ecom.table": table, "ecom.date": day.isoformat(), "ecom.chunk": str(chunk)}
            data = parquet_bytes(frame, meta, self.compression_level)
            name = part_name(chunk)
            self.store.put(f"{prefix}/{name}", data)
            entries.append(FileEntry(name, chunk, frame.height, len(data), _sha256(data)))
        return entries

    def publish(
        self, table: str, day: dt.date, entries: Iterable[FileEntry], schema: pl.Schema, dataset: Mapping[str, str]
    ) -> Manifest:
        """Write the table's manifest over its parts. Readers see it once `commit_day` lists it."""
        manifest = Manifest(
            table, day, tuple(sorted(entries, key=lambda e: e.chunk)), schema_fingerprint(schema), dict(dataset)
        )
        self.store.put(f"{partition_prefix(table, day)}/{MANIFEST}", manifest.to_json())
        return manifest

    def write_table(
        self, table: str, day: dt.date, frame: pl.DataFrame, dataset: Mapping[str, str], chunk: int = 0
    ) -> Manifest:
        """One table of a day, parts and manifest, not yet committed (see `commit_day`)."""
        metadata = {f"ecom.{k}": str(v) for k, v in dataset.items()}
        entries = self.write_parts(table, day, {chunk: frame}, metadata)
        return self.publish(table, day, entries, frame.schema, dataset)

    def commit_day(
        self, day: dt.date, manifests: Mapping[str, Manifest] | Iterable[Manifest], *, keep_other_tables: bool = False
    ) -> DayCommit:
        """Publish a day: one PUT of its commit, listing each table's manifest sha256; then remove leftovers.

        Call it after every part and manifest of the day is written. The commit replaces the day's previous one:
        tables it does not list are removed, unless `keep_other_tables` keeps the previous commit's other tables
        (of the same dataset), for a layer whose tables of a day are written by separate steps (gold).
        """
        listed = list(manifests.values()) if isinstance(manifests, Mapping) else list(manifests)
        if not listed:
            raise ValueError(f"nothing to commit for {day}")
        datasets = {json.dumps(m.dataset, sort_keys=True) for m in listed}
        if len(datasets) != 1 or any(m.day != day for m in listed):
            raise ValueError(f"a day commit holds manifests of {day} and of one dataset only")
        dataset = listed[0].dataset
        self.check_claim(dataset)
        try:
            previous = self.committed_day(day)
        except ManifestError:  # a damaged commit is replaced whole; its tables' leftovers stay for globs only
            previous = None
        tables = {m.table: TableCommit(m.sha256, m.rows, m.bytes) for m in listed}
        if keep_other_tables and previous is not None and previous.dataset == dataset:
            tables = {**previous.tables, **tables}
        commit = DayCommit(day, dict(dataset), tables)
        self.store.put(commit_key(day), commit.to_json())
        dropped = set(previous.tables) - set(tables) if previous is not None else set()
        self._remove_leftovers(day, {m.table: m for m in listed}, dropped)
        return commit

    def write_day(
        self,
        day: dt.date,
        frames: Mapping[str, pl.DataFrame],
        dataset: Mapping[str, str],
        *,
        chunk: int = 0,
        keep_other_tables: bool = False,
    ) -> dict[str, Manifest]:
        """Write every table of a day (parts, then manifests), then commit the day: readers see all or nothing."""
        self.check_claim(dataset)
        manifests = {table: self.write_table(table, day, frame, dataset, chunk) for table, frame in frames.items()}
        self.commit_day(day, manifests, keep_other_tables=keep_other_tables)
        return manifests

    def write_partition(
        self, table: str, day: dt.date, frame: pl.DataFrame, dataset: Mapping[str, str], chunk: int = 0
    ) -> Manifest:
        """One table of a day, committed into the day alongside the day's other tables."""
        return self.write_day(day, {table: frame}, dataset, chunk=chunk, keep_other_tables=True)[table]

    def drop(self, table: str, day: dt.date) -> None:
        """Take a table out of a committed day: the commit without it first (readers stop seeing it), then its
        files. A day left with no table loses its commit."""
        commit = self.committed_day(day)
        if commit is None or table not in commit.tables:
            return
        remaining = {t: entry for t, entry in commit.tables.items() if t != table}
        if remaining:
            self.store.put(commit_key(day), DayCommit(day, dict(commit.dataset), remaining).to_json())
        else:
            self.store.delete([commit_key(day)])
        self.store.delete(self.store.list(partition_prefix(table, day)))

    def _remove_leftovers(self, day: dt.date, written: Mapping[str, Manifest], dropped: set[str]) -> None:
        """Files the new commit does not list: other chunks, dead writers' in-flight files, dropped tables."""
        stale = []
        for table in sorted({*written, *dropped}):
            prefix = partition_prefix(table, day)
            keep = (
                {f"{prefix}/{f.name}" for f in written[table].files} | {f"{prefix}/{MANIFEST}"}
                if table in written
                else set()
            )
            for key in self.store.list(prefix):
                if key not in keep and (not is_inflight(key) or self.store.is_stale_inflight(key)):
                    stale.append(key)
        self.store.delete(stale)

    # --- reading: committed days only ---

    def committed_day(self, day: dt.date) -> DayCommit | None:
        key = commit_key(day)
        found = self.store.get_versioned(key)
        return None if found is None else DayCommit.from_json(found[0], self._where(key), day, self._remedy(day))

    def _remedy(self, day: dt.date) -> str:
        return f"delete {self._where(commit_key(day))} to have the day written again"

    def committed_days(self) -> list[dt.date]:
        days = []
        for key in self.store.list(DAYS):
            match = re.fullmatch(rf"{DAYS}/date=(\d{{4}}-\d{{2}}-\d{{2}})\.json", key)
            if match:
                days.append(dt.date.fromisoformat(match[1]))
        return sorted(days)

    def _committed_manifest(
        self, table: str, day: dt.date, commit: DayCommit | None = None
    ) -> tuple[Manifest | None, str]:
        """The committed manifest of a table's day (under `commit`, else the day's commit read now), or None and
        why it is not readable."""
        prefix = partition_prefix(table, day)
        commit = commit or self.committed_day(day)
        if commit is None or table not in commit.tables:
            return None, f"{self._where(prefix)} has no manifest in a committed day"
        key = f"{prefix}/{MANIFEST}"
        found = self.store.get_versioned(key)
        if found is None:
            raise ManifestError(f"{self._where(key)} is missing but its day is committed: {self._remedy(day)}")
        manifest = Manifest.from_json(found[0], self._where(key), table, day, self._remedy(day))
        if _sha256(found[0]) != commit.tables[table].manifest_sha256:
            return None, (
                f"{self._where(key)} does not match its day's commit (a rewrite of the day did not finish): "
                "write the day again"
            )
        return manifest, ""

    def manifest(self, table: str, day: dt.date) -> Manifest | None:
        """The table's manifest when its day is committed and lists it as it is; None otherwise."""
        return self._committed_manifest(table, day)[0]

    def _fetch(self, key: str, entry: FileEntry, verify: bool) -> bytes:
        if not self.store.exists(key):
            raise ManifestError(f"{self._where(key)} is listed in its manifest but missing: write the day again")
        data = self.store.get(key)
        if verify and _sha256(data) != entry.sha256:
            raise ManifestError(
                f"{self._where(key)} does not match its manifest (a rewrite did not finish, or the file was "
                "altered): write the day again"
            )
        return data

    def read_manifest(self, manifest: Manifest, *, verify: bool = True) -> pl.DataFrame:
        """The files a manifest lists, committed or not: for a writer that validates a day before committing it."""
        prefix = partition_prefix(manifest.table, manifest.day)
        frames = [pl.read_parquet(io.BytesIO(self._fetch(f"{prefix}/{e.name}", e, verify))) for e in manifest.files]
        return pl.concat(frames) if frames else pl.DataFrame()

    def read(self, table: str, day: dt.date, *, verify: bool = True) -> pl.DataFrame:
        """The partition as its committed manifest lists it (chunk order).

        Files keep fixed names, so a rewrite that failed half-way can leave new bytes under an old manifest:
        checking each file's sha256 against the manifest (the default) refuses such a partition instead of
        returning a mix; re-running the write publishes it whole.
        """
        manifest, why = self._committed_manifest(table, day)
        if manifest is None:
            raise ManifestError(why)
        prefix = partition_prefix(table, day)
        frames = [pl.read_parquet(io.BytesIO(self._fetch(f"{prefix}/{e.name}", e, verify))) for e in manifest.files]
        return pl.concat(frames) if frames else pl.DataFrame()

    # --- the dataset claim ---

    def claimed(self) -> dict[str, str] | None:
        """The dataset this layer is claimed for, or None."""
        found = self.store.get_versioned(DATASET_CLAIM)
        return None if found is None else _parse_claim(found[0], self._where(DATASET_CLAIM))

    def check_claim(self, dataset: Mapping[str, str]) -> None:
        """Refuse data of another dataset: it must agree with the claim on every field it carries.

        (Bronze carries no PII mode: it is the same for both modes of a seed.)
        """
        claim = self.claimed()
        if claim is not None and any(claim.get(k) != v for k, v in dataset.items()):
            raise _conflict(self.url, claim, dataset)

    def claim(self, identity: Mapping[str, str], *, replace: bool = False) -> bool:
        """Claim the layer for a dataset; True when this call created (or took over) the claim.

        The claim is created with a conditional write, so of concurrent claimers exactly one succeeds; the others
        see its claim. `replace` clears a layer claimed for another dataset and takes the claim over, if it did
        not change meanwhile (otherwise the call fails naming the dataset that claimed it).
        """
        ours = dict(identity)
        doc = json.dumps({"dataset": ours}, indent=2, sort_keys=True).encode()
        for _ in range(3):  # a claim released between our two calls: try again, a few times
            found = self.store.get_versioned(DATASET_CLAIM)
            if found is None:
                self._check_unclaimed_days(ours, replace)
                if self.store.put_if_absent(DATASET_CLAIM, doc):
                    return True
                continue
            theirs = _parse_claim(found[0], self._where(DATASET_CLAIM))
            if theirs == ours:
                return False
            if not replace:
                raise _conflict(self.url, theirs, ours)
            self.clear()
            if self.store.replace_if_version(DATASET_CLAIM, doc, found[1]):
                return True
            raise _conflict(self.url, self.claimed() or theirs, ours)
        raise DatasetConflictError(f"the claim of the lake at {self.url} keeps changing: another load is claiming it")

    def _check_unclaimed_days(self, ours: dict[str, str], replace: bool) -> None:
        """An unclaimed layer may hold days committed without a claim: they must be of the dataset claiming it."""
        days = self.committed_days()
        commit = self.committed_day(days[0]) if days else None
        if commit is not None and any(ours.get(k) != v for k, v in commit.dataset.items()):
            if not replace:
                raise _conflict(self.url, commit.dataset, ours)
            self.clear()

    def release(self, identity: Mapping[str, str]) -> None:
        """Remove the layer's claim if it is still this dataset's."""
        if self.claimed() == dict(identity):
            self.store.delete([DATASET_CLAIM])

    def clear(self) -> None:
        """Remove every day (commits first, so readers stop seeing them at once), partition and Data Docs page."""
        keys = self.store.list("")
        self.store.delete([k for k in keys if k.startswith(f"{DAYS}/")])
        self.store.delete([k for k in keys if _PARTITION_KEY.match(k) or k.startswith(f"{DATA_DOCS_PREFIX}/")])


def _parse_claim(data: bytes, where: str) -> dict[str, str]:
    d = _Doc(data, where, "delete it to claim the lake again")
    return d.strings(d.doc, "dataset")


@dataclass(frozen=True)
class Lake:
    bronze: LakeLayer
    silver: LakeLayer
    gold: LakeLayer

    def layer(self, name: str) -> LakeLayer:
        return getattr(self, name)

    def check(self) -> None:
        for name in LAYERS:
            self.layer(name).store.check()

    def describe(self) -> dict[str, str]:
        return {name: self.layer(name).url for name in LAYERS}

    def claim(self, identity: Mapping[str, str], *, replace: bool = False) -> None:
        """Claim every layer for the dataset `identity`, before anything is written.

        Raises DatasetConflictError, naming both datasets, when a layer holds or is claimed for another dataset
        (this call then releases the claims it made). Layers are claimed in one order (bronze, silver, gold), so
        of two loads of different datasets started at once exactly one can proceed. `replace` clears the layers
        of another dataset first (every day, partition and Data Docs page) and takes their claims over.
        """
        made: list[LakeLayer] = []
        try:
            for name in LAYERS:
                layer = self.layer(name)
                if layer.claim(identity, replace=replace):
                    made.append(layer)
        except DatasetConflictError:
            for layer in made:
                layer.release(identity)
            raise


# Bronze is rewritten often and read once: fast compression. Silver and gold are read many times.
_LEVELS = {"bronze": 1, "silver": 3, "gold": 3}


def resolve_lake(home: Path, environ: Mapping[str, str] | None = None) -> Lake:
    """`ECOM_LAKE_BRONZE` / `_SILVER` / `_GOLD`, else `ECOM_LAKE_URL` + `/<layer>`, else `<home>/lake/<layer>`."""
    env = os.environ if environ is None else environ
    root = require_location(env, "ECOM_LAKE_URL") or str(home / "lake")
    s3: S3Settings | None = None
    layers = {}
    for name in LAYERS:
        url = env.get(f"ECOM_LAKE_{name.upper()}") or f"{root.rstrip('/')}/{name}"
        if url.startswith("s3://") and s3 is None:
            s3 = S3Settings.from_environment(dict(env))
        layers[name] = LakeLayer(name, open_store(url, s3), _LEVELS[name])
    return Lake(**layers)


# --- readers for users -----------------------------------------------------------------------------------------


def _open_layer(layer_url: str, s3: S3Settings | None) -> LakeLayer:
    if layer_url.startswith("s3://") and s3 is None:
        s3 = S3Settings.from_environment()
    return LakeLayer(layer_url.rstrip("/").rsplit("/", 1)[-1], open_store(layer_url, s3), 3)


def _committed(
    layer: LakeLayer, table: str, start: dt.date | None, end: dt.date | None
) -> list[tuple[dt.date, Manifest]]:
    """The committed days of a table in [start, end] with their manifests, fetched in parallel."""
    days = [d for d in layer.committed_days() if not ((start and d < start) or (end and d > end))]

    def resolve(day: dt.date) -> tuple[dt.date, Manifest] | None:
        commit = layer.committed_day(day)
        if commit is None or table not in commit.tables:
            return None
        manifest, why = layer._committed_manifest(table, day, commit)
        if manifest is None:
            raise ManifestError(why)
        return day, manifest

    with ThreadPoolExecutor(max_workers=_FETCH_THREADS) as pool:
        return [found for found in pool.map(resolve, days) if found is not None]


def committed_files(
    layer_url: str,
    table: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    s3: S3Settings | None = None,
) -> list[str]:
    """URLs of the files of a table's committed days (between `start` and `end`, inclusive), in day and chunk
    order: hand them to DuckDB, pyarrow or Spark to read committed data only (checksums are not verified)."""
    layer = _open_layer(layer_url, s3)
    root = layer.url.rstrip("/")
    return [
        f"{root}/{partition_prefix(table, day)}/{entry.name}"
        for day, manifest in _committed(layer, table, start, end)
        for entry in manifest.files
    ]


def scan(
    layer_url: str,
    table: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    verify: bool = True,
    s3: S3Settings | None = None,
) -> pl.LazyFrame:
    """A table of a lake layer as one polars LazyFrame with its `date` column, over committed days only.

    `layer_url` is a layer's URL (`s3://bucket/lake/silver`, `file:///…/silver` or a path; `ecom lake where`
    prints them); S3 settings come from the standard AWS variables unless `s3` is given. A day appears only once
    every table of it is committed, and only the files its manifest lists. With `verify` (the default) every file
    is downloaded and its sha256 checked first, so a tampered file or a rewrite in progress raises ManifestError
    instead of returning altered or mixed rows; `verify=False` scans the listed files lazily, trusting them.
    """
    layer = _open_layer(layer_url, s3)
    days = _committed(layer, table, start, end)
    if not verify:
        files = [f"{layer.url.rstrip('/')}/{partition_prefix(table, day)}/{e.name}" for day, m in days for e in m.files]
        if not files:
            return _empty(table)
        options = (
            (s3 or S3Settings.from_environment()).polars_storage_options() if layer_url.startswith("s3://") else None
        )
        return pl.scan_parquet(files, hive_partitioning=True, storage_options=options).with_columns(
            pl.col("date").cast(pl.Date)
        )
    jobs = [(day, f"{partition_prefix(table, day)}/{e.name}", e) for day, m in days for e in m.files]
    with ThreadPoolExecutor(max_workers=_FETCH_THREADS) as pool:
        blobs = list(pool.map(lambda job: layer._fetch(job[1], job[2], True), jobs))
    frames = [
        pl.read_parquet(io.BytesIO(data)).with_columns(date=pl.lit(day, dtype=pl.Date))
        for (day, _, _), data in zip(jobs, blobs, strict=True)
    ]
    return pl.concat(frames, how="vertical_relaxed").lazy() if frames else _empty(table)


def _empty(table: str) -> pl.LazyFrame:
    from ecom_pipeline.contract import CONTRACTS

    columns = CONTRACTS[table].schema if table in CONTRACTS else {}
    return pl.LazyFrame(schema={**dict(columns), "date": pl.Date})


__all__ = [
    "DATASET_CLAIM",
    "DAYS",
    "LAYERS",
    "MANIFEST",
    "DatasetConflictError",
    "DayCommit",
    "FileEntry",
    "Lake",
    "LakeLayer",
    "LakeUnavailableError",
    "Manifest",
    "ManifestError",
    "committed_files",
    "partition_prefix",
    "resolve_lake",
    "scan",
]
