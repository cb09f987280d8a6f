"""The data contract package: standalone, consistent with itself, and the single definition the layers read."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from ecom_pipeline.contract import (
    CONTRACTS,
    AgeBetween,
    Below,
    Currency,
    Equals,
    Kind,
    Matches,
    Pii,
    Token,
    expressions,
)
from ecom_pipeline.contract import enums as contract_enums

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "ecom_pipeline" / "contract"
ENGINE = ("generation", "storage", "quality", "defs")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("path", sorted(CONTRACT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_contract_imports_only_polars_the_standard_library_and_itself(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert not name.startswith("."), f"{path.name}: relative import {name}"
        if top == "ecom_pipeline":
            assert name.startswith("ecom_pipeline.contract"), f"{path.name} imports {name}"
            assert not any(name.startswith(f"ecom_pipeline.{part}") for part in ENGINE)
        else:
            assert top == "polars" or top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name} imports {name}: the contract depends on polars and the standard library only"
            )


def test_importing_the_contract_loads_no_other_part_of_the_project() -> None:
    code = "import sys, ecom_pipeline.contract; print(sorted(m for m in sys.modules if m.startswith('ecom_pipeline')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)  # a list literal of module names
    assert [m for m in loaded if m != "ecom_pipeline" and not m.startswith("ecom_pipeline.contract")] == []


def test_storage_conform_reads_the_contract_without_loading_the_generator() -> None:
    code = (
        "import sys, ecom_pipeline.storage.conform;"
        " print(any(m.startswith('ecom_pipeline.generation') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_generator_modules_re_export_the_contract_objects_themselves() -> None:
    from ecom_pipeline.generation import enums, schemas

    assert schemas.CONTRACTS is CONTRACTS
    for name in (
        "Table",
        "OrderStatus",
        "PaymentStatus",
        "PaymentMethod",
        "CardBrand",
        "Segment",
        "Gender",
        "Currency",
    ):
        assert getattr(enums, name) is getattr(contract_enums, name), name


def test_every_reference_key_and_partition_names_a_real_column() -> None:
    for table in CONTRACTS.values():
        names = [c.name for c in table.columns]
        assert len(names) == len(set(names)), table.name
        assert set(table.primary_key) <= set(names), table.name
        if table.partition_column is not None:
            assert table.partition_via is None, table.name
            assert isinstance(table.column(table.partition_column).dtype, pl.Datetime), table.name
        if table.partition_via is not None:
            assert table.column(table.partition_via).references is not None, table.name
        for column in table.columns:
            if column.references:
                parent, key = column.references
                assert key in CONTRACTS[parent].primary_key, f"{table.name}.{column.name} -> {column.foreign_key}"
                assert CONTRACTS[parent].column(key).dtype == column.dtype, f"{table.name}.{column.name}"


def test_facts_are_the_tables_partitioned_by_an_event_and_reference_tables_are_dimensions() -> None:
    facts = {name for name, t in CONTRACTS.items() if t.kind is Kind.FACT}
    assert facts == {"orders", "order_items", "order_status_history", "payments", "shipments"}
    assert {name for name, t in CONTRACTS.items() if t.is_reference} == {"categories"}
    assert all(CONTRACTS[name].kind is Kind.DIMENSION for name in CONTRACTS if CONTRACTS[name].is_reference)


def test_every_check_reads_columns_of_its_own_table_of_a_fitting_type() -> None:
    for table in CONTRACTS.values():
        for column, check in table.checks():
            where = f"{table.name}.{column.name}: {check!r}"
            if isinstance(check, Equals):
                for name in expressions.columns(check.expression):
                    assert table.column(name).dtype.is_numeric(), where
                assert column.dtype.is_numeric(), where
            elif isinstance(check, Below):
                assert table.column(check.other).dtype == column.dtype, where
            elif isinstance(check, AgeBetween):
                assert column.dtype == pl.Date and isinstance(table.column(check.at).dtype, pl.Datetime), where
            elif isinstance(check, Matches):
                assert column.dtype == pl.String, where


def test_direct_identifiers_have_a_mask_and_nothing_else_does() -> None:
    direct = set()
    for table in CONTRACTS.values():
        for column in table.columns:
            assert (column.mask is not None) == (column.pii is Pii.DIRECT), f"{table.name}.{column.name}"
            if isinstance(column.mask, Token):
                table.column(column.mask.of)  # the token's source is a column of the same table
            if column.pii is Pii.DIRECT:
                direct.add(f"{table.name}.{column.name}")
    assert direct == {
        "customers.first_name",
        "customers.last_name",
        "customers.email",
        "customers.phone",
        "addresses.line1",
    }


def test_carried_columns_name_a_mart_column() -> None:
    carried = {f"{t.name}.{c.name}": c.carried_to() for t in CONTRACTS.values() for c in t.columns if c.carried}
    assert carried["orders.total"] == [("fct_orders", "total_local")]
    assert carried["orders.currency"] == [("fct_orders", "currency")]


def test_the_markets_sell_in_exactly_the_contract_currencies() -> None:
    from ecom_pipeline.generation import MARKETS

    assert list(dict.fromkeys(m.currency for m in MARKETS)) == list(Currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "subtotal - discount + tax + shipping_fee",
            '[([([(col("subtotal")) - (col("discount"))]) + (col("tax"))]) + (col("shipping_fee"))]',
        ),
        ("quantity * unit_price - discount", '[([(col("quantity")) * (col("unit_price"))]) - (col("discount"))]'),
        ("a * (b + c)", '[(col("a")) * ([(col("b")) + (col("c"))])]'),
    ],
)
def test_an_expression_reads_as_polars_with_precedence_and_left_associativity(text: str, expected: str) -> None:
    assert str(expressions.to_polars(text)) == expected


@pytest.mark.parametrize("text", ["a +", "a b", "(a + b", "a + 1", "a / b", ""])
def test_a_malformed_expression_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        expressions.to_polars(text)


def test_the_arithmetic_checks_hold_on_generated_rows_and_fail_on_a_changed_total() -> None:
    from ecom_pipeline.generation import GeneratorConfig, generate_day

    frames = generate_day(GeneratorConfig(seed=42), dt.date(2026, 1, 2))
    for table in CONTRACTS.values():
        for column, check in table.checks():
            if isinstance(check, Equals):
                residual = frames[table.name].select(check.residual(column.name).alias("r"))["r"]
                assert (residual == 0).all(), f"{table.name}.{column.name}"
    orders = frames["orders"].with_columns(pl.col("total") + pl.lit(1).cast(pl.Decimal(12, 2)))
    check = next(c for c in CONTRACTS["orders"].column("total").checks if isinstance(c, Equals))
    assert not (orders.select(check.residual("total").alias("r"))["r"] == 0).any()


@pytest.mark.parametrize("day", [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 9)], ids=str)
def test_the_partition_column_decides_each_rows_day(day: dt.date) -> None:
    """After the epoch a row's partition is its partition column's UTC day; at the epoch the opening rows
    (catalog, customer base) are dated on or before it. A child table shares its parent row's day."""
    from ecom_pipeline.generation import GeneratorConfig, generate_day

    config = GeneratorConfig(seed=42)
    frames = generate_day(config, day)
    for table in CONTRACTS.values():
        frame = frames[table.name]
        if table.partition_column is not None:
            days = frame[table.partition_column].dt.date()
            if day == config.epoch:
                assert (days <= day).all(), table.name
            else:
                assert (days == day).all(), table.name
        elif table.partition_via is not None:
            parent, key = table.column(table.partition_via).references or ("", "")
            assert frame[table.partition_via].is_in(frames[parent][key].implode()).all(), table.name


def test_the_masked_mode_replaces_exactly_the_direct_identifiers() -> None:
    from ecom_pipeline.generation import GeneratorConfig, generate_day
    from ecom_pipeline.storage.conform import day_to_silver

    day = dt.date(2026, 1, 1)
    frames = generate_day(GeneratorConfig(seed=42), day)
    masked = day_to_silver(day, frames, pii="masked", salt="pepper")
    for name, table in CONTRACTS.items():
        for column in table.columns:
            changed = not masked[name][column.name].equals(frames[name][column.name])
            assert changed == (column.pii is Pii.DIRECT), f"{name}.{column.name}"
