"""The PostgreSQL warehouse, specified from the outside: write, audit, publish, the ledger, the guards and faults.

Every test gets a database of its own on a real PostgreSQL (`fresh_db`), migrated to head. What the warehouse
holds is read back with plain SQL (a snapshot of every row's text, `_loaded_at` included), so "exactly as it
was" means byte for byte. Faults are injected on the real server: the loader's backend is terminated with
`pg_terminate_backend` from a second connection while its COPY is in progress.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import psycopg
import pytest
from psycopg import sql

from ecom_pipeline.generation import TABLES, GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage import warehouse as warehouse_module
from ecom_pipeline.storage.digest import rows_digest
from ecom_pipeline.storage.postgres import DatabaseUnavailableError
from ecom_pipeline.storage.warehouse import FACTS, Warehouse, WarehouseError

CONFIG = GeneratorConfig(seed=42)
EPOCH = CONFIG.epoch
D1, D2, D3 = (EPOCH + dt.timedelta(days=i) for i in range(3))
IDENTITY = dataset_identity(CONFIG, pii="full")
OTHER_CONFIG = GeneratorConfig(seed=7)
OTHER_IDENTITY = dataset_identity(OTHER_CONFIG, pii="full")

Frames = dict[str, pl.DataFrame]


# --------------------------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def days() -> dict[dt.date, Frames]:
    """Every table of the first three days (small scale, seed 42), generated once."""
    return {day: generate_day(CONFIG, day) for day in (D1, D2, D3)}


@pytest.fixture
def wh(fresh_db: str) -> Warehouse:
    warehouse = Warehouse(fresh_db)
    warehouse.migrate()
    return warehouse


def query(url: str, statement: str | sql.Composable, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def table_rows(url: str, schema: str, table: str) -> list[str]:
    """Every row of a table as PostgreSQL's text of the whole row (loader columns included), sorted."""
    statement = sql.SQL("SELECT t::text FROM {} AS t ORDER BY 1").format(sql.Identifier(schema, table))
    return [r[0] for r in query(url, statement)]


def rows_but_loaded_at(url: str, table: str) -> list[str]:
    """Every row of a raw table as JSON without `_loaded_at` (wherever later migrations put it), sorted."""
    statement = sql.SQL("SELECT (to_jsonb(t) - '_loaded_at')::text FROM {} AS t ORDER BY 1").format(
        sql.Identifier("raw", table)
    )
    return [r[0] for r in query(url, statement)]


def snapshot(url: str) -> dict[str, list[str]]:
    """Everything published: every raw table, row for row, and the ledger."""
    state = {table: table_rows(url, "raw", table) for table in TABLES}
    state["_ecom_partitions"] = table_rows(url, "raw", "_ecom_partitions")
    return state


def count(url: str, schema: str, table: str, day: dt.date) -> int:
    statement = sql.SQL("SELECT count(*) FROM {} WHERE _partition_date = %s").format(sql.Identifier(schema, table))
    return query(url, statement, (day,))[0][0]


def ledger_rows(url: str) -> dict[tuple[str, dt.date], dict[str, Any]]:
    rows = query(
        url,
        "SELECT table_name, day, identity, identity_hash, rows, sha256, status, loaded_at, published_at"
        " FROM raw._ecom_partitions",
    )
    keys = ("identity", "identity_hash", "rows", "sha256", "status", "loaded_at", "published_at")
    return {(r[0], r[1]): dict(zip(keys, r[2:], strict=True)) for r in rows}


def approve(wh: Warehouse, day: dt.date) -> None:
    """Record the staged gate's verdict on a clean staged day: passed. (The gate itself, which computes the
    verdict, is specified in tests/quality/test_staged_gate.py; here it is the warehouse's input.)"""
    wh.record_check("staged", day, success=True, run_name=f"staged {day}", staged_version=wh.staged_version(day))


def passed(wh: Warehouse) -> Any:
    return lambda day: approve(wh, day)


def load_days(wh: Warehouse, days: dict[dt.date, Frames], *which: dt.date) -> None:
    for day in which:
        wh.load(day, days[day], IDENTITY, EPOCH, audit=passed(wh))


# ------------------------------------------------------------------------------------- write, audit, publish


def test_staging_copies_the_day_into_raw_stage_and_marks_it_staged_leaving_raw_empty(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    loads = wh.stage(D1, days[D1], IDENTITY, EPOCH)

    assert [load.table for load in loads] == list(TABLES)
    for table in TABLES:
        assert count(wh.url, "raw_stage", table, D1) == days[D1][table].height
        assert count(wh.url, "raw", table, D1) == 0
    ledger = ledger_rows(wh.url)
    assert set(ledger) == {(table, D1) for table in TABLES}
    for table in TABLES:
        entry = ledger[(table, D1)]
        assert entry["status"] == "staged"
        assert entry["published_at"] is None
        assert entry["rows"] == days[D1][table].height
        assert entry["sha256"] == rows_digest(table, days[D1][table])
        assert entry["identity"] == IDENTITY


def test_publishing_moves_the_staged_day_into_raw_and_marks_the_ledger_published(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    wh.stage(D1, days[D1], IDENTITY, EPOCH)
    approve(wh, D1)
    (before,) = query(wh.url, "SELECT now()")[0]

    loads = wh.publish(D1, EPOCH)

    (after,) = query(wh.url, "SELECT now()")[0]
    assert {load.table: load.rows for load in loads} == {t: days[D1][t].height for t in TABLES}
    for table in TABLES:
        assert count(wh.url, "raw", table, D1) == days[D1][table].height
        assert count(wh.url, "raw_stage", table, D1) == 0
        stamps = query(wh.url, sql.SQL("SELECT DISTINCT _loaded_at FROM {}").format(sql.Identifier("raw", table)))
        assert all(before <= s[0] <= after for s in stamps), f"raw.{table}._loaded_at is not the load's time"
    ledger = ledger_rows(wh.url)
    for table in TABLES:
        entry = ledger[(table, D1)]
        assert entry["status"] == "published"
        assert before <= entry["published_at"] <= after
        assert entry["sha256"] == rows_digest(table, days[D1][table])
        assert entry["identity_hash"] == warehouse_module.identity_hash(IDENTITY)


def test_each_fact_table_gets_one_partition_per_day_named_after_it(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    load_days(wh, days, D1, D2)

    for table in FACTS:
        partitions = query(
            wh.url,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY 1",
            (f"raw.{table}",),
        )
        assert [p[0] for p in partitions] == [f"{table}_p20260101", f"{table}_p20260102"]
        for day, part in ((D1, f"{table}_p20260101"), (D2, f"{table}_p20260102")):
            statement = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("raw", part))
            assert query(wh.url, statement)[0][0] == days[day][table].height


def test_loading_a_day_is_staging_then_publishing_it(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    loads = wh.load(D1, days[D1], IDENTITY, EPOCH, audit=passed(wh))

    assert {load.table: load.rows for load in loads} == {t: days[D1][t].height for t in TABLES}
    assert all(load.bytes > 0 for load in loads if load.rows)
    ledger = wh.ledger()
    assert ledger.height == len(TABLES)
    assert ledger["status"].unique().to_list() == ["published"]
    assert dict(zip(ledger["table_name"], ledger["rows"], strict=True)) == {t: days[D1][t].height for t in TABLES}


def test_publishing_the_same_day_twice_leaves_exactly_one_copy(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    load_days(wh, days, D1, D2)
    once = {table: rows_but_loaded_at(wh.url, table) for table in TABLES}

    wh.load(D1, days[D1], IDENTITY, EPOCH, audit=passed(wh))
    wh.stage(D2, days[D2], IDENTITY, EPOCH)
    approve(wh, D2)
    wh.publish(D2, EPOCH)

    for table in TABLES:
        for day in (D1, D2):
            assert count(wh.url, "raw", table, day) == days[day][table].height
        assert rows_but_loaded_at(wh.url, table) == once[table]  # the same rows but for `_loaded_at`
    assert len(ledger_rows(wh.url)) == 2 * len(TABLES)


def test_publishing_a_day_that_is_not_staged_is_refused_and_changes_nothing(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    load_days(wh, days, D1)
    before = snapshot(wh.url)

    with pytest.raises(WarehouseError, match=r"cannot publish 2026-01-02: it is not staged"):
        wh.publish(D2, EPOCH)
    with pytest.raises(WarehouseError, match=r"cannot publish 2026-01-01: it is not staged"):
        wh.publish(D1, EPOCH)  # already published: publishing again needs a new stage

    assert snapshot(wh.url) == before


def test_staging_sends_each_table_with_one_copy_and_never_inserts_row_by_row(
    wh: Warehouse, days: dict[dt.date, Frames], monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    executemany: list[str] = []

    def text(cursor: Any, statement: Any) -> str:
        return statement if isinstance(statement, str) else statement.as_string(cursor)

    real_execute, real_executemany, real_copy = psycopg.Cursor.execute, psycopg.Cursor.executemany, psycopg.Cursor.copy

    def spy_execute(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(text(self, statement))
        return real_execute(self, statement, *args, **kwargs)

    def spy_executemany(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        executemany.append(text(self, statement))
        return real_executemany(self, statement, *args, **kwargs)

    def spy_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(text(self, statement))
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy_execute)
    monkeypatch.setattr(psycopg.Cursor, "executemany", spy_executemany)
    monkeypatch.setattr(psycopg.Cursor, "copy", spy_copy)

    wh.stage(D1, days[D1], IDENTITY, EPOCH)

    copies = [s for s in statements if s.lstrip().upper().startswith("COPY")]
    assert len(copies) == len(TABLES)
    for table, statement in zip(TABLES, copies, strict=True):
        assert statement.startswith(f'COPY "raw_stage"."{table}" (')
        assert "FROM STDIN" in statement
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert all("_ecom_partitions" in s for s in inserts), "rows are inserted one statement at a time"
    assert executemany == []
    rows = sum(f.height for f in days[D1].values())
    assert len(statements) < 5 * len(TABLES) < rows, "the number of statements grows with the rows"


# ------------------------------------------------------------------------------------------ a range at once


def test_staging_a_range_sends_each_table_with_one_copy_and_stages_every_day_as_staging_it_alone_does(
    wh: Warehouse, days: dict[dt.date, Frames], monkeypatch: pytest.MonkeyPatch
) -> None:
    copies: list[str] = []
    real_copy = psycopg.Cursor.copy

    def spy_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        copies.append(statement if isinstance(statement, str) else statement.as_string(self))
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy_copy)

    staged = wh.stage_days(days, IDENTITY, EPOCH)

    assert len(copies) == len(TABLES)
    assert [(load.day, load.table) for load in staged.loads] == [(d, t) for d in (D1, D2, D3) for t in TABLES]
    ledger = ledger_rows(wh.url)
    for day in (D1, D2, D3):
        for table in TABLES:
            assert count(wh.url, "raw_stage", table, day) == days[day][table].height
            assert ledger[(table, day)]["status"] == "staged"
            assert ledger[(table, day)]["sha256"] == rows_digest(table, days[day][table])
    assert len({v for v in wh.staged_versions([D1, D2, D3]).values()}) == 1  # one staged version for the range


def test_a_range_is_published_in_one_transaction_or_not_at_all(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    wh.stage_days(days, IDENTITY, EPOCH)
    approve(wh, D1)
    approve(wh, D2)
    wh.record_check("staged", D3, success=False, run_name="staged", staged_version=wh.staged_version(D3))
    before = snapshot(wh.url)

    with pytest.raises(WarehouseError, match=r"cannot publish 2026-01-03: its latest staged check failed"):
        wh.publish_days([D1, D2, D3], EPOCH)
    assert snapshot(wh.url) == before

    loads = wh.publish_days([D1, D2], EPOCH)

    assert {(load.table, load.day): load.rows for load in loads} == {
        (t, d): days[d][t].height for d in (D1, D2) for t in TABLES
    }
    ledger = ledger_rows(wh.url)
    assert {ledger[(t, d)]["status"] for d in (D1, D2) for t in TABLES} == {"published"}
    assert {ledger[(t, D3)]["status"] for t in TABLES} == {"staged"}
    assert all(
        count(wh.url, "raw", t, D3) == 0 and count(wh.url, "raw_stage", t, D3) > 0 for t in TABLES if days[D3][t].height
    )


def test_unstaging_days_leaves_them_as_they_were_before_they_were_staged(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    load_days(wh, days, D1)  # published, and its verdict in the ledger
    before = snapshot(wh.url)

    staged = wh.stage_days(days, IDENTITY, EPOCH)
    wh.unstage_days([D1, D2, D3], staged.previous)

    assert snapshot(wh.url) == before
    assert all(count(wh.url, "raw_stage", t, d) == 0 for t in TABLES for d in (D1, D2, D3))


def test_recording_verdicts_of_a_range_refuses_them_all_when_a_day_was_staged_again(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    wh.stage_days({D1: days[D1], D2: days[D2]}, IDENTITY, EPOCH)
    versions = wh.staged_versions([D1, D2])
    wh.stage_days({D2: days[D2]}, IDENTITY, EPOCH)  # staged again while the range was checked
    verdicts = [
        warehouse_module.CheckVerdict(day, True, "staged", [], {}, staged_version=versions[day]) for day in (D1, D2)
    ]

    with pytest.raises(WarehouseError, match=r"cannot record the staged check of 2026-01-02"):
        wh.record_checks("staged", verdicts)
    assert query(wh.url, "SELECT count(*) FROM raw._ecom_checks")[0][0] == 0
    assert query(wh.url, "SELECT count(*) FROM raw._ecom_partitions WHERE check_status IS NOT NULL")[0][0] == 0


# ------------------------------------------------------------------------------------------------ guards


def test_loading_a_day_after_a_gap_is_refused_naming_the_first_missing_day(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    with pytest.raises(WarehouseError, match=r"cannot load 2026-01-03: .* 2026-01-01 is not"):
        wh.load(D3, days[D3], IDENTITY, EPOCH, audit=passed(wh))
    assert ledger_rows(wh.url) == {}

    load_days(wh, days, D1)
    before = snapshot(wh.url)
    with pytest.raises(WarehouseError, match=r"cannot load 2026-01-03: .* 2026-01-02 is not") as caught:
        wh.load(D3, days[D3], IDENTITY, EPOCH, audit=passed(wh))
    assert "2026-01-01 is not" not in str(caught.value)
    assert snapshot(wh.url) == before
    assert count(wh.url, "raw_stage", "orders", D3) == 0


def test_a_day_cannot_be_published_before_the_previous_day_is_published(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    wh.stage(D1, days[D1], IDENTITY, EPOCH)
    wh.stage(D2, days[D2], IDENTITY, EPOCH)  # staging may run ahead of publishing
    approve(wh, D1)
    approve(wh, D2)

    with pytest.raises(WarehouseError, match=r"cannot load 2026-01-02: .* 2026-01-01 is not published"):
        wh.publish(D2, EPOCH)

    assert all(count(wh.url, "raw", table, D2) == 0 for table in TABLES)
    wh.publish(D1, EPOCH)
    wh.publish(D2, EPOCH)
    assert {e["status"] for e in ledger_rows(wh.url).values()} == {"published"}


def test_a_day_before_the_epoch_is_refused(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    with pytest.raises(WarehouseError, match=r"day 2025-12-31 is before the epoch 2026-01-01"):
        wh.stage(EPOCH - dt.timedelta(days=1), days[D1], IDENTITY, EPOCH)
    assert ledger_rows(wh.url) == {}


def test_loading_another_dataset_is_refused_naming_both_and_changes_nothing(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    load_days(wh, days, D1)
    before = snapshot(wh.url)
    other = generate_day(OTHER_CONFIG, D1)

    with pytest.raises(WarehouseError, match=r"another dataset \(seed 42.*loading seed 7.*--replace-dataset"):
        wh.load(D1, other, OTHER_IDENTITY, EPOCH, audit=passed(wh))
    masked = dataset_identity(CONFIG, pii="masked")
    with pytest.raises(WarehouseError, match=r"another dataset"):
        wh.stage(D2, days[D2], masked, EPOCH)

    assert snapshot(wh.url) == before


def test_replacing_the_dataset_empties_raw_raw_stage_and_the_ledger(wh: Warehouse, days: dict[dt.date, Frames]) -> None:
    load_days(wh, days, D1)
    wh.stage(D2, days[D2], IDENTITY, EPOCH)
    other = generate_day(OTHER_CONFIG, D1)

    wh.replace_dataset()

    assert ledger_rows(wh.url) == {}
    for table in TABLES:
        assert table_rows(wh.url, "raw", table) == []
        assert table_rows(wh.url, "raw_stage", table) == []
    wh.load(D1, other, OTHER_IDENTITY, EPOCH, audit=passed(wh))
    ledger = ledger_rows(wh.url)
    assert {e["identity"]["seed"] for e in ledger.values()} == {"7"}
    assert all(ledger[(t, D1)]["sha256"] == rows_digest(t, other[t]) for t in TABLES)


# ------------------------------------------------------------------------------------------------ faults


def test_bad_rows_can_be_staged_but_publishing_them_fails_and_leaves_the_published_day_as_it_was(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    load_days(wh, days, D1)
    before = snapshot(wh.url)
    bad = dict(days[D1])
    bad["products"] = bad["products"].with_columns(pl.col("price") * -1)  # breaks products_price_positive
    bad["orders"] = pl.concat([bad["orders"], bad["orders"].head(1)])  # a duplicate primary key

    wh.stage(D1, bad, IDENTITY, EPOCH)  # raw_stage has no constraints: the audit can see the bad rows
    approve(wh, D1)  # and should the audit let them through, raw's constraints still refuse them

    assert count(wh.url, "raw_stage", "orders", D1) == days[D1]["orders"].height + 1
    negative = query(wh.url, "SELECT count(*) FROM raw_stage.products WHERE price < 0")[0][0]
    assert negative == days[D1]["products"].height
    with pytest.raises(psycopg.errors.IntegrityError):
        wh.publish(D1, EPOCH)
    after = snapshot(wh.url)
    assert {t: after[t] for t in TABLES} == {t: before[t] for t in TABLES}


def published_ledger(url: str, day: dt.date) -> dict[str, tuple[Any, ...]]:
    rows = query(
        url,
        "SELECT table_name, status, published_rows, published_sha256, rows, sha256, staged_at IS NOT NULL"
        " FROM raw._ecom_partitions WHERE day = %s",
        (day,),
    )
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("how", ["its staged check fails", "publishing it fails"])
def test_after_a_failed_republish_the_ledger_says_what_raw_holds_and_what_waits_in_raw_stage(
    wh: Warehouse, days: dict[dt.date, Frames], how: str
) -> None:
    load_days(wh, days, D1)
    again = dict(days[D1])
    again["orders"] = pl.concat([again["orders"], again["orders"].head(1)])  # a duplicate primary key

    wh.stage(D1, again, IDENTITY, EPOCH)
    if how == "its staged check fails":
        wh.record_check("staged", D1, success=False, run_name="staged", staged_version=wh.staged_version(D1))
        with pytest.raises(WarehouseError, match="latest staged check failed"):
            wh.publish(D1, EPOCH)
    else:
        approve(wh, D1)
        with pytest.raises(psycopg.errors.IntegrityError):
            wh.publish(D1, EPOCH)

    ledger = published_ledger(wh.url, D1)
    for table in TABLES:
        status, published_rows, published_sha256, rows, sha256, staged = ledger[table]
        in_raw = wh.read_day(table, D1)
        assert status == "published", table  # raw still holds the day
        assert (published_rows, published_sha256) == (in_raw.height, rows_digest(table, in_raw)), table
        assert published_sha256 == rows_digest(table, days[D1][table])
        assert staged and (rows, sha256) == (again[table].height, rows_digest(table, again[table])), table

    load_days(wh, days, D1)  # a good version replaces the waiting one
    for table, (status, _, published_sha256, _, sha256, staged) in published_ledger(wh.url, D1).items():
        assert (status, staged) == ("published", False)
        assert published_sha256 == sha256 == rows_digest(table, days[D1][table])


@pytest.fixture
def drop_connection_mid_copy(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Terminate the loader's backend from a second connection during the COPY of the fifth table (orders).

    COPY_BLOCK is made small so each COPY is many writes; the fault fires once, on the second write of the
    fifth COPY of the run, before that block is sent.
    """
    monkeypatch.setattr(warehouse_module, "COPY_BLOCK", 64)
    state: dict[str, Any] = {"copies": [], "writes": 0, "fired": False, "armed": True}
    real_write = psycopg.Copy.write

    def write(self: psycopg.Copy, buffer: Any) -> None:
        if not state["copies"] or state["copies"][-1] is not self:
            state["copies"].append(self)
            state["writes"] = 0
        state["writes"] += 1
        if state["armed"] and not state["fired"] and len(state["copies"]) == 5 and state["writes"] == 2:
            pid = self.connection.info.backend_pid
            dsn = self.connection.info.dsn
            with psycopg.connect(dsn, autocommit=True) as admin:
                (terminated,) = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
            state["fired"] = terminated
        real_write(self, buffer)

    monkeypatch.setattr(psycopg.Copy, "write", write)
    yield state


@pytest.mark.parametrize("day", [D1, D2], ids=["reloading-a-published-day", "loading-the-next-day"])
def test_a_connection_dropped_mid_copy_leaves_the_published_days_exactly_as_they_were_and_a_rerun_succeeds(
    wh: Warehouse, days: dict[dt.date, Frames], drop_connection_mid_copy: dict[str, Any], day: dt.date
) -> None:
    drop_connection_mid_copy["armed"] = False
    load_days(wh, days, D1)
    before = snapshot(wh.url)
    drop_connection_mid_copy["armed"] = True
    drop_connection_mid_copy["copies"].clear()

    with pytest.raises(DatabaseUnavailableError, match="lost the connection to PostgreSQL"):
        wh.load(day, days[day], IDENTITY, EPOCH, audit=passed(wh))

    assert drop_connection_mid_copy["fired"], "the backend was not terminated during the COPY"
    assert snapshot(wh.url) == before
    assert all(count(wh.url, "raw_stage", table, day) == 0 for table in TABLES)

    wh.load(day, days[day], IDENTITY, EPOCH, audit=passed(wh))  # the fault fired once: the rerun goes through

    ledger = ledger_rows(wh.url)
    for table in TABLES:
        assert count(wh.url, "raw", table, day) == days[day][table].height
        assert ledger[(table, day)]["status"] == "published"
        assert ledger[(table, day)]["sha256"] == rows_digest(table, days[day][table])


# ------------------------------------------------------------------------------------------- reading back


def test_read_day_returns_what_was_loaded_with_the_same_digest_for_every_table_and_day(
    wh: Warehouse, days: dict[dt.date, Frames]
) -> None:
    load_days(wh, days, D1, D2)
    ledger = ledger_rows(wh.url)

    for day in (D1, D2):
        for table in TABLES:
            back = wh.read_day(table, day)
            assert back.schema == days[day][table].schema
            assert back.height == days[day][table].height
            assert rows_digest(table, back) == rows_digest(table, days[day][table]) == ledger[(table, day)]["sha256"]
