"""Bronze -> silver: the contract check, deduplication and the PII modes, on generated frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ecom_pipeline.generation import CONTRACTS, GeneratorConfig, generate_day
from ecom_pipeline.storage.conform import SchemaDriftError, check_contract, day_to_silver, to_silver

CONFIG = GeneratorConfig(seed=42)
DAY1 = dt.date(2026, 1, 1)  # the epoch
DAY2 = DAY1 + dt.timedelta(days=1)
DAY3 = dt.date(2026, 1, 6)  # a working day: New Year's Day ships nothing
SALT = "pepper"


@pytest.fixture(scope="module")
def frames() -> dict[dt.date, dict[str, pl.DataFrame]]:
    return {day: generate_day(CONFIG, day) for day in (DAY1, DAY2, DAY3)}


@pytest.fixture(scope="module")
def masked(frames: dict[dt.date, dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    return day_to_silver(DAY1, frames[DAY1], pii="masked", salt=SALT)


def with_duplicate_of_first_row(table: str, frame: pl.DataFrame, *, first: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frame with a copy of its first row (same key, another value in one column), placed first or last."""
    key = CONTRACTS[table].primary_key
    other = next(c for c in frame.columns if c not in key and frame.head(2)[c].n_unique() == 2)
    copy = frame.head(1).with_columns(frame.slice(1, 1)[other])  # the second row's value: differs from the first's
    return (pl.concat([copy, frame]) if first else pl.concat([frame, copy])), copy


@pytest.mark.parametrize("day", [DAY1, DAY2], ids=str)
def test_full_mode_leaves_every_generated_table_unchanged(
    day: dt.date, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    silver = day_to_silver(day, frames[day], pii="full")

    assert list(silver) == list(frames[day])
    for table, frame in frames[day].items():
        assert silver[table].schema == frame.schema, table
        assert silver[table].equals(frame), table


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_a_duplicated_row_is_removed_keeping_the_first_occurrence(
    table: str, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    day = next(d for d, f in frames.items() if f[table].height >= 2)  # shipments: not on New Year's Day
    frame = frames[day][table]
    duplicated_last, _ = with_duplicate_of_first_row(table, frame, first=False)
    duplicated_first, copy = with_duplicate_of_first_row(table, frame, first=True)

    assert to_silver(table, day, duplicated_last).equals(frame)
    assert to_silver(table, day, duplicated_first).equals(pl.concat([copy, frame.slice(1)]))


def test_masked_customers_get_generic_names_unique_masked_emails_and_tokenized_phones(
    frames: dict[dt.date, dict[str, pl.DataFrame]], masked: dict[str, pl.DataFrame]
) -> None:
    original, customers = frames[DAY1]["customers"], masked["customers"]

    assert customers.height == original.height
    assert customers["customer_id"].equals(original["customer_id"])
    assert (customers["first_name"] == "Customer").all()
    assert customers["last_name"].str.contains(r"^Customer_\d+$").all()
    assert customers["email"].str.ends_with("@masked.invalid").all()
    assert customers["email"].n_unique() == customers.height
    for before, after in zip(original["email"], customers["email"], strict=True):
        assert before.split("@")[0] not in after
    assert customers["phone"].str.contains(r"^tok_\d{12}$").all()
    assert not customers["phone"].is_in(original["phone"].to_list()).any()
    untouched = [c for c in original.columns if c not in ("first_name", "last_name", "email", "phone")]
    assert customers.select(untouched).equals(original.select(untouched))


def test_masked_addresses_get_a_generic_first_line_and_keep_the_rest(
    frames: dict[dt.date, dict[str, pl.DataFrame]], masked: dict[str, pl.DataFrame]
) -> None:
    original, addresses = frames[DAY1]["addresses"], masked["addresses"]

    assert addresses["line1"].str.contains(r"^Address_\d+$").all()
    assert addresses.drop("line1").equals(original.drop("line1"))


def test_masked_mode_leaves_tables_without_pii_unchanged(
    frames: dict[dt.date, dict[str, pl.DataFrame]], masked: dict[str, pl.DataFrame]
) -> None:
    for table, frame in frames[DAY1].items():
        if table not in ("customers", "addresses"):
            assert masked[table].equals(frame), table


def test_masking_is_deterministic_for_a_salt_and_differs_for_another(
    frames: dict[dt.date, dict[str, pl.DataFrame]], masked: dict[str, pl.DataFrame]
) -> None:
    again = day_to_silver(DAY1, frames[DAY1], pii="masked", salt=SALT)
    other = day_to_silver(DAY1, frames[DAY1], pii="masked", salt="another salt")

    for table in ("customers", "addresses"):
        assert again[table].equals(masked[table]), table
    for table, column in (("customers", "last_name"), ("customers", "email"), ("customers", "phone")):
        assert (other[table][column] != masked[table][column]).all(), column
    assert (other["addresses"]["line1"] != masked["addresses"]["line1"]).all()


def test_masking_also_removes_duplicates(frames: dict[dt.date, dict[str, pl.DataFrame]]) -> None:
    customers = frames[DAY1]["customers"]
    duplicated = pl.concat([customers, customers.head(3)])

    assert to_silver("customers", DAY1, duplicated, pii="masked", salt=SALT).equals(
        to_silver("customers", DAY1, customers, pii="masked", salt=SALT)
    )


@pytest.mark.parametrize("check", [check_contract, to_silver], ids=["check_contract", "to_silver"])
def test_a_missing_column_is_schema_drift_naming_table_column_and_partition(
    check: object, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    orders = frames[DAY2]["orders"].drop("total")

    with pytest.raises(SchemaDriftError) as excinfo:
        check("orders", DAY2, orders)  # type: ignore[operator]

    message = str(excinfo.value)
    assert "orders/date=2026-01-02" in message
    assert "'total'" in message
    assert "missing" in message


@pytest.mark.parametrize("check", [check_contract, to_silver], ids=["check_contract", "to_silver"])
def test_a_column_of_the_wrong_type_is_schema_drift_naming_table_column_and_partition(
    check: object, frames: dict[dt.date, dict[str, pl.DataFrame]]
) -> None:
    orders = frames[DAY1]["orders"].with_columns(pl.col("total").cast(pl.Float64))

    with pytest.raises(SchemaDriftError) as excinfo:
        check("orders", DAY1, orders)  # type: ignore[operator]

    message = str(excinfo.value)
    assert "orders/date=2026-01-01" in message
    assert "'total'" in message
    assert "Float64" in message
    assert "Decimal" in message


def test_generated_frames_satisfy_the_contract(frames: dict[dt.date, dict[str, pl.DataFrame]]) -> None:
    for day, tables in frames.items():
        for table, frame in tables.items():
            check_contract(table, day, frame)


@pytest.mark.parametrize("mode", ["hashed", "MASKED", ""])
def test_an_unknown_pii_mode_is_refused(mode: str, frames: dict[dt.date, dict[str, pl.DataFrame]]) -> None:
    with pytest.raises(ValueError, match=r"PII mode") as excinfo:
        to_silver("customers", DAY1, frames[DAY1]["customers"], pii=mode)

    assert excinfo.type is ValueError
    assert repr(mode) in str(excinfo.value)
