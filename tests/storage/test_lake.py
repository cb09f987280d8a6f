"""The medallion lake, specified from the outside: layout, manifests, atomic publish, readers and failures.

Every behaviour runs on a local folder and on S3 (moto's server over real HTTP); failures are injected on the
real HTTP path (a failing PUT, a stopped server, a closed port), never by mocking S3.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import duckdb
import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import EndpointConnectionError

from ecom_pipeline.generation import GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.settings import load_settings
from ecom_pipeline.storage.conform import to_silver
from ecom_pipeline.storage.lake import (
    LAYERS,
    MANIFEST,
    Lake,
    LakeLayer,
    LakeUnavailableError,
    Manifest,
    ManifestError,
    partition_prefix,
    resolve_lake,
    schema_fingerprint,
)
from ecom_pipeline.storage.objectstore import LocalStore, S3Settings, S3Store

CONFIG = GeneratorConfig(seed=42)
DAY1 = dt.date(2026, 1, 1)  # the epoch
DAY2 = DAY1 + dt.timedelta(days=1)
IDENTITY = dataset_identity(CONFIG, pii="full")
AWS_TEST_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def split(frame: pl.DataFrame, n: int) -> dict[int, pl.DataFrame]:
    """`n` consecutive slices of a frame, keyed by chunk number."""
    size = -(-frame.height // n)
    return {i: frame.slice(i * size, size) for i in range(n)}


def write(layer: LakeLayer, table: str, day: dt.date, parts: dict[int, pl.DataFrame]) -> Manifest:
    """A partition of several chunks, the way a chunked run writes it: parts, the manifest, then the day commit."""
    metadata = {f"ecom.{k}": v for k, v in IDENTITY.items()}
    entries = layer.write_parts(table, day, parts, metadata)
    manifest = layer.publish(table, day, entries, next(iter(parts.values())).schema, IDENTITY)
    layer.commit_day(day, [manifest], keep_other_tables=True)
    return manifest


def partition_keys(layer: LakeLayer, table: str, day: dt.date) -> list[str]:
    prefix = partition_prefix(table, day)
    return [key.removeprefix(prefix + "/") for key in layer.store.list(prefix)]


@pytest.fixture(scope="module")
def frames() -> dict[dt.date, dict[str, pl.DataFrame]]:
    """Every table of the epoch day and the next one (small scale, seed 42)."""
    return {day: generate_day(CONFIG, day) for day in (DAY1, DAY2)}


@pytest.fixture(autouse=True)
def _no_ecom_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def s3_lake(s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lake:
    """A lake under one S3 root, resolved from the environment the way the CLI resolves it."""
    monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{s3_bucket}/lake")
    return resolve_lake(tmp_path / "home")


@pytest.fixture(params=["local", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    """The same lake on a local folder (the default under the home) and on S3."""
    if request.param == "s3":
        return request.getfixturevalue("s3_lake")
    return resolve_lake(tmp_path / "home")


# --- layout and manifests ------------------------------------------------------------------------------------


def test_a_partition_is_written_as_numbered_zstd_parts_followed_by_a_manifest(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    customers = frames[DAY1]["customers"]
    parts = split(customers, 3)

    manifest = write(lake.silver, "customers", DAY1, parts)

    assert partition_keys(lake.silver, "customers", DAY1) == [
        MANIFEST,
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    doc = json.loads(lake.silver.store.get(f"customers/date=2026-01-01/{MANIFEST}"))
    assert doc["table"] == "customers"
    assert doc["date"] == "2026-01-01"
    assert doc["rows"] == customers.height == manifest.rows
    assert doc["schema_fingerprint"] == schema_fingerprint(customers.schema)
    assert doc["dataset"] == IDENTITY
    assert [(f["name"], f["chunk"], f["rows"]) for f in doc["files"]] == [
        (f"part-{i:05d}.parquet", i, parts[i].height) for i in range(3)
    ]
    for entry in doc["files"]:
        data = lake.silver.store.get(f"customers/date=2026-01-01/{entry['name']}")
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        parquet = pq.ParquetFile(io.BytesIO(data))
        assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
        footer = {k.decode(): v.decode() for k, v in parquet.metadata.metadata.items()}
        assert footer["ecom.table"] == "customers"
        assert footer["ecom.date"] == "2026-01-01"
        assert footer["ecom.chunk"] == str(entry["chunk"])
        assert footer["ecom.seed"] == "42"


def test_the_manifest_then_the_day_commit_are_the_last_objects_written(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    class Recording:
        def __init__(self, inner: Any) -> None:
            self.inner, self.puts = inner, []

        def put(self, key: str, data: bytes) -> None:
            self.puts.append(key)
            self.inner.put(key, data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    store = Recording(lake.silver.store)
    layer = LakeLayer("silver", store, 3)  # type: ignore[arg-type]

    write(layer, "orders", DAY1, split(frames[DAY1]["orders"], 2))

    assert store.puts == [
        "orders/date=2026-01-01/part-00000.parquet",
        "orders/date=2026-01-01/part-00001.parquet",
        f"orders/date=2026-01-01/{MANIFEST}",
        "_days/date=2026-01-01.json",
    ]


def test_read_returns_only_manifested_files_in_chunk_order(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    customers = frames[DAY1]["customers"]
    parts = split(customers, 3)
    write(lake.silver, "customers", DAY1, {2: parts[2], 0: parts[0], 1: parts[1]})
    stray = pl.DataFrame(customers.head(1))
    buffer = io.BytesIO()
    stray.write_parquet(buffer)
    lake.silver.store.put("customers/date=2026-01-01/part-00007.parquet", buffer.getvalue())  # no manifest lists it

    assert lake.silver.read("customers", DAY1).equals(customers)
    assert lake.silver.read("customers", DAY1, verify=True).equals(customers)


def test_rewriting_a_partition_with_fewer_chunks_removes_the_parts_the_new_manifest_does_not_list(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    customers = frames[DAY1]["customers"]
    write(lake.bronze, "customers", DAY1, split(customers, 3))

    manifest = write(lake.bronze, "customers", DAY1, {0: customers})

    assert partition_keys(lake.bronze, "customers", DAY1) == [MANIFEST, "part-00000.parquet"]
    assert [f.name for f in manifest.files] == ["part-00000.parquet"]
    assert [f.name for f in lake.bronze.manifest("customers", DAY1).files] == ["part-00000.parquet"]
    assert lake.bronze.read("customers", DAY1, verify=True).equals(customers)


def test_a_tampered_part_is_refused_unless_verification_is_turned_off(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    orders = frames[DAY1]["orders"]
    write(lake.silver, "orders", DAY1, split(orders, 2))
    forged = io.BytesIO()
    frames[DAY2]["orders"].write_parquet(forged, compression="zstd")
    lake.silver.store.put("orders/date=2026-01-01/part-00001.parquet", forged.getvalue())

    lake.silver.read("orders", DAY1, verify=False)  # opting out skips the check
    with pytest.raises(ManifestError, match=r"orders/date=2026-01-01/part-00001\.parquet"):
        lake.silver.read("orders", DAY1)


def test_a_partition_without_a_manifest_is_not_readable_even_when_its_parts_exist(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake.silver.write_parts("orders", DAY1, split(frames[DAY1]["orders"], 2), {})

    assert partition_keys(lake.silver, "orders", DAY1) == ["part-00000.parquet", "part-00001.parquet"]
    assert lake.silver.manifest("orders", DAY1) is None
    with pytest.raises(ManifestError, match=r"silver/orders/date=2026-01-01 has no manifest"):
        lake.silver.read("orders", DAY1)


def test_a_manifested_part_that_went_missing_is_reported_as_a_manifest_error(
    lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    write(lake.silver, "orders", DAY1, split(frames[DAY1]["orders"], 2))
    lake.silver.store.delete(["orders/date=2026-01-01/part-00001.parquet"])

    with pytest.raises(ManifestError, match=r"part-00001\.parquet"):
        lake.silver.read("orders", DAY1, verify=True)


# --- the lake as one dataset for polars, DuckDB and pyarrow ----------------------------------------------------


@pytest.fixture
def two_days_of_orders(lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]]) -> pl.DataFrame:
    """Orders of both days in silver (the first in two chunks), manifests included; the rows expected."""
    write(lake.silver, "orders", DAY1, split(frames[DAY1]["orders"], 2))
    write(lake.silver, "orders", DAY2, {0: frames[DAY2]["orders"]})
    return pl.concat([frames[day]["orders"].with_columns(date=pl.lit(day)) for day in (DAY1, DAY2)])


def orders_url(lake: Lake) -> str:
    store = lake.silver.store
    return f"{store.url}/orders" if isinstance(store, S3Store) else str(store.root / "orders")


def assert_same_orders(read: pl.DataFrame, expected: pl.DataFrame) -> None:
    read = read.with_columns(pl.col("date").cast(pl.String).str.to_date())
    key = ["date", "order_id"]
    assert read.select(key).sort(key).equals(expected.select(key).sort(key))
    assert read["total"].cast(pl.Decimal(12, 2)).sum() == expected["total"].sum()


def test_polars_reads_a_table_of_the_lake_as_one_hive_partitioned_dataset(
    lake: Lake, two_days_of_orders: pl.DataFrame
) -> None:
    options = S3Settings.from_environment().polars_storage_options() if lake.silver.url.startswith("s3") else None

    read = pl.scan_parquet(f"{orders_url(lake)}/**/*.parquet", hive_partitioning=True, storage_options=options)

    assert_same_orders(read.collect(), two_days_of_orders)


def test_pyarrow_reads_a_table_of_the_lake_as_one_hive_partitioned_dataset(
    lake: Lake, two_days_of_orders: pl.DataFrame
) -> None:
    if lake.silver.url.startswith("s3"):
        path = orders_url(lake).removeprefix("s3://")
        dataset = pads.dataset(
            path, format="parquet", partitioning="hive", filesystem=S3Settings.from_environment().pyarrow_filesystem()
        )
    else:
        dataset = pads.dataset(orders_url(lake), format="parquet", partitioning="hive")

    assert all(f.endswith(".parquet") for f in dataset.files)
    assert_same_orders(pl.from_arrow(dataset.to_table()), two_days_of_orders)


def duckdb_connection(lake: Lake) -> duckdb.DuckDBPyConnection:
    """Local: plain DuckDB. S3: httpfs configured from the standard AWS settings (skipped if not installed)."""
    con = duckdb.connect()
    if not lake.silver.url.startswith("s3"):
        return con
    con.execute("SET autoinstall_known_extensions = false")
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error as exc:
        pytest.skip(f"DuckDB's httpfs extension is not installed and cannot be fetched offline: {exc}")
    s3 = S3Settings.from_environment()
    endpoint = s3.endpoint_url.split("://", 1)[1]
    for setting, value in (
        ("s3_endpoint", endpoint),
        ("s3_url_style", "path"),
        ("s3_use_ssl", "false"),
        ("s3_access_key_id", s3.access_key_id),
        ("s3_secret_access_key", s3.secret_access_key),
        ("s3_region", s3.region),
    ):
        con.execute(f"SET {setting} = '{value}'")
    return con


def test_duckdb_reads_a_table_of_the_lake_as_one_hive_partitioned_dataset(
    lake: Lake, two_days_of_orders: pl.DataFrame
) -> None:
    con = duckdb_connection(lake)

    read = con.sql(f"SELECT * FROM read_parquet('{orders_url(lake)}/*/*.parquet', hive_partitioning = true)").pl()

    assert_same_orders(read, two_days_of_orders)


# --- failures on the way to S3 ----------------------------------------------------------------------------------


@pytest.fixture
def customers_rewrite(
    s3_lake: Lake, frames: dict[dt.date, dict[str, pl.DataFrame]], monkeypatch: pytest.MonkeyPatch
) -> tuple[pl.DataFrame, bytes, pl.DataFrame]:
    """Silver customers in three chunks, then a rewrite of the partition (PII now masked) whose 3rd PUT fails.

    Returns the previous frame, the previous manifest's bytes and the frame the rewrite meant to land.
    """
    silver = s3_lake.silver
    previous = frames[DAY1]["customers"]
    write(silver, "customers", DAY1, split(previous, 3))
    previous_manifest = silver.store.get(f"customers/date=2026-01-01/{MANIFEST}")
    masked = to_silver("customers", DAY1, previous, pii="masked", salt="s")

    client = silver.store._client
    real_put = client.put_object
    calls = []

    def failing_put(**kwargs: Any) -> Any:
        calls.append(kwargs["Key"])
        if len(calls) == 3:
            raise EndpointConnectionError(endpoint_url=silver.store.settings.endpoint_url)
        return real_put(**kwargs)

    monkeypatch.setattr(client, "put_object", failing_put)
    with pytest.raises(LakeUnavailableError, match=r"part-00002\.parquet"):
        write(silver, "customers", DAY1, split(masked, 3))
    assert len(calls) == 3
    return previous, previous_manifest, masked


def test_an_s3_write_failing_half_way_leaves_the_previous_manifest_and_a_rerun_writes_the_partition_whole(
    s3_lake: Lake, customers_rewrite: tuple[pl.DataFrame, bytes, pl.DataFrame]
) -> None:
    _, previous_manifest, masked = customers_rewrite
    silver = s3_lake.silver

    assert silver.store.get(f"customers/date=2026-01-01/{MANIFEST}") == previous_manifest

    manifest = write(silver, "customers", DAY1, split(masked, 3))  # the re-run (the 3rd PUT fails only once)

    assert [f.name for f in manifest.files] == [f"part-{i:05d}.parquet" for i in range(3)]
    assert silver.store.get(f"customers/date=2026-01-01/{MANIFEST}") == manifest.to_json()
    assert silver.read("customers", DAY1, verify=True).equals(masked)


def test_after_an_s3_write_failing_half_way_readers_get_an_error_never_a_mix_of_old_and_new(
    s3_lake: Lake, customers_rewrite: tuple[pl.DataFrame, bytes, pl.DataFrame]
) -> None:
    """Parts keep fixed names, so the old manifest now lists some new bytes: the sha256 check refuses them."""
    with pytest.raises(ManifestError, match=r"customers/date=2026-01-01/part-0000\d\.parquet does not match"):
        s3_lake.silver.read("customers", DAY1)


@pytest.fixture
def own_s3_server(s3_env: str) -> Iterator[tuple[list[Any], str]]:
    """A moto server of this test's own, on a free port, so the test can stop (and restart) it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    servers = [server]
    try:
        yield servers, f"http://127.0.0.1:{port}"
    finally:
        for s in servers:
            s.stop()


def test_an_endpoint_that_stops_between_the_parts_and_the_manifest_leaves_the_manifest_unchanged(
    own_s3_server: tuple[list[Any], str],
    frames: dict[dt.date, dict[str, pl.DataFrame]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.server import ThreadedMotoServer

    servers, endpoint = own_s3_server
    bucket = f"ecom-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("ECOM_LAKE_URL", f"s3://{bucket}/lake")
    silver = resolve_lake(tmp_path).silver
    write(silver, "orders", DAY1, {0: frames[DAY1]["orders"]})
    previous_manifest = silver.store.get(f"orders/date=2026-01-01/{MANIFEST}")
    entries = silver.write_parts("orders", DAY1, split(frames[DAY1]["orders"].reverse(), 2), {})

    servers.pop().stop()
    with pytest.raises(LakeUnavailableError, match=re.escape(endpoint)):
        silver.publish("orders", DAY1, entries, frames[DAY1]["orders"].schema, IDENTITY)
    restarted = ThreadedMotoServer(ip_address="127.0.0.1", port=int(endpoint.rsplit(":", 1)[1]))
    restarted.start()
    servers.append(restarted)

    assert silver.store.get(f"orders/date=2026-01-01/{MANIFEST}") == previous_manifest


def test_check_reports_an_unreachable_s3_endpoint_in_one_line_naming_it_within_ten_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for name, value in {**AWS_TEST_KEYS, "AWS_ENDPOINT_URL": endpoint, "ECOM_LAKE_URL": "s3://acme-lake/prod"}.items():
        monkeypatch.setenv(name, value)
    lake = resolve_lake(tmp_path)

    start = time.perf_counter()
    with pytest.raises(LakeUnavailableError) as excinfo:
        lake.check()
    elapsed = time.perf_counter() - start

    message = str(excinfo.value)
    assert elapsed < 10
    assert "\n" not in message
    assert endpoint in message
    assert "s3://acme-lake/prod/bronze" in message


def test_check_reports_a_missing_bucket_naming_it(s3_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_LAKE_URL", "s3://no-such-bucket-here/lake")

    with pytest.raises(LakeUnavailableError, match=r"s3://no-such-bucket-here/lake/bronze") as excinfo:
        resolve_lake(tmp_path).check()
    assert "\n" not in str(excinfo.value)


def test_check_passes_on_a_reachable_lake_and_reports_an_unwritable_local_folder(lake: Lake, tmp_path: Path) -> None:
    lake.check()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(LakeUnavailableError, match=re.escape(str(blocker))) as excinfo:
        resolve_lake(tmp_path, {"ECOM_LAKE_URL": str(blocker / "lake")}).check()
    assert "\n" not in str(excinfo.value)


# --- resolve_lake -------------------------------------------------------------------------------------------------


def test_an_s3_root_gives_three_s3_layers_under_its_prefix_with_the_standard_aws_settings(tmp_path: Path) -> None:
    environ = {**AWS_TEST_KEYS, "AWS_ENDPOINT_URL": "http://minio.test:9000", "ECOM_LAKE_URL": "s3://acme-lake/prod/"}

    lake = resolve_lake(tmp_path, environ)

    assert lake.describe() == {name: f"s3://acme-lake/prod/{name}" for name in LAYERS}
    for name in LAYERS:
        store = lake.layer(name).store
        assert isinstance(store, S3Store)
        assert (store.bucket, store.prefix) == ("acme-lake", f"prod/{name}")
        assert store.settings.endpoint_url == "http://minio.test:9000"
        assert store.settings.access_key_id == "testing"
        assert store.settings.region == "us-east-1"
    assert lake.silver.store.settings.polars_storage_options()["aws_endpoint_url"] == "http://minio.test:9000"


def test_a_bucket_root_without_prefix_puts_the_layers_at_the_top_of_the_bucket(tmp_path: Path) -> None:
    lake = resolve_lake(tmp_path, {**AWS_TEST_KEYS, "ECOM_LAKE_URL": "s3://acme-lake"})

    assert lake.describe() == {name: f"s3://acme-lake/{name}" for name in LAYERS}


def test_per_layer_variables_override_the_root(tmp_path: Path) -> None:
    environ = {
        **AWS_TEST_KEYS,
        "ECOM_LAKE_URL": "s3://acme-lake/prod",
        "ECOM_LAKE_BRONZE": "s3://acme-bronze",
        "ECOM_LAKE_GOLD": "s3://acme-gold/marts",
    }

    lake = resolve_lake(tmp_path, environ)

    assert lake.describe() == {
        "bronze": "s3://acme-bronze",
        "silver": "s3://acme-lake/prod/silver",
        "gold": "s3://acme-gold/marts",
    }
    assert (lake.bronze.store.bucket, lake.bronze.store.prefix) == ("acme-bronze", "")


def test_per_layer_variables_without_a_root_leave_the_other_layers_under_the_home(tmp_path: Path) -> None:
    lake = resolve_lake(tmp_path / "home", {**AWS_TEST_KEYS, "ECOM_LAKE_SILVER": "s3://acme-silver"})

    assert lake.describe() == {
        "bronze": (tmp_path / "home" / "lake" / "bronze").as_uri(),
        "silver": "s3://acme-silver",
        "gold": (tmp_path / "home" / "lake" / "gold").as_uri(),
    }


def test_with_no_variable_the_lake_is_local_under_the_home(
    project_home: Path, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    lake = resolve_lake(load_settings().home)  # ECOM_HOME is the project home

    for name in LAYERS:
        assert isinstance(lake.layer(name).store, LocalStore)
        assert lake.layer(name).store.root == project_home / "lake" / name
    lake.bronze.write_partition("orders", DAY1, frames[DAY1]["orders"], IDENTITY)
    assert sorted(p.name for p in (project_home / "lake" / "bronze" / "orders" / "date=2026-01-01").iterdir()) == [
        MANIFEST,
        "part-00000.parquet",
    ]


def test_the_default_home_is_dot_ecom_at_the_project_root() -> None:
    from ecom_pipeline.paths import project_root

    lake = resolve_lake(load_settings(environ={}).home, {})

    assert {name: lake.layer(name).store.root for name in LAYERS} == {
        name: project_root() / ".ecom" / "lake" / name for name in LAYERS
    }


@pytest.mark.parametrize("form", ["file URL", "plain path"])
def test_a_file_url_or_a_plain_path_roots_a_local_lake(
    form: str, tmp_path: Path, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    root = tmp_path / "shared" / "lake"
    url = root.as_uri() if form == "file URL" else str(root)

    lake = resolve_lake(tmp_path / "home", {"ECOM_LAKE_URL": url})
    lake.gold.write_partition("orders", DAY1, frames[DAY1]["orders"], IDENTITY)

    assert {name: lake.layer(name).store.root for name in LAYERS} == {name: root / name for name in LAYERS}
    assert (root / "gold" / "orders" / "date=2026-01-01" / "part-00000.parquet").is_file()
    assert (root / "gold" / "orders" / "date=2026-01-01" / MANIFEST).is_file()
    assert not (tmp_path / "home").exists()


def test_a_file_url_with_an_escaped_character_roots_the_lake_at_the_decoded_path(tmp_path: Path) -> None:
    root = tmp_path / "my lake"

    lake = resolve_lake(tmp_path, {"ECOM_LAKE_URL": root.as_uri()})  # file:///.../my%20lake

    assert lake.bronze.store.root == root / "bronze"
    assert lake.bronze.url == (root / "bronze").as_uri()


@pytest.mark.parametrize(
    "variables",
    [
        {"ECOM_LAKE_URL": "s3:///lake"},
        {"ECOM_LAKE_URL": "s3://"},
        {"ECOM_LAKE_SILVER": "s3:///silver"},
    ],
    ids=["root without bucket", "bare scheme", "layer without bucket"],
)
def test_an_s3_url_without_a_bucket_is_refused(variables: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(LakeUnavailableError, match=r"bucket|s3://") as excinfo:
        resolve_lake(tmp_path, {**AWS_TEST_KEYS, **variables})
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("url", ["gs://acme-lake/prod", "https://acme.test/lake", "ftp://acme.test/lake"])
def test_an_unknown_scheme_is_refused_naming_the_url(url: str, tmp_path: Path) -> None:
    with pytest.raises(LakeUnavailableError, match=re.escape(url)):
        resolve_lake(tmp_path, {"ECOM_LAKE_URL": url})


def test_athena_ddl_declares_every_contract_column_and_projects_the_date_partitions() -> None:
    from ecom_pipeline.generation.schemas import CONTRACTS
    from ecom_pipeline.storage.athena import athena_ddl_all

    ddl = athena_ddl_all("s3://acme/lake/silver", "shop")
    for table, contract in CONTRACTS.items():
        block = ddl.split(f"`shop`.`{table}`")[1].split(";")[0]
        for column in contract.columns:
            assert f"`{column.name}`" in block, (table, column.name)
        assert f"LOCATION 's3://acme/lake/silver/{table}/'" in block
        assert "PARTITIONED BY (`date` string)" in block
        assert "storage.location.template' = 's3://acme/lake/silver/" + table + "/date=${date}/'" in block
    assert "decimal(12,2)" in ddl and "timestamp" in ddl
