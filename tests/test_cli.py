"""The `ecom` command line, specified from the outside: flags, variables, files, exit codes and bytes.

Most runs are in-process through click's `CliRunner` (fast); determinism across processes and one error
case go through a real `python -m ecom_pipeline.cli` subprocess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from ecom_pipeline import __version__
from ecom_pipeline.cli import main
from ecom_pipeline.generation.schemas import CONTRACT_VERSION, CONTRACTS

TABLES = (
    "categories",
    "products",
    "customers",
    "addresses",
    "orders",
    "order_items",
    "order_status_history",
    "payments",
    "shipments",
)
START, END = "2026-01-01", "2026-01-02"
DAYS = ("2026-01-01", "2026-01-02")
METADATA_KEYS = (
    "ecom.contract_version",
    "ecom.seed",
    "ecom.scale",
    "ecom.epoch",
    "ecom.generator_version",
    "ecom.table",
    "ecom.date",
    "ecom.chunk",
    "ecom.chunks",
)
PART_PATH = re.compile(r"^(?P<table>[a-z_]+)/date=(?P<date>\d{4}-\d{2}-\d{2})/part-(?P<chunk>\d{5})\.parquet$")


# --------------------------------------------------------------------------------------------- helpers


def _clear_ecom_env(mp: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ECOM_"):
            mp.delenv(name)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ECOM_* variable leaks in from the outside, and a default `.ecom` home lands in tmp, not the repo."""
    _clear_ecom_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


def ecom(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def ecom_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def generate(out: Path, *extra: str, start: str = START, end: str = END) -> Result:
    result = ecom("generate", "--start", start, "--end", end, "--scale", "small", "--out", out, *extra)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def sha256_tree(root: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((root / rel).read_bytes()).hexdigest() for rel in files_under(root)}


def staging_leftovers(root: Path) -> list[Path]:
    return list(root.rglob("_tmp-*")) if root.exists() else []


def footer(path: Path) -> dict[str, str]:
    raw = pq.read_metadata(path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items()}


def summary_rows(stdout: str) -> dict[str, int]:
    """Rows per table as printed in the summary table (first two cells of each line)."""
    rows = {}
    for line in stdout.splitlines():
        cells = re.findall(r"[\w,.]+", line)
        if len(cells) >= 2 and cells[0] in TABLES:
            rows[cells[0]] = int(cells[1].replace(",", ""))
    return rows


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """Two small days, seed 42, no chunks: generated once and shared read-only by many tests."""
    out = tmp_path_factory.mktemp("baseline") / "bronze"
    with pytest.MonkeyPatch.context() as mp:
        _clear_ecom_env(mp)
        result = ecom("generate", "--start", START, "--end", END, "--scale", "small", "--seed", "42", "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    yield out, result


# ------------------------------------------------------------------------------------------ the layout


def test_generate_writes_one_hive_partition_file_per_table_and_day(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    expected = sorted(f"{t}/date={d}/part-00000.parquet" for t in TABLES for d in DAYS)
    assert files_under(out) == expected
    for rel in expected:
        assert PART_PATH.match(rel)


def test_generate_leaves_no_staging_folders_behind(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    assert staging_leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)


def test_every_file_is_zstd_compressed_parquet(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    for rel in files_under(out):
        meta = pq.ParquetFile(out / rel).metadata
        codecs = {
            meta.row_group(g).column(c).compression for g in range(meta.num_row_groups) for c in range(meta.num_columns)
        }
        assert codecs <= {"ZSTD"}, (rel, codecs)


def test_the_date_is_only_in_the_path_never_a_column_in_the_file(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    for rel in files_under(out):
        assert "date" not in pl.read_parquet_schema(out / rel), rel


def test_every_file_holds_exactly_the_contract_columns_and_types(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    for rel in files_under(out):
        table = rel.split("/")[0]
        assert pl.read_parquet_schema(out / rel) == dict(CONTRACTS[table].schema), rel


def test_a_day_without_rows_for_a_table_still_gets_an_empty_file(baseline: tuple[Path, Result]) -> None:
    # The category tree is created once, in the epoch's partition: the second day has none.
    out, _ = baseline
    empty = out / "categories" / "date=2026-01-02" / "part-00000.parquet"
    assert empty.is_file()
    frame = pl.read_parquet(empty)
    assert frame.height == 0
    assert frame.schema == CONTRACTS["categories"].schema
    assert pl.read_parquet(out / "categories" / "date=2026-01-01" / "part-00000.parquet").height > 0


def test_every_file_records_the_contract_version_and_dataset_identity(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    for rel in files_under(out):
        match = PART_PATH.match(rel)
        assert match
        meta = footer(out / rel)
        missing = [k for k in METADATA_KEYS if k not in meta]
        assert not missing, (rel, missing)
        assert meta["ecom.contract_version"] == CONTRACT_VERSION
        assert meta["ecom.generator_version"] == __version__
        assert meta["ecom.seed"] == "42"
        assert meta["ecom.scale"] == "small"
        assert meta["ecom.epoch"] == "2026-01-01"
        assert meta["ecom.table"] == match["table"]
        assert meta["ecom.date"] == match["date"]
        assert meta["ecom.chunk"] == "0"
        assert meta["ecom.chunks"] == "1"


def test_generate_prints_a_summary_of_rows_per_table_and_seconds(baseline: tuple[Path, Result]) -> None:
    out, result = baseline
    printed = summary_rows(result.stdout)
    on_disk = {t: sum(pl.read_parquet(p).height for p in (out / t).rglob("*.parquet")) for t in TABLES}
    assert printed == on_disk
    assert re.search(r"\b\d+(\.\d+)? s\b", result.stdout), result.stdout
    assert "Traceback" not in result.output + result.stderr


def test_output_reads_as_one_hive_dataset_in_polars(baseline: tuple[Path, Result]) -> None:
    out, _ = baseline
    orders = pl.scan_parquet(f"{out}/orders/**/*.parquet", hive_partitioning=True).collect()
    assert orders.schema["date"] == pl.Date
    assert sorted(orders["date"].unique().to_list()) == [dt.date.fromisoformat(d) for d in DAYS]
    per_day = {d: pl.read_parquet(out / "orders" / f"date={d}" / "part-00000.parquet").height for d in DAYS}
    assert orders.height == sum(per_day.values())
    counts = dict(orders.group_by("date").len().iter_rows())
    assert {k.isoformat(): v for k, v in counts.items()} == {d: n for d, n in per_day.items() if n}


@pytest.mark.parametrize("table", TABLES)
def test_output_reads_as_one_hive_dataset_in_pyarrow(baseline: tuple[Path, Result], table: str) -> None:
    out, _ = baseline
    data = pads.dataset(out / table, format="parquet", partitioning="hive").to_table()
    assert "date" in data.column_names
    expected = sum(pq.read_metadata(p).num_rows for p in (out / table).rglob("*.parquet"))
    assert data.num_rows == expected
    assert set(data.column("date").to_pylist()) <= {str(d) for d in DAYS} | {dt.date.fromisoformat(d) for d in DAYS}


def test_regenerating_the_same_days_in_place_rewrites_identical_bytes(
    baseline: tuple[Path, Result], tmp_path: Path
) -> None:
    out = tmp_path / "again"
    generate(out, "--seed", "42")
    before = sha256_tree(out)
    generate(out, "--seed", "42")
    assert sha256_tree(out) == before == sha256_tree(baseline[0])
    assert staging_leftovers(out) == []


# ---------------------------------------------------------------------------------------- determinism


def test_two_processes_with_the_same_seed_write_byte_identical_files(
    baseline: tuple[Path, Result], tmp_path: Path
) -> None:
    hashes = []
    for name in ("a", "b"):
        args = ("generate", "--start", START, "--end", END, "--scale", "small", "--seed", "42")
        proc = ecom_process(*args, "--out", tmp_path / name)
        assert proc.returncode == 0, proc.stderr
        hashes.append(sha256_tree(tmp_path / name))
    assert len(hashes[0]) == len(TABLES) * len(DAYS)
    assert hashes[0] == hashes[1]
    # ...and identical to the same range generated in this process.
    assert hashes[0] == sha256_tree(baseline[0])


def test_a_different_seed_gives_different_bytes_and_different_data(
    baseline: tuple[Path, Result], tmp_path: Path
) -> None:
    out = tmp_path / "other"
    generate(out, "--seed", "43")
    ours, theirs = sha256_tree(baseline[0]), sha256_tree(out)
    assert ours.keys() == theirs.keys()
    assert all(ours[rel] != theirs[rel] for rel in ours)
    first = "orders/date=2026-01-01/part-00000.parquet"
    assert not pl.read_parquet(baseline[0] / first).equals(pl.read_parquet(out / first))
    assert footer(out / first)["ecom.seed"] == "43"


# --------------------------------------------------------------------------------------------- chunks


def test_three_chunks_concatenated_in_order_equal_the_unchunked_tables_row_for_row(
    baseline: tuple[Path, Result], tmp_path: Path
) -> None:
    whole_root = baseline[0]
    out = tmp_path / "chunked"
    for i in range(3):
        generate(out, "--seed", "42", "--chunks", "3", "--chunk", str(i))
    expected = sorted(f"{t}/date={d}/part-{i:05d}.parquet" for t in TABLES for d in DAYS for i in range(3))
    assert files_under(out) == expected
    for table in TABLES:
        for day in DAYS:
            parts = [out / table / f"date={day}" / f"part-{i:05d}.parquet" for i in range(3)]
            for i, part in enumerate(parts):
                meta = footer(part)
                assert (meta["ecom.chunk"], meta["ecom.chunks"]) == (str(i), "3")
            whole = pl.read_parquet(whole_root / table / f"date={day}" / "part-00000.parquet")
            together = pl.concat([pl.read_parquet(p) for p in parts])
            assert together.equals(whole), (table, day)


def test_the_chunk_runs_can_be_read_back_as_one_hive_dataset(baseline: tuple[Path, Result], tmp_path: Path) -> None:
    out = tmp_path / "chunked"
    for i in range(2):
        generate(out, "--seed", "42", "--chunks", "2", "--chunk", str(i), end=START)
    orders = pl.scan_parquet(f"{out}/orders/**/*.parquet", hive_partitioning=True).collect()
    whole = pl.read_parquet(baseline[0] / "orders" / f"date={START}" / "part-00000.parquet")
    assert orders.drop("date").sort("order_id").equals(whole.sort("order_id"))


# ------------------------------------------------------------------------------ settings and variables


def test_every_value_can_come_from_its_ecom_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "from-env"
    for name, value in {
        "ECOM_SEED": "7",
        "ECOM_SCALE": "small",
        "ECOM_EPOCH": "2026-03-01",
        "ECOM_START": "2026-03-02",
        "ECOM_END": "2026-03-02",
        "ECOM_OUT": str(out),
        "ECOM_CHUNKS": "2",
        "ECOM_CHUNK": "1",
        "ECOM_OPENING_CUSTOMERS": "40",
        "ECOM_SIGNUPS_PER_DAY": "3.5",
        "ECOM_OPENING_PRODUCTS": "60",
        "ECOM_LAUNCHES_PER_DAY": "0.5",
        "ECOM_ORDERS_PER_DAY": "4",
    }.items():
        monkeypatch.setenv(name, value)
    result = ecom("generate")
    assert result.exit_code == 0, result.output + result.stderr
    assert files_under(out) == sorted(f"{t}/date=2026-03-02/part-00001.parquet" for t in TABLES)
    meta = footer(out / "orders" / "date=2026-03-02" / "part-00001.parquet")
    assert (meta["ecom.seed"], meta["ecom.scale"], meta["ecom.epoch"]) == ("7", "small", "2026-03-01")
    assert (meta["ecom.chunk"], meta["ecom.chunks"]) == ("1", "2")
    profile = json.loads(meta["ecom.scale_profile"])
    assert profile["opening_customers"] == 40
    assert profile["signups_per_day"] == 3.5
    assert profile["opening_products"] == 60
    assert profile["launches_per_day"] == 0.5
    assert profile["orders_per_day"] == 4
    assert not (tmp_path / ".ecom").exists()


@pytest.mark.parametrize(
    ("variable", "env_value", "flag", "flag_value", "key"),
    [
        ("ECOM_SEED", "7", "--seed", "8", "ecom.seed"),
        ("ECOM_EPOCH", "2025-12-01", "--epoch", "2026-01-01", "ecom.epoch"),
        ("ECOM_CHUNKS", "5", "--chunks", "1", "ecom.chunks"),
    ],
)
def test_a_flag_wins_over_its_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, env_value: str, flag: str, flag_value: str, key: str
) -> None:
    monkeypatch.setenv(variable, env_value)
    out = tmp_path / "out"
    generate(out, flag, flag_value, end=START)
    assert footer(out / "orders" / f"date={START}" / "part-00000.parquet")[key] == flag_value


def test_a_valid_flag_overrides_an_invalid_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_SCALE", "galactic")
    monkeypatch.setenv("ECOM_OPENING_CUSTOMERS", "-5")
    out = tmp_path / "out"
    generate(out, "--opening-customers", "12", end=START)
    meta = footer(out / "customers" / f"date={START}" / "part-00000.parquet")
    assert meta["ecom.scale"] == "small"
    assert json.loads(meta["ecom.scale_profile"])["opening_customers"] == 12


def test_the_opening_customers_override_sets_the_epoch_day_customer_count(tmp_path: Path) -> None:
    counts = {}
    for n in (10, 30):
        out = tmp_path / f"oc{n}"
        generate(out, "--opening-customers", str(n), end=START)
        counts[n] = pl.read_parquet(out / "customers" / f"date={START}" / "part-00000.parquet").height
    # Same seed and day: the same sign-ups come on top of the opening base.
    assert counts[30] - counts[10] == 20


def test_an_invalid_variable_exits_2_naming_the_variable_and_the_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ECOM_SEED", "abc")
    out = tmp_path / "out"
    result = ecom("generate", "--out", out)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "ECOM_SEED" in lines[0]
    assert "abc" in lines[0]
    assert not out.exists()


def test_without_out_generate_writes_under_the_default_home_in_the_working_directory(tmp_path: Path) -> None:
    result = ecom("generate", "--start", START)
    assert result.exit_code == 0, result.output + result.stderr
    root = tmp_path / ".ecom" / "lake" / "bronze"
    assert files_under(root) == sorted(f"{t}/date={START}/part-00000.parquet" for t in TABLES)


# --------------------------------------------------------------------------------------------- errors


BAD_INPUT = [
    pytest.param(["--start", "2026-01-03", "--end", "2026-01-01"], ["2026-01-01"], id="end-before-start"),
    pytest.param(["--end", "2025-12-25"], ["2025-12-25"], id="end-before-default-start"),
    pytest.param(["--start", "2025-12-31"], ["2025-12-31"], id="start-before-epoch"),
    pytest.param(["--epoch", "2026-02-01", "--start", "2026-01-15"], ["2026-01-15"], id="start-before-given-epoch"),
    pytest.param(["--scale", "huge"], ["huge"], id="unknown-scale"),
    pytest.param(["--opening-customers", "-5"], ["--opening-customers", "-5"], id="negative-opening-customers"),
    pytest.param(["--orders-per-day", "-1.5"], ["--orders-per-day", "-1.5"], id="negative-orders-per-day"),
    pytest.param(["--opening-products", "0"], ["opening_products", "0"], id="catalog-too-small"),
    pytest.param(["--start", "2026-02-30"], ["2026-02-30"], id="malformed-start"),
    pytest.param(["--end", "next tuesday"], ["next tuesday"], id="malformed-end"),
    pytest.param(["--epoch", "2026/01/01"], ["2026/01/01"], id="malformed-epoch"),
    pytest.param(["--seed", "abc"], ["--seed", "abc"], id="seed-not-a-number"),
    pytest.param(["--seed", "-1"], ["--seed", "-1"], id="negative-seed"),
    pytest.param(["--seed", "1.5"], ["--seed", "1.5"], id="fractional-seed"),
    pytest.param(["--chunks", "3", "--chunk", "3"], ["chunk 3", "0..2"], id="chunk-past-the-end"),
    pytest.param(["--chunks", "3", "--chunk", "-1"], ["--chunk", "-1"], id="negative-chunk"),
    pytest.param(["--chunks", "0"], ["--chunks", "0"], id="zero-chunks"),
    pytest.param(["--chunks", "many"], ["--chunks", "many"], id="chunks-not-a-number"),
]


@pytest.mark.parametrize(("args", "named"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line_naming_the_value_and_writes_nothing(
    tmp_path: Path, args: list[str], named: list[str]
) -> None:
    out = tmp_path / "out"
    result = ecom("generate", "--out", out, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in named:
        assert needle in lines[0]
    assert result.stdout == ""
    assert not out.exists() or files_under(out) == []
    assert staging_leftovers(out) == []


def test_bad_input_leaves_an_existing_output_folder_exactly_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(out, end=START)
    before = sha256_tree(out)
    entries = sorted(p.as_posix() for p in out.rglob("*"))
    result = ecom("generate", "--out", out, "--start", START, "--chunks", "2", "--chunk", "2")
    assert result.exit_code == 2
    assert sha256_tree(out) == before
    assert sorted(p.as_posix() for p in out.rglob("*")) == entries


def test_end_before_start_exits_2_naming_the_value_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = ecom("generate", "--start", "2026-01-07", "--end", "2026-01-01", "--out", out)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "2026-01-01" in result.stderr
    assert not out.exists()


def test_an_unwritable_out_folder_exits_2_naming_it_and_leaves_nothing_behind(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder\n")
    out = blocker / "out"
    result = ecom("generate", "--start", START, "--out", out)
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(out) in lines[0]
    assert blocker.read_text() == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_an_out_path_that_is_a_file_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = ecom("generate", "--start", START, "--out", blocker)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "x"


def test_bad_input_in_a_separate_process_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = ecom_process("generate", "--start", START, "--seed", "abc", "--out", out)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "abc" in lines[0]
    assert proc.stdout == ""
    assert not out.exists()


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("flag", ["--launches-per-day", "--orders-per-day", "--signups-per-day"])
def test_an_infinite_rate_exits_2_naming_the_value_and_writes_nothing(tmp_path: Path, flag: str) -> None:
    out = tmp_path / "out"
    result = ecom("generate", "--start", START, "--out", out, flag, "inf")
    assert result.exit_code == 2
    assert "inf" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------------------------ contract, version, demo


def test_contract_prints_json_schema_with_a_version_and_one_definition_per_table() -> None:
    result = ecom("contract")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["version"] == CONTRACT_VERSION
    assert set(schema["$defs"]) == set(TABLES)
    for table in TABLES:
        assert set(schema["$defs"][table]["properties"]) == set(CONTRACTS[table].schema.names())


def test_contract_can_write_the_schema_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "contract.json"
    result = ecom("contract", "--out", target)
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["version"] == CONTRACT_VERSION


def test_version_flag_prints_the_package_version() -> None:
    result = ecom("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_the_module_runs_as_a_program() -> None:
    proc = ecom_process("--version")
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout


def test_demo_writes_the_first_week_under_the_home_set_by_ecom_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ECOM_HOME", str(home))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    result = ecom("demo")
    assert result.exit_code == 0, result.output + result.stderr
    bronze = home / "lake" / "bronze"
    week = [(dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(7)]
    assert sorted(p.name for p in (bronze / "orders").iterdir()) == [f"date={d}" for d in week]
    expected = [f"{t}/date={d}/{f}" for t in TABLES for d in week for f in ("_manifest.json", "part-00000.parquet")]
    assert files_under(bronze) == sorted(expected + [f"_days/date={d}.json" for d in week])
    assert staging_leftovers(bronze) == []
    assert not (tmp_path / ".ecom").exists()
