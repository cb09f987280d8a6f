"""The warehouse schema as Alembic migrations: contract tables, day partitions, named rules, deferred keys, round trip.

Every test gets a database of its own on a real PostgreSQL (`fresh_db`) and reads the catalog back, comparing it
against the data contract (CONTRACTS) rather than against a copy of the DDL.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from psycopg import sql

from ecom_pipeline.generation.schemas import CONTRACTS
from ecom_pipeline.storage import migrate

REVISION = "0004"
PARTITIONED = ("orders", "order_items", "order_status_history", "payments", "shipments")
NOT_PARTITIONED = ("categories", "products", "customers", "addresses")
CROSS_DAY = ("order_status_history", "payments", "shipments")  # no FK to orders: they point at earlier days
LOADER_COLUMNS = ("_partition_date", "_loaded_at")
LEDGER_COLUMNS = (
    ("table_name", "text", "NO"),
    ("day", "date", "NO"),
    ("identity", "jsonb", "NO"),
    ("identity_hash", "text", "NO"),
    ("rows", "bigint", "NO"),
    ("sha256", "text", "NO"),
    ("loaded_at", "timestamp with time zone", "NO"),
    ("status", "text", "NO"),
    ("published_at", "timestamp with time zone", "YES"),
    ("published_rows", "bigint", "YES"),
    ("published_sha256", "text", "YES"),
    ("check_status", "text", "YES"),
    ("checked_at", "timestamp with time zone", "YES"),
    ("check_failures", "jsonb", "YES"),
    ("staged_at", "timestamp with time zone", "YES"),
)
DAY = dt.date(2026, 1, 1)
TS = dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)

# One consistent row per table (contract columns + the day partition), in dependency order.
VALID: dict[str, dict[str, Any]] = {
    "categories": {
        "category_id": "cat-1",
        "parent_category_id": None,
        "name": "Apparel",
        "level": 1,
        "path": "apparel",
        "created_at": TS - dt.timedelta(days=30),
    },
    "products": {
        "product_id": "prod-1",
        "sku": "SKU-0001",
        "name": "Acme Soft Cotton Shirt",
        "category_id": "cat-1",
        "brand": "Acme",
        "price": Decimal("20.00"),
        "cost": Decimal("8.50"),
        "currency": "USD",
        "country": "US",
        "size": "M",
        "color": None,
        "material": "cotton",
        "launched_at": TS - dt.timedelta(days=30),
        "is_active": True,
    },
    "customers": {
        "customer_id": "cust-1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "+1 555 0100",
        "gender": "female",
        "birth_date": dt.date(1990, 12, 10),
        "country": "US",
        "locale": "en-US",
        "segment": "consumer",
        "marketing_consent": False,
        "time_zone": "America/Chicago",
        "signup_at": TS - dt.timedelta(hours=2),
    },
    "addresses": {
        "address_id": "addr-1",
        "customer_id": "cust-1",
        "is_default": True,
        "created_at": TS - dt.timedelta(hours=2),
        "line1": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    },
    "orders": {
        "order_id": "order-1",
        "customer_id": "cust-1",
        "shipping_address_id": "addr-1",
        "created_at": TS,
        "currency": "USD",
        "item_count": 1,
        "units": 2,
        "subtotal": Decimal("40.00"),
        "discount": Decimal("2.00"),
        "tax": Decimal("3.04"),
        "shipping_fee": Decimal("5.00"),
        "total": Decimal("46.04"),
        "is_first_order": True,
    },
    "order_items": {
        "order_item_id": "item-1",
        "order_id": "order-1",
        "line_number": 1,
        "product_id": "prod-1",
        "quantity": 2,
        "unit_price": Decimal("20.00"),
        "discount": Decimal("0.00"),
        "line_total": Decimal("40.00"),
    },
    "order_status_history": {"order_id": "order-1", "status": "placed", "changed_at": TS},
    "payments": {
        "payment_id": "pay-1",
        "order_id": "order-1",
        "attempt": 1,
        "method": "credit_card",
        "card_brand": "visa",
        "card_bin": "411111",
        "card_last4": "1111",
        "amount": Decimal("46.04"),
        "currency": "USD",
        "status": "captured",
        "failure_reason": None,
        "created_at": TS + dt.timedelta(minutes=5),
    },
    "shipments": {
        "shipment_id": "ship-1",
        "order_id": "order-1",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "shipped_at": TS + dt.timedelta(hours=20),
        "promised_delivery_date": dt.date(2026, 1, 5),
    },
}


def _pg_type(dtype: pl.DataType) -> tuple[str, int | None, int | None]:
    """information_schema (data_type, numeric precision, numeric scale) of a contract dtype."""
    if isinstance(dtype, pl.Decimal):
        return ("numeric", dtype.precision, dtype.scale)
    if isinstance(dtype, pl.Datetime):
        assert dtype.time_zone == "UTC"
        return ("timestamp with time zone", None, None)
    for polars_type, pg in (
        (pl.String, "text"),
        (pl.Date, "date"),
        (pl.Boolean, "boolean"),
        (pl.Int16, "smallint"),
        (pl.Int32, "integer"),
    ):
        if dtype == polars_type:
            return (pg, None, None)
    raise AssertionError(f"the migration has no PostgreSQL type for contract dtype {dtype}")


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        """
        SELECT column_name, data_type, is_nullable,
               CASE WHEN data_type = 'numeric' THEN numeric_precision END,
               CASE WHEN data_type = 'numeric' THEN numeric_scale END,
               column_default
        FROM information_schema.columns
        WHERE table_schema = %s AND table_name = %s
        ORDER BY ordinal_position
        """,
        (schema, table),
    ).fetchall()


# Contract columns added by a later revision: ALTER TABLE appends them after the loader's columns.
ADDED_LATER = {"customers": ("time_zone",)}


def _expected_columns(table: str, *, staging: bool) -> list[tuple[Any, ...]]:
    """(name, data_type, is_nullable, precision, scale, default): contract columns, then the loader's two, then
    the contract columns later revisions added."""
    later = ADDED_LATER.get(table, ())

    def column(c: Any) -> tuple[Any, ...]:
        data_type, precision, scale = _pg_type(c.dtype)
        return (c.name, data_type, "YES" if staging or c.nullable else "NO", precision, scale, None)

    expected = [column(c) for c in CONTRACTS[table].columns if c.name not in later]
    expected.append(("_partition_date", "date", "NO", None, None, None))
    expected.append(("_loaded_at", "timestamp with time zone", "YES" if staging else "NO", None, None, "now()"))
    expected += [column(c) for c in CONTRACTS[table].columns if c.name in later]
    return expected


def _insert(conn: psycopg.Connection, table: str, row: dict[str, Any], day: dt.date = DAY) -> None:
    values = {**row, "_partition_date": day}
    conn.execute(
        sql.SQL("INSERT INTO raw.{} ({}) VALUES ({})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)),
        ),
        tuple(values.values()),
    )


def _ensure_partitions(conn: psycopg.Connection, day: dt.date = DAY) -> None:
    for table in PARTITIONED:
        conn.execute("SELECT raw.ensure_day_partition(%s, %s)", (table, day))
    conn.commit()


def _relations(conn: psycopg.Connection) -> set[tuple[Any, ...]]:
    return set(
        conn.execute(
            """
            SELECT n.nspname, c.relname, c.relkind, c.oid::bigint
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('raw', 'raw_stage')
            """
        ).fetchall()
    )


def _top_level_tables(conn: psycopg.Connection, schema: str) -> set[str]:
    rows = conn.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        """,
        (schema,),
    ).fetchall()
    return {r[0] for r in rows}


@pytest.fixture
def migrated(fresh_db: str) -> str:
    migrate.upgrade(fresh_db)
    return fresh_db


def test_the_valid_rows_of_these_tests_cover_exactly_the_contract_columns() -> None:
    assert list(VALID) == list(CONTRACTS)
    for table, row in VALID.items():
        assert list(row) == [c.name for c in CONTRACTS[table].columns], table


def test_alembic_is_configured_in_code_with_the_packaged_migrations_and_a_psycopg_url() -> None:
    cfg = migrate.alembic_config("postgresql://loader:p%40ss@db.internal:5432/warehouse")
    folder = Path(cfg.get_main_option("script_location"))
    assert folder == migrate.MIGRATIONS_DIR
    assert (folder / "env.py").is_file()
    assert (folder / "versions" / "0001_raw_schema.py").is_file()
    assert cfg.get_main_option("sqlalchemy.url") == "postgresql+psycopg://loader:p%40ss@db.internal:5432/warehouse"
    assert migrate.head() == REVISION


def test_upgrade_to_head_creates_every_contract_table_in_raw_with_the_contract_columns_then_the_loader_columns(
    migrated: str,
) -> None:
    with psycopg.connect(migrated) as conn:
        assert _top_level_tables(conn, "raw") == {*CONTRACTS, "_ecom_partitions", "_ecom_checks", "alembic_version"}
        for table in CONTRACTS:
            assert _columns(conn, "raw", table) == _expected_columns(table, staging=False), table
            persistence = conn.execute(
                "SELECT relpersistence FROM pg_class WHERE oid = %s::regclass", (f"raw.{table}",)
            )
            assert persistence.fetchone() == ("p",)


def test_upgrade_creates_unlogged_unconstrained_staging_twins_indexed_by_partition_date(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        assert _top_level_tables(conn, "raw_stage") == set(CONTRACTS)
        for table in CONTRACTS:
            assert _columns(conn, "raw_stage", table) == _expected_columns(table, staging=True), table
            oid = conn.execute("SELECT %s::regclass::oid", (f"raw_stage.{table}",)).fetchone()[0]
            assert conn.execute("SELECT relpersistence, relkind FROM pg_class WHERE oid = %s", (oid,)).fetchone() == (
                "u",
                "r",
            )
            indexes = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'raw_stage' AND tablename = %s", (table,)
            ).fetchall()
            assert len(indexes) == 1
            assert indexes[0][0].endswith("(_partition_date)")
        # No PK, UNIQUE, CHECK or FK at all (NOT NULL constraints only appear in pg_constraint from PostgreSQL 18).
        constraints = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE connamespace = 'raw_stage'::regnamespace AND contype <> 'n'"
        ).fetchone()
        assert constraints == (0,)
        # So the audit can see bad rows: nulls, unknown enums, money that does not add up, orphans.
        conn.execute(
            "INSERT INTO raw_stage.orders (order_id, customer_id, currency, item_count, total, _partition_date)"
            " VALUES (NULL, 'nobody', 'XXX', 0, -1.00, %s)",
            (DAY,),
        )
        conn.execute(
            "INSERT INTO raw_stage.orders (order_id, _partition_date) VALUES ('dup', %s), ('dup', %s)", (DAY, DAY)
        )
        loaded = conn.execute("SELECT count(*), count(_loaded_at) FROM raw_stage.orders").fetchone()
        assert loaded == (3, 3)


def test_the_five_fact_tables_are_range_partitioned_by_partition_date_and_the_others_are_plain(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        rows = conn.execute(
            """
            SELECT c.relname, p.partstrat, a.attname
            FROM pg_partitioned_table p
            JOIN pg_class c ON c.oid = p.partrelid
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            WHERE c.relnamespace IN ('raw'::regnamespace, 'raw_stage'::regnamespace)
            """
        ).fetchall()
        assert sorted(rows) == sorted((t, "r", "_partition_date") for t in PARTITIONED)
        for table in NOT_PARTITIONED:
            kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (f"raw.{table}",))
            assert kind.fetchone() == ("r",)


def test_primary_keys_are_the_contracts_plus_partition_date_on_partitioned_tables(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        for table, contract in CONTRACTS.items():
            (definition,) = conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                (f"raw.{table}",),
            ).fetchone()
            key = contract.primary_key + (("_partition_date",) if table in PARTITIONED else ())
            assert definition == f"PRIMARY KEY ({', '.join(key)})", table


def test_ensure_day_partition_creates_the_named_day_partition_once_and_rows_land_in_it(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        first = conn.execute("SELECT raw.ensure_day_partition('orders', '2026-01-01')").fetchone()
        again = conn.execute("SELECT raw.ensure_day_partition('orders', '2026-01-01')").fetchone()
        assert first == again == ("raw.orders_p20260101",)
        bound = conn.execute(
            "SELECT c.relispartition, pg_get_expr(c.relpartbound, c.oid), i.inhparent::regclass::text"
            " FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.oid = 'raw.orders_p20260101'::regclass"
        ).fetchone()
        assert bound == (True, "FOR VALUES FROM ('2026-01-01') TO ('2026-01-02')", "raw.orders")
        partitions = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'raw.orders'::regclass")
        assert partitions.fetchone() == (1,)
        # A row of that day lands in the partition; a day without a partition has nowhere to go.
        with conn.transaction(force_rollback=True):
            _insert(conn, "orders", VALID["orders"])
            home = conn.execute("SELECT tableoid::regclass::text FROM raw.orders").fetchone()
            assert home == ("raw.orders_p20260101",)
        with pytest.raises(psycopg.errors.CheckViolation, match="no partition of relation"):
            _insert(conn, "orders", VALID["orders"], day=dt.date(2026, 1, 2))


def test_ensure_day_partition_refuses_anything_but_a_day_partitioned_raw_table(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        for bad in ("customers", "nope", "orders; DROP TABLE raw.customers", "orders_p20260101", "alembic_version"):
            with pytest.raises(psycopg.errors.InvalidParameterValue, match="not a day-partitioned table"):
                conn.execute("SELECT raw.ensure_day_partition(%s, %s)", (bad, DAY))
        with pytest.raises(psycopg.errors.NullValueNotAllowed):
            conn.execute("SELECT raw.ensure_day_partition('orders', NULL)")
        assert _top_level_tables(conn, "raw") == {*CONTRACTS, "_ecom_partitions", "_ecom_checks", "alembic_version"}
        assert conn.execute("SELECT count(*) FROM pg_inherits").fetchone() == (0,)


def test_a_consistent_set_of_rows_in_every_table_commits(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
        for table, row in VALID.items():
            _insert(conn, table, row)
        conn.commit()
        for table in CONTRACTS:
            count = conn.execute(sql.SQL("SELECT count(*), min(_loaded_at) FROM raw.{}").format(sql.Identifier(table)))
            rows, loaded_at = count.fetchone()
            assert rows == 1, table
            assert loaded_at is not None


@pytest.mark.parametrize(
    ("table", "change", "constraint"),
    [
        ("products", {"cost": Decimal("20.00")}, "products_cost_below_price"),
        ("products", {"currency": "CHF"}, "products_currency_valid"),
        ("orders", {"total": Decimal("46.05")}, "orders_total_adds_up"),
        ("orders", {"item_count": 0}, "orders_item_count_positive"),
        ("order_status_history", {"status": "lost"}, "order_status_history_status_valid"),
        ("order_items", {"quantity": 0, "line_total": Decimal("0.00")}, "order_items_quantity_positive"),
        ("order_items", {"line_total": Decimal("39.99")}, "order_items_line_total_adds_up"),
        ("payments", {"card_last4": "11a1"}, "payments_card_last4_digits"),
        ("payments", {"method": "cash"}, "payments_method_valid"),
        ("customers", {"email": "ada.example.com"}, "customers_email_shape"),
        ("customers", {"segment": "whale"}, "customers_segment_valid"),
        ("categories", {"level": 4}, "categories_level_range"),
    ],
)
def test_a_row_breaking_a_contract_rule_is_rejected_with_that_rules_name(
    migrated: str, table: str, change: dict[str, Any], constraint: str
) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
        _insert(conn, table, VALID[table])  # the valid row is accepted (foreign keys wait for commit)
        conn.rollback()
        with pytest.raises(psycopg.errors.CheckViolation) as rejected:
            _insert(conn, table, VALID[table] | change)
        assert rejected.value.diag.constraint_name == constraint
        assert f'"{constraint}"' in str(rejected.value)


def test_emails_and_skus_are_unique(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        _insert(conn, "customers", VALID["customers"])
        with pytest.raises(psycopg.errors.UniqueViolation) as rejected:
            _insert(conn, "customers", VALID["customers"] | {"customer_id": "cust-2"})
        assert rejected.value.diag.constraint_name == "customers_email_key"
        conn.rollback()
        _insert(conn, "products", VALID["products"])
        with pytest.raises(psycopg.errors.UniqueViolation) as rejected:
            _insert(conn, "products", VALID["products"] | {"product_id": "prod-2"})
        assert rejected.value.diag.constraint_name == "products_sku_key"


def test_every_enum_column_has_a_named_check_listing_exactly_its_values(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        for table, contract in CONTRACTS.items():
            for column in contract.columns:
                if not column.enum:
                    continue
                name = f"{table}_{column.name}_valid"
                row = conn.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND conname = %s",
                    (f"raw.{table}", name),
                ).fetchone()
                assert row is not None, f"missing check {name}"
                listed = {v.split("'")[1] for v in row[0].split("ARRAY[")[1].split("]")[0].split(", ")}
                assert listed == set(column.enum), name


def test_foreign_keys_are_the_contracts_within_a_day_all_deferrable_initially_deferred(migrated: str) -> None:
    expected = set()
    for table, contract in CONTRACTS.items():
        for column in contract.columns:
            if column.foreign_key is None or table in CROSS_DAY:
                continue
            target, target_column = column.foreign_key.split(".")
            if table in PARTITIONED and target in PARTITIONED:
                expected.add((table, f"{column.name},_partition_date", target, f"{target_column},_partition_date"))
            else:
                expected.add((table, column.name, target, target_column))
    with psycopg.connect(migrated) as conn:
        rows = conn.execute(
            """
            SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, c.condeferrable, c.condeferred, c.conname,
                   (SELECT string_agg(attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
                   (SELECT string_agg(attname, ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'raw'::regnamespace AND c.conparentid = 0
            """
        ).fetchall()
    found = {
        (rel.removeprefix("raw."), cols, ref.removeprefix("raw."), refcols) for rel, ref, *_, cols, refcols in rows
    }
    assert found == expected
    assert all(deferrable and deferred for _, _, deferrable, deferred, *_ in rows)
    assert {name for *_, name, _, _ in rows} == {f"{t}_{c.split(',')[0]}_fkey" for t, c, _, _ in expected}


def test_a_deferred_foreign_key_lets_an_order_precede_its_customer_but_fails_at_commit_if_none_comes(
    migrated: str,
) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
        _insert(conn, "orders", VALID["orders"])  # before its customer and address: fine until commit
        _insert(conn, "addresses", VALID["addresses"])
        _insert(conn, "customers", VALID["customers"])
        conn.commit()

        _insert(conn, "orders", VALID["orders"] | {"order_id": "order-2", "customer_id": "ghost"})
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as rejected:
            conn.commit()
        assert rejected.value.diag.constraint_name == "orders_customer_id_fkey"
        orders = conn.execute("SELECT order_id FROM raw.orders").fetchall()
        assert orders == [("order-1",)]


def test_an_order_item_must_sit_in_the_same_day_partition_as_its_order(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
        _ensure_partitions(conn, DAY + dt.timedelta(days=1))
        for table in ("categories", "products", "customers", "addresses", "orders"):
            _insert(conn, table, VALID[table])
        conn.commit()
        _insert(conn, "order_items", VALID["order_items"], day=DAY + dt.timedelta(days=1))
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as rejected:
            conn.commit()
        assert rejected.value.diag.constraint_name == "order_items_order_id_fkey"


def test_a_day_can_be_replaced_inside_one_transaction(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
        for table, row in VALID.items():
            _insert(conn, table, row)
        conn.commit()
        # Parent rows go first, children later: the deferred keys only look at the end state.
        conn.execute("DELETE FROM raw.orders WHERE _partition_date = %s", (DAY,))
        conn.execute("DELETE FROM raw.order_items WHERE _partition_date = %s", (DAY,))
        _insert(conn, "orders", VALID["orders"] | {"discount": Decimal("0.00"), "total": Decimal("48.04")})
        _insert(conn, "order_items", VALID["order_items"])
        conn.commit()
        assert conn.execute("SELECT total FROM raw.orders").fetchall() == [(Decimal("48.04"),)]


def test_the_partition_ledger_has_its_columns_and_only_known_statuses(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        columns = [row[:3] for row in _columns(conn, "raw", "_ecom_partitions")]
        assert columns == list(LEDGER_COLUMNS)
        key = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'raw._ecom_partitions'::regclass"
            " AND contype = 'p'"
        ).fetchone()
        assert key == ("PRIMARY KEY (table_name, day)",)
        insert = (
            "INSERT INTO raw._ecom_partitions (table_name, day, identity, identity_hash, rows, sha256, status)"
            " VALUES ('orders', %s, '{}', 'h', 10, 's', %s)"
        )
        conn.execute(insert, (DAY, "staged"))
        with pytest.raises(psycopg.errors.CheckViolation) as rejected:
            conn.execute(insert, (DAY + dt.timedelta(days=1), "loaded"))
        assert rejected.value.diag.constraint_name == "_ecom_partitions_status_valid"
    with psycopg.connect(migrated) as conn:
        conn.execute(insert, (DAY, "staged"))
        with pytest.raises(psycopg.errors.CheckViolation) as rejected:
            conn.execute("UPDATE raw._ecom_partitions SET check_status = 'maybe'")
        assert rejected.value.diag.constraint_name == "_ecom_partitions_check_status_valid"


def test_the_checks_ledger_keeps_one_verdict_per_checkpoint_and_day(migrated: str) -> None:
    insert = "INSERT INTO raw._ecom_checks (checkpoint, day, success, run_name) VALUES (%s, %s, true, 'r')"
    with psycopg.connect(migrated) as conn:
        conn.execute(insert, ("staged", DAY))
        conn.execute(insert, ("marts", DAY))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ("staged", DAY))
    with psycopg.connect(migrated) as conn, pytest.raises(psycopg.errors.CheckViolation) as rejected:
        conn.execute(insert, ("bronze", DAY))  # the lake's gate has no warehouse verdict
    assert rejected.value.diag.constraint_name == "_ecom_checks_checkpoint_valid"


def test_downgrading_to_0001_removes_only_the_quality_verdicts_and_the_staged_version(migrated: str) -> None:
    migrate.downgrade(migrated, "0001")
    with psycopg.connect(migrated) as conn:
        assert _top_level_tables(conn, "raw") == {*CONTRACTS, "_ecom_partitions", "alembic_version"}
        columns = [row[0] for row in _columns(conn, "raw", "_ecom_partitions")]
        assert columns == [c[0] for c in LEDGER_COLUMNS[:-4]]
    migrate.upgrade(migrated)
    assert migrate.current(migrated) == REVISION


def test_0004_marks_a_restaged_published_day_as_published_with_its_staged_version_and_back(fresh_db: str) -> None:
    """Before 0004 a published day staged again read `staged` although raw still held it."""
    migrate.upgrade(fresh_db, "0002")
    insert = (
        "INSERT INTO raw._ecom_partitions (table_name, day, identity, identity_hash, rows, sha256, status, loaded_at,"
        " published_at, published_rows, published_sha256) VALUES (%s, %s, '{}', 'h', 5, 'new', %s, %s, %s, %s, %s)"
    )
    loaded, published = TS + dt.timedelta(hours=1), TS
    with psycopg.connect(fresh_db) as conn:
        conn.execute(insert, ("orders", DAY, "staged", loaded, published, 4, "old"))  # restaged after publishing
        conn.execute(insert, ("orders", DAY + dt.timedelta(days=1), "staged", loaded, None, None, None))
        conn.execute(insert, ("customers", DAY, "published", published, published, 5, "new"))

    migrate.upgrade(fresh_db, "0004")

    ledger = "SELECT table_name, day, status, staged_at FROM raw._ecom_partitions ORDER BY 1, 2"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute(ledger).fetchall() == [
            ("customers", DAY, "published", None),
            ("orders", DAY, "published", loaded),
            ("orders", DAY + dt.timedelta(days=1), "staged", loaded),
        ]
    migrate.downgrade(fresh_db, "0002")
    with psycopg.connect(fresh_db) as conn:
        statuses = conn.execute("SELECT table_name, day, status FROM raw._ecom_partitions ORDER BY 1, 2").fetchall()
    assert statuses == [
        ("customers", DAY, "published"),
        ("orders", DAY, "staged"),
        ("orders", DAY + dt.timedelta(days=1), "staged"),
    ]


def test_downgrade_to_base_removes_the_warehouse_and_upgrade_builds_it_again(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        _ensure_partitions(conn)
    migrate.downgrade(migrated)
    assert migrate.current(migrated) is None
    with psycopg.connect(migrated) as conn:
        # Schema raw stays, holding only Alembic's (now empty) version table.
        assert _top_level_tables(conn, "raw") == {"alembic_version"}
        assert conn.execute("SELECT count(*) FROM raw.alembic_version").fetchone() == (0,)
        assert conn.execute("SELECT to_regnamespace('raw_stage')").fetchone() == (None,)
        assert conn.execute("SELECT to_regprocedure('raw.ensure_day_partition(text, date)')").fetchone() == (None,)
        leftovers = conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'raw'::regnamespace")
        assert leftovers.fetchone()[0] == 2  # alembic_version and its primary key index

    migrate.upgrade(migrated)
    assert migrate.current(migrated) == REVISION
    with psycopg.connect(migrated) as conn:
        assert _top_level_tables(conn, "raw") == {*CONTRACTS, "_ecom_partitions", "_ecom_checks", "alembic_version"}
        assert _top_level_tables(conn, "raw_stage") == set(CONTRACTS)
        assert conn.execute("SELECT count(*) FROM pg_inherits").fetchone() == (0,)  # old day partitions are gone


def test_upgrading_an_up_to_date_database_changes_nothing(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        before = _relations(conn)
        migrate.upgrade(migrated)
        migrate.upgrade(migrated, REVISION)
        assert _relations(conn) == before
        assert conn.execute("SELECT version_num FROM raw.alembic_version").fetchall() == [(REVISION,)]


def test_current_reports_the_revision_of_the_database(fresh_db: str) -> None:
    assert migrate.current(fresh_db) is None
    migrate.upgrade(fresh_db)
    assert migrate.current(fresh_db) == REVISION == migrate.head()


def test_concurrent_upgrades_wait_for_each_other_and_the_schema_is_built_once(fresh_db: str) -> None:
    script = "import sys; from ecom_pipeline.storage.migrate import upgrade; upgrade(sys.argv[1])"
    with psycopg.connect(fresh_db, autocommit=True) as holder:
        # Hold the migration lock so that every upgrader is provably waiting on it at the same time.
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.MIGRATION_LOCK_KEY,))
        procs = [
            subprocess.Popen([sys.executable, "-c", script, fresh_db], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        try:
            deadline = time.monotonic() + 60
            waiting = 0
            while waiting < len(procs) and time.monotonic() < deadline:
                time.sleep(0.1)
                waiting = holder.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ).fetchone()[0]
                assert all(p.poll() is None for p in procs), [p.communicate()[1] for p in procs]
            assert waiting == len(procs)
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (migrate.MIGRATION_LOCK_KEY,))
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0] * len(procs), results
    assert migrate.current(fresh_db) == REVISION


def test_the_offline_sql_script_is_plain_postgresql_that_builds_the_same_schema(
    fresh_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    command.upgrade(migrate.alembic_config(fresh_db), "head", sql=True)
    script = capsys.readouterr().out
    assert "pg_advisory_xact_lock" in script
    assert "%%" not in script  # no driver-style percent escaping leaks into the DDL
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(script)
        assert _top_level_tables(conn, "raw") == {*CONTRACTS, "_ecom_partitions", "_ecom_checks", "alembic_version"}
    assert migrate.current(fresh_db) == REVISION
