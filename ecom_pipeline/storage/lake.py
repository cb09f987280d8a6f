"""The medallion lake: bronze, silver and gold Parquet partitions with manifests, on any object store.

Layout of every layer: `<table>/date=YYYY-MM-DD/part-NNNNN.parquet` (NNNNN = chunk) plus a `_manifest.json`
written last. The manifest lists the partition's files with their rows, bytes and sha256, the schema
fingerprint and the dataset identity. This project's readers read only the files a manifest lists, so a
re-write (same names, then the manifest, then removal of unlisted files) never shows them a mix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecom_pipeline.storage.objectstore import LakeUnavailableError, ObjectStore, S3Settings, open_store
from ecom_pipeline.storage.parquet import part_name

LAYERS = ("bronze", "silver", "gold")
MANIFEST = "_manifest.json"
MANIFEST_VERSION = 1


class ManifestError(RuntimeError):
    """A partition's files do not match its manifest (missing, or different bytes)."""


def partition_prefix(table: str, day: dt.date) -> str:
    return f"{table}/date={day.isoformat()}"


def schema_fingerprint(schema: pl.Schema) -> str:
    blob = json.dumps([[name, str(dtype)] for name, dtype in schema.items()]).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def parquet_bytes(frame: pl.DataFrame, metadata: Mapping[str, str], level: int) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", compression_level=level, statistics=True, metadata=dict(metadata))
    return buffer.getvalue()


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

    def to_json(self) -> bytes:
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

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        doc = json.loads(data)
        return cls(
            table=doc["table"],
            day=dt.date.fromisoformat(doc["date"]),
            files=tuple(FileEntry(**f) for f in doc["files"]),
            schema_fingerprint=doc["schema_fingerprint"],
            dataset=doc["dataset"],
        )


class LakeLayer:
    """One layer (bucket or prefix) of the lake."""

    def __init__(self, name: str, store: ObjectStore, compression_level: int) -> None:
        self.name = name
        self.store = store
        self.compression_level = compression_level

    @property
    def url(self) -> str:
        return self.store.url

    def write_parts(
        self, table: str, day: dt.date, parts: Mapping[int, pl.DataFrame], metadata: Mapping[str, str]
    ) -> list[FileEntry]:
        """Write chunk files (one PUT each, fixed names). Invisible to readers until a manifest lists them."""
        entries = []
        prefix = partition_prefix(table, day)
        for chunk, frame in sorted(parts.items()):
            meta = {**metadata, "ecom.table": table, "ecom.date": day.isoformat(), "ecom.chunk": str(chunk)}
            data = parquet_bytes(frame, meta, self.compression_level)
            name = part_name(chunk)
            self.store.put(f"{prefix}/{name}", data)
            entries.append(FileEntry(name, chunk, frame.height, len(data), hashlib.sha256(data).hexdigest()))
        return entries

    def publish(
        self, table: str, day: dt.date, entries: Iterable[FileEntry], schema: pl.Schema, dataset: Mapping[str, str]
    ) -> Manifest:
        """Write the manifest last, then remove files of the partition that it does not list."""
        manifest = Manifest(
            table, day, tuple(sorted(entries, key=lambda e: e.chunk)), schema_fingerprint(schema), dict(dataset)
        )
        prefix = partition_prefix(table, day)
        self.store.put(f"{prefix}/{MANIFEST}", manifest.to_json())
        listed = {f"{prefix}/{f.name}" for f in manifest.files} | {f"{prefix}/{MANIFEST}"}
        self.store.delete([k for k in self.store.list(prefix) if k not in listed and not _is_inflight(k)])
        return manifest

    def write_partition(
        self, table: str, day: dt.date, frame: pl.DataFrame, dataset: Mapping[str, str], chunk: int = 0
    ) -> Manifest:
        metadata = {f"ecom.{k}": str(v) for k, v in dataset.items()}
        entries = self.write_parts(table, day, {chunk: frame}, metadata)
        return self.publish(table, day, entries, frame.schema, dataset)

    def manifest(self, table: str, day: dt.date) -> Manifest | None:
        key = f"{partition_prefix(table, day)}/{MANIFEST}"
        if not self.store.exists(key):
            return None
        return Manifest.from_json(self.store.get(key))

    def read(self, table: str, day: dt.date, *, verify: bool = True) -> pl.DataFrame:
        """The partition as its manifest lists it (chunk order).

        Files keep fixed names, so a rewrite that failed half-way can leave new bytes under an old manifest:
        checking each file's sha256 against the manifest (the default) refuses such a partition instead of
        returning a mix; re-running the write publishes it whole.
        """
        manifest = self.manifest(table, day)
        if manifest is None:
            raise ManifestError(f"{self.name}/{partition_prefix(table, day)} has no manifest")
        frames = []
        for entry in manifest.files:
            key = f"{partition_prefix(table, day)}/{entry.name}"
            if not self.store.exists(key):
                raise ManifestError(f"{self.name}/{key} is listed in its manifest but missing")
            data = self.store.get(key)
            if verify and hashlib.sha256(data).hexdigest() != entry.sha256:
                raise ManifestError(
                    f"{self.name}/{key} does not match its manifest (a rewrite did not finish): "
                    "write the partition again"
                )
            frames.append(pl.read_parquet(io.BytesIO(data)))
        return pl.concat(frames) if frames else pl.DataFrame()


def _is_inflight(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith("_") and key.endswith(".inflight")


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


# Bronze is rewritten often and read once: fast compression. Silver and gold are read many times.
_LEVELS = {"bronze": 1, "silver": 3, "gold": 3}


def resolve_lake(home: Path, environ: Mapping[str, str] | None = None) -> Lake:
    """`ECOM_LAKE_BRONZE` / `_SILVER` / `_GOLD`, else `ECOM_LAKE_URL` + `/<layer>`, else `<home>/lake/<layer>`."""
    env = os.environ if environ is None else environ
    root = env.get("ECOM_LAKE_URL") or str(home / "lake")
    s3: S3Settings | None = None
    layers = {}
    for name in LAYERS:
        url = env.get(f"ECOM_LAKE_{name.upper()}") or f"{root.rstrip('/')}/{name}"
        if url.startswith("s3://") and s3 is None:
            s3 = S3Settings.from_environment(dict(env))
        layers[name] = LakeLayer(name, open_store(url, s3), _LEVELS[name])
    return Lake(**layers)


__all__ = [
    "LAYERS",
    "MANIFEST",
    "FileEntry",
    "Lake",
    "LakeLayer",
    "LakeUnavailableError",
    "Manifest",
    "ManifestError",
    "partition_prefix",
    "resolve_lake",
]
