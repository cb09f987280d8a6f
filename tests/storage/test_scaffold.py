"""`ecom db scaffold`: the Alembic revision for a contract change, written from the difference between the contract
and a warehouse at head, applies cleanly, leaves no difference behind, and its downgrade restores the schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import psycopg
import pytest
from alembic import command

from ecom_pipeline.contract import CONTRACTS, Between, Column, Kind, TableContract
from ecom_pipeline.contract.enums import Currency
from ecom_pipeline.errors import MigrationError
from ecom_pipeline.storage import migrate
from ecom_pipeline.storage.scaffold import differences, render_revision, scaffold

TODAY = dt.date(2026, 12, 5)

# The worked example of the README: a nullable column on orders.
GIFT_NOTE = Column("gift_note", pl.String, "Message printed on the packing slip of a gift.", nullable=True)
RETURNS = TableContract(
    "returns",
    "Returned order lines; partition = day the return is received.",
    ("return_id",),
    kind=Kind.FACT,
    partition_column="received_at",
    partitioned_by="received_at",
    columns=(
        Column("return_id", pl.String, "UUIDv7 of the return."),
        Column("order_item_id", pl.String, "Returned line.", foreign_key="order_items.order_item_id"),
        Column("product_id", pl.String, "Product returned.", foreign_key="products.product_id"),
        Column("quantity", pl.Int32, "Units returned.", checks=(Between(low=1, label="at_least_1"),)),
        Column("refund", pl.Decimal(12, 2), "Refunded amount."),
        Column("currency", pl.String, "Currency of the refund.", enum=Currency),
        Column("received_at", pl.Datetime("us", "UTC"), "When the return arrived."),
    ),
)


def _with(table: str, *columns: Column, drop: str | None = None) -> dict[str, TableContract]:
    contract = CONTRACTS[table]
    kept = tuple(c for c in contract.columns if c.name != drop)
    return CONTRACTS | {table: dataclasses.replace(contract, columns=kept + columns)}


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A copy of the packaged migrations, where a scaffolded revision can be written and applied."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _alembic(url: str, folder: Path, action: str, revision: str) -> None:
    cfg = migrate.alembic_config(url)
    cfg.set_main_option("script_location", str(folder))
    getattr(command, action)(cfg, revision)


def test_a_new_nullable_column_is_one_scaffolded_revision_that_round_trips(fresh_db: str, migrations: Path) -> None:
    migrate.upgrade(fresh_db)
    changed = _with("orders", GIFT_NOTE)
    assert [str(c) for c in differences(fresh_db, changed)] == ["raw.orders.gift_note: column missing (text, nullable)"]

    path = scaffold(fresh_db, "orders: gift_note", versions_dir=migrations / "versions", contracts=changed, today=TODAY)
    assert path is not None and path.name == "0005_orders_gift_note.py"
    text = path.read_text()
    assert 'revision: str = "0005"' in text and 'down_revision: str | None = "0004"' in text
    assert "ALTER TABLE raw.orders ADD COLUMN gift_note text;" in text
    assert "ALTER TABLE raw_stage.orders ADD COLUMN gift_note text;" in text
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        lint = subprocess.run([str(ruff), *args, str(path)], capture_output=True, text=True, check=False)
        assert lint.returncode == 0, f"ruff {args[0]} on the scaffolded revision:\n{lint.stdout}{lint.stderr}"

    _alembic(fresh_db, migrations, "upgrade", "head")
    assert differences(fresh_db, changed) == []
    assert [str(c) for c in differences(fresh_db)] == ["raw.orders.gift_note: column not in the contract (text)"]
    _alembic(fresh_db, migrations, "downgrade", "0004")
    assert differences(fresh_db) == []


def test_a_required_column_with_checks_and_a_new_fact_table_apply_and_leave_no_difference(
    fresh_db: str, migrations: Path
) -> None:
    migrate.upgrade(fresh_db)
    points = Column(
        "loyalty_points",
        pl.Int32,
        "Points earned.",
        checks=(Between(low=0, label="not_negative"),),
    )
    changed = _with("orders", points) | {"returns": RETURNS}
    path = scaffold(fresh_db, "loyalty points and returns", versions_dir=migrations / "versions", contracts=changed)
    assert path is not None
    text = path.read_text()
    assert "CONSTRAINT orders_loyalty_points_not_negative CHECK (loyalty_points >= 0)" in text
    assert "ALTER TABLE raw.orders ALTER COLUMN loyalty_points SET NOT NULL;" in text
    assert "PARTITION BY RANGE (_partition_date)" in text
    assert "returns_product_id_fkey FOREIGN KEY (product_id)\n        REFERENCES raw.products (product_id)" in text
    assert "returns_order_item_id_fkey" not in text  # a fact's rows sit in day partitions: the gates check it
    assert max(len(line) for line in text.splitlines()) <= 120

    _alembic(fresh_db, migrations, "upgrade", "head")  # the warehouse is empty: NOT NULL needs no backfill
    assert differences(fresh_db, changed) == []
    with psycopg.connect(fresh_db) as conn:
        conn.execute("SELECT raw.ensure_day_partition('returns', %s)", (TODAY,))
        with pytest.raises(psycopg.errors.CheckViolation) as rejected:
            conn.execute(
                "INSERT INTO raw.returns (return_id, order_item_id, product_id, quantity, refund, currency,"
                " received_at, _partition_date) VALUES ('r1', 'i1', 'p1', 1, 1.00, 'XXX', now(), %s)",
                (TODAY,),
            )
        assert rejected.value.diag.constraint_name == "returns_currency_valid"
    _alembic(fresh_db, migrations, "downgrade", "0004")
    assert differences(fresh_db) == []


def test_a_changed_type_nullability_and_a_dropped_column_are_scaffolded_with_their_reverse(
    fresh_db: str, migrations: Path
) -> None:
    migrate.upgrade(fresh_db)
    orders = CONTRACTS["orders"]
    units = dataclasses.replace(orders.column("units"), dtype=pl.Int64, nullable=True)
    columns = tuple(units if c.name == "units" else c for c in orders.columns if c.name != "is_first_order")
    changed = CONTRACTS | {"orders": dataclasses.replace(orders, columns=columns)}
    assert [str(c) for c in differences(fresh_db, changed)] == [
        "raw.orders.units: type (integer in the warehouse, bigint in the contract)",
        "raw.orders.units: nullability (NOT NULL in the warehouse, nullable in the contract)",
        "raw.orders.is_first_order: column not in the contract (boolean)",
    ]
    text = render_revision(differences(fresh_db, changed), "0005", "0004", "orders: units widened", TODAY)
    assert "ALTER TABLE raw.orders ALTER COLUMN units TYPE bigint USING units::bigint;" in text
    assert "ALTER TABLE raw.orders ALTER COLUMN units DROP NOT NULL;" in text
    assert "ALTER TABLE raw.orders DROP COLUMN is_first_order;" in text

    path = scaffold(fresh_db, "orders: units widened", versions_dir=migrations / "versions", contracts=changed)
    assert path is not None
    _alembic(fresh_db, migrations, "upgrade", "head")
    assert differences(fresh_db, changed) == []
    _alembic(fresh_db, migrations, "downgrade", "0004")
    assert differences(fresh_db) == []


def test_an_up_to_date_warehouse_scaffolds_nothing_and_one_behind_head_is_refused(
    fresh_db: str, migrations: Path
) -> None:
    migrate.upgrade(fresh_db)
    assert scaffold(fresh_db, "nothing", versions_dir=migrations / "versions") is None
    assert list((migrations / "versions").glob("0005_*")) == []
    migrate.downgrade(fresh_db, "0003")
    with pytest.raises(MigrationError, match="at revision 0003, not 0004"):
        scaffold(fresh_db, "behind", versions_dir=migrations / "versions", contracts=_with("orders", GIFT_NOTE))


def test_ecom_db_scaffold_reports_nothing_to_do_at_head_and_refuses_a_warehouse_behind_in_one_line(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from ecom_pipeline.cli import main

    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    migrate.upgrade(fresh_db)
    before = sorted(p.name for p in migrate.MIGRATIONS_DIR.joinpath("versions").glob("*.py"))
    result = CliRunner().invoke(main, ["db", "scaffold", "-m", "nothing"])
    assert result.exit_code == 0, result.output
    assert "matches the contract: nothing to scaffold" in result.output
    assert sorted(p.name for p in migrate.MIGRATIONS_DIR.joinpath("versions").glob("*.py")) == before

    migrate.downgrade(fresh_db, "0003")
    result = CliRunner().invoke(main, ["db", "scaffold", "-m", "behind"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "is at revision 0003, not 0004: run `ecom db upgrade` first" in result.stderr
