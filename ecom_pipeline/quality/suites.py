"""Bronze expectation suites, as code: one suite per contract table, derived from the contract.

A suite is a list of `Rule`s, plain data that names every check (`orders.order_id_unique`), so a failure can
be attributed to a rule and the rules can be listed without importing Great Expectations (slow to import).
`build_bronze_suite` turns them into a `gx.ExpectationSuite`; `checkpoints.write_project` writes the suites
to `great_expectations/expectations/` for review.

Bronze rules look at one table of one lake partition at a time, one row (or one column) at a time:

- columns: names and order as in the contract (GX); dtypes against the contract on the polars frame
  (`contract_dtype_errors`, before GX: pandas loses the polars types, e.g. Decimal(12,2) becomes object);
- keys: primary key unique (compound for composite keys);
- not null: every column the contract does not mark nullable;
- enums: values in the contract's set (nulls pass: nullable enums are covered by the not-null rules);
- value checks, from the contract's columns (`Column.checks`): ranges (prices > 0, quantities >= 1, money >= 0,
  age at sign-up 18-90), comparisons (cost < price), arithmetic (order and line totals equal to their
  components, exact decimal arithmetic row by row), natural keys (email, sku) unique, patterns (email, card
  digits, time zone);
- time: no timestamp at or after the end of the partition day (parameter `partition_end`);
- size: row count within bounds derived from the scale profile's expected count for the day (parameters
  `min_rows`, `max_rows`, from `row_count_bounds`: wide margins, never flaky).

Runtime values are GX expectation parameters (`{"$PARAMETER": name}`), so one stored suite serves every day.
Single-row arithmetic that GX's pandas expectations cannot express is computed on the polars frame first,
as derived columns named with a leading underscore (`DERIVED`), and checked like any other column.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ecom_pipeline.contract import CONTRACTS, AgeBetween, Below, Between, Check, Column, Equals, Like, Matches, Unique
from ecom_pipeline.generation.calendar import day_ordinal
from ecom_pipeline.generation.config import GeneratorConfig

if TYPE_CHECKING:
    import great_expectations as gx

LAYER = "bronze"
RULE = "rule"  # the meta key naming an expectation's rule

# Expectation parameters, supplied per run by the checkpoint runner.
PARTITION_END = "partition_end"
MIN_ROWS = "min_rows"
MAX_ROWS = "max_rows"

# Generator facts the bounds lean on (upper limits, not averages).
MAX_STATUS_CHANGES_PER_ORDER = 4  # placed, paid, shipped, delivered
MAX_PAYMENT_ATTEMPTS = 2
IN_FLIGHT_DAYS = 21  # an order's later changes (payment, shipment, delivery) land within this many days
# Expectation ids derive from rule names, so rewriting a suite leaves its file unchanged.
_RULE_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "ecom_pipeline/quality/rules")


@dataclass(frozen=True, slots=True)
class Rule:
    """One named check: a GX expectation class (by name) and its arguments."""

    name: str  # "<table>.<what>", unique within the layer
    expectation: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)
    notes: str = ""

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[0]


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def _derived(table: str) -> dict[str, pl.Expr]:
    """A table's derived columns: the row arithmetic of its contract checks, appended to the polars frame
    before validation (an age from two dates, the residual of an equation, 0 when it holds)."""
    derived: dict[str, pl.Expr] = {}
    for column, check in CONTRACTS[table].checks():
        if isinstance(check, AgeBetween):
            derived[check.derived] = check.expression(column.name)
        elif isinstance(check, Equals):
            derived[check.derived(column.name)] = check.residual(column.name)
    return derived


# Derived columns: single-row arithmetic on the polars frame, appended before validation.
DERIVED: dict[str, dict[str, pl.Expr]] = {table: d for table in CONTRACTS if (d := _derived(table))}


def _check_rule(table: str, column: Column, check: Check) -> Rule:
    """The bronze rule of one contract check."""
    name, notes = f"{table}.{check.rule(column.name)}", check.notes(column.name)
    if isinstance(check, Between):
        kwargs: dict[str, Any] = {"column": column.name}
        if check.low is not None:
            kwargs["min_value"] = check.low
        if check.high is not None:
            kwargs["max_value"] = check.high
        if check.strict_low:
            kwargs["strict_min"] = True
        return Rule(name, "ExpectColumnValuesToBeBetween", kwargs, notes)
    if isinstance(check, AgeBetween):
        kwargs = {"column": check.derived, "min_value": check.low, "max_value": check.high}
        return Rule(name, "ExpectColumnValuesToBeBetween", kwargs, notes)
    if isinstance(check, Below):
        kwargs = {"column_A": check.other, "column_B": column.name}
        return Rule(name, "ExpectColumnPairValuesAToBeGreaterThanB", kwargs, notes)
    if isinstance(check, Equals):
        kwargs = {"column": check.derived(column.name), "min_value": 0, "max_value": 0}
        return Rule(name, "ExpectColumnValuesToBeBetween", kwargs, notes)
    if isinstance(check, Unique):
        return Rule(name, "ExpectColumnValuesToBeUnique", {"column": column.name}, notes)
    if isinstance(check, Matches | Like):
        regex = check.regex if isinstance(check, Like) else check.pattern
        return Rule(name, "ExpectColumnValuesToMatchRegex", {"column": column.name, "regex": regex}, notes)
    raise TypeError(f"no bronze rule for {check!r}")


def bronze_rules(table: str) -> list[Rule]:
    """The bronze rules of one contract table, in a stable order (the suite's order)."""
    contract = CONTRACTS[table]
    derived = list(DERIVED.get(table, {}))
    rules = [
        Rule(
            f"{table}.columns_match_contract",
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": [c.name for c in contract.columns] + derived},
            "The contract's columns in contract order"
            + (f", then the derived columns {', '.join(derived)}." if derived else "."),
        ),
        Rule(
            f"{table}.row_count_in_bounds",
            "ExpectTableRowCountToBeBetween",
            {"min_value": _param(MIN_ROWS), "max_value": _param(MAX_ROWS)},
            "Rows within wide bounds around the scale profile's expected count for the day.",
        ),
    ]
    key = list(contract.primary_key)
    if len(key) == 1:
        rules.append(
            Rule(f"{table}.{key[0]}_unique", "ExpectColumnValuesToBeUnique", {"column": key[0]}, "Primary key.")
        )
    else:
        rules.append(
            Rule(
                f"{table}.primary_key_unique",
                "ExpectCompoundColumnsToBeUnique",
                {"column_list": key},
                f"Primary key ({', '.join(key)}).",
            )
        )
    for c in contract.columns:
        if not c.nullable:
            rules.append(
                Rule(f"{table}.{c.name}_not_null", "ExpectColumnValuesToNotBeNull", {"column": c.name}, "Required.")
            )
    for c in contract.columns:
        if c.values:
            rules.append(
                Rule(
                    f"{table}.{c.name}_in_set",
                    "ExpectColumnValuesToBeInSet",
                    {"column": c.name, "value_set": list(c.values)},
                    "The contract's enumeration.",
                )
            )
    for c in contract.columns:
        if isinstance(c.dtype, pl.Datetime):
            rules.append(
                Rule(
                    f"{table}.{c.name}_before_partition_end",
                    "ExpectColumnValuesToBeBetween",
                    {"column": c.name, "max_value": _param(PARTITION_END), "strict_max": True},
                    "No timestamp at or after the end of the partition day (UTC).",
                )
            )
    rules.extend(_check_rule(table, column, check) for column, check in contract.checks())
    return rules


def suite_name(table: str) -> str:
    return f"{LAYER}_{table}"


def build_suite(name: str, rules: list[Rule], meta: dict[str, Any]) -> gx.ExpectationSuite:
    """A GX suite of the rules, each rule's name in its expectation's `meta`, ids derived from the names (so
    rewriting a suite leaves its file unchanged)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(
        name=name,
        expectations=[
            getattr(gxe, rule.expectation)(**rule.kwargs, meta={RULE: rule.name}, notes=rule.notes or None)
            for rule in rules
        ],
        meta=meta,
    )
    for expectation, rule in zip(suite.expectations, rules, strict=True):
        expectation.id = str(uuid.uuid5(_RULE_IDS, rule.name))
    return suite


def build_bronze_suite(table: str) -> gx.ExpectationSuite:
    """The `bronze_<table>` suite: every bronze rule as an expectation, its rule name in `meta`."""
    meta = {"layer": LAYER, "table": table, "contract": CONTRACTS[table].description}
    return build_suite(suite_name(table), bronze_rules(table), meta)


def contract_dtype_errors(table: str, frame: pl.DataFrame) -> list[str]:
    """How a frame's polars schema differs from the contract ("column: dtype, expected dtype"); [] when equal.

    Checked on the polars frame because the contract's types are polars types: after `to_pandas()`
    Decimal(12,2) and String both become object-like columns and Int16 an int16 or a float with nulls,
    so pandas dtype names cannot tell a Decimal(12,2) from a Decimal(38,0) or a string.
    """
    expected = CONTRACTS[table].schema
    errors = [f"{name}: missing, expected {dtype}" for name, dtype in expected.items() if name not in frame.schema]
    for name, dtype in frame.schema.items():
        if name not in expected:
            errors.append(f"{name}: {dtype}, not in the contract")
        elif dtype != expected[name]:
            errors.append(f"{name}: {dtype}, expected {expected[name]}")
    return errors


def with_derived_columns(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with its table's derived columns appended (a derived column whose inputs are missing or of
    the wrong type is left out: the column rules then report the schema, not a crash)."""
    derived = DERIVED.get(table, {})
    for name, expr in derived.items():
        try:
            value = frame.select(expr.alias(name))
        except pl.exceptions.PolarsError:
            continue
        frame = frame.with_columns(value.to_series())
    return frame


def to_validation_frame(table: str, frame: pl.DataFrame) -> Any:
    """The pandas frame GX validates: derived columns appended, decimals as float64.

    Money goes to float64 so that GX's pandas comparisons stay vectorised (a Decimal column becomes Python
    objects). That keeps every check here exact: decimal(12,2) has at most 12 significant digits, so distinct
    amounts stay distinct and ordered as doubles, and the residual columns are computed exactly in decimal
    before the cast (0 stays 0).
    """
    return _to_pandas(with_derived_columns(table, frame))


def to_validation_frame_of_days(table: str, frames: list[tuple[dt.date, pl.DataFrame]]) -> Any:
    """The pandas frame GX validates for consecutive days of a table at once: each day's frame with its derived
    columns, its timestamps moved forward by the whole days between it and the last day, then all concatenated.

    Moving a day's timestamps by whole days keeps every rule's answer for that day: a timestamp is before its
    own day's partition end exactly when, moved, it is before the last day's (the parameter `partition_end` of
    the run), and the derived columns are computed before the move. Raises polars' error when the days' frames
    do not share their columns and types.
    """
    last = max(day for day, _ in frames)
    parts = []
    for day, frame in frames:
        frame = with_derived_columns(table, frame)
        stamps = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
        if stamps and day != last:
            frame = frame.with_columns(pl.col(stamps) + (last - day))
        parts.append(frame)
    return _to_pandas(pl.concat(parts, how="vertical"))


def _to_pandas(frame: pl.DataFrame) -> Any:
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    if decimals:
        frame = frame.with_columns(pl.col(decimals).cast(pl.Float64))
    return frame.to_pandas()


@dataclass(frozen=True, slots=True)
class RowBounds:
    expected: int
    min_rows: int
    max_rows: int


def _widen(low: float, high: float) -> RowBounds:
    """Wide margins: a fifth of the floor minus 10 below, five times the expected count plus 10 (at least 50)
    above. Daily counts are Poisson draws around the expected count, far inside these."""
    return RowBounds(
        expected=math.ceil(high),
        min_rows=max(0, math.floor(low / 5) - 10),
        max_rows=max(50, math.ceil(5 * high) + 10),
    )


def row_count_bounds(config: GeneratorConfig, day: dt.date) -> dict[str, RowBounds]:
    """Row-count bounds of every table's partition on the day, from the scale profile's expected counts.

    The counts module gives the day's customers, products and orders. Child tables scale with them:
    addresses by the mean addresses per customer, order lines by the mean lines per order (at least one), and
    the tables fed by orders still in flight (status changes, payments, shipments) by the busiest day of the
    last IN_FLIGHT_DAYS days times the most rows one order can add to them.
    """
    from ecom_pipeline.generation import counts
    from ecom_pipeline.generation.providers.taxonomy import CATEGORIES

    ordinal = day_ordinal(day)
    first = day_ordinal(config.epoch)
    b = config.behaviour
    customers = counts.customers_on(config, ordinal)
    orders = counts.orders_on(config, ordinal)
    recent = max(counts.orders_on(config, d) for d in range(max(first, ordinal - IN_FLIGHT_DAYS), ordinal + 1))
    addresses_per_customer = sum((i + 1) * w for i, w in enumerate(b.addresses_per_customer))
    bounds = {
        "categories": _widen(len(CATEGORIES) if ordinal == first else 0, len(CATEGORIES) if ordinal == first else 0),
        "products": _widen(counts.products_on(config, ordinal), counts.products_on(config, ordinal)),
        "customers": _widen(customers, customers),
        "addresses": _widen(customers, customers * addresses_per_customer),
        "orders": _widen(orders, orders),
        "order_items": _widen(orders, orders * b.items_per_order),
        "order_status_history": _widen(orders, recent * MAX_STATUS_CHANGES_PER_ORDER),
        "payments": _widen(0, recent * MAX_PAYMENT_ATTEMPTS),
        "shipments": _widen(0, recent),
    }
    return bounds


def partition_end(day: dt.date) -> dt.datetime:
    """The exclusive end of a day's partition: midnight UTC after it."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def expectation_parameters(table: str, day: dt.date, bounds: RowBounds) -> dict[str, Any]:
    """The runtime values of one table's suite for a day."""
    return {PARTITION_END: partition_end(day), MIN_ROWS: bounds.min_rows, MAX_ROWS: bounds.max_rows}
