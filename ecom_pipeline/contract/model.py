"""The vocabulary of the data contract: columns, tables, value checks, PII classes and their silver masks.

Everything here is declarative data (frozen dataclasses): the contract says what a column is, and the layers
that keep a copy of it (the generator, the bronze and warehouse gates, the warehouse DDL, silver masking, dbt's
sources and staging models, Dagster's column schemas, JSON Schema) derive it or are tested against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import ClassVar, TypeAlias

import polars as pl

from ecom_pipeline.contract import expressions

# A column's polars type: an instance such as `pl.Decimal(12, 2)`, or a class without parameters such as `pl.String`.
DType: TypeAlias = pl.DataType | type[pl.DataType]


class Kind(StrEnum):
    """A fact table records events (one row per order, line, change, attempt, shipment) and grows with time;
    a dimension describes the things events refer to (categories, products, customers, addresses)."""

    FACT = "fact"
    DIMENSION = "dimension"


class Pii(StrEnum):
    """How a column relates to a person: `direct_identifier` names or reaches them on its own (silver's masked
    mode replaces it, see `Column.mask`); `quasi_identifier` identifies in combination with other columns
    (kept as is: the masked mode does not generalise it); `none` otherwise."""

    NONE = "none"
    DIRECT = "direct_identifier"
    QUASI = "quasi_identifier"


# ----------------------------------------------------------------------------------------------- silver masks


@dataclass(frozen=True, slots=True)
class Constant:
    """Masked to one value for every row (e.g. `Customer`)."""

    value: str

    def describe(self) -> str:
        return f"replaced by {self.value!r}"


@dataclass(frozen=True, slots=True)
class Token:
    """Masked to `prefix` + a salted, stable `digits`-digit token of column `of` (equal inputs, equal tokens)."""

    prefix: str
    of: str
    digits: int

    def describe(self) -> str:
        return f"replaced by {self.prefix!r} + a salted {self.digits}-digit token of {self.of}"


@dataclass(frozen=True, slots=True)
class HashedEmail:
    """Masked to a salted hash of the address at `domain`: unique when the addresses are, revealing none."""

    domain: str = "masked.invalid"

    def describe(self) -> str:
        return f"replaced by a salted hash of the address @{self.domain}"


Mask = Constant | Token | HashedEmail


# ------------------------------------------------------------------------------------------------ value checks


class Group(IntEnum):
    """The order in which a table's checks are listed (then in column order within a group)."""

    RANGE = 0
    COMPARISON = 1
    ARITHMETIC = 2
    UNIQUENESS = 3
    PATTERN = 4


@dataclass(frozen=True, slots=True)
class Between:
    """low <= value <= high (either bound optional; `strict_low` makes the low bound exclusive).

    `label` names the rule (`<column>_<label>`); `note` explains it, `{column}` standing for the column's name.
    """

    low: int | None = None
    high: int | None = None
    strict_low: bool = False
    label: str = ""
    note: str = ""
    group: ClassVar[Group] = Group.RANGE

    def rule(self, column: str) -> str:
        return f"{column}_{self.label}"

    def notes(self, column: str) -> str:
        return self.note.format(column=column)

    def sql(self, column: str) -> str:
        """The check as a SQL boolean expression over the row."""
        if self.low is not None and self.high is not None and not self.strict_low:
            return f"{column} BETWEEN {self.low} AND {self.high}"
        parts = []
        if self.low is not None:
            parts.append(f"{column} {'>' if self.strict_low else '>='} {self.low}")
        if self.high is not None:
            parts.append(f"{column} <= {self.high}")
        return " AND ".join(parts)


def positive(note: str = "{column} is a price: strictly positive.") -> Between:
    return Between(low=0, strict_low=True, label="positive", note=note)


def not_negative(note: str = "{column} is money and never negative.") -> Between:
    return Between(low=0, label="not_negative", note=note)


def at_least(low: int, note: str = "{column} is a count: at least {low}.") -> Between:
    return Between(low=low, label=f"at_least_{low}", note=note.replace("{low}", str(low)))


@dataclass(frozen=True, slots=True)
class AgeBetween:
    """A date column (a birth date) lies `low` to `high` years before the timestamp column `at`: years of
    365.25 days, to 2 decimals (whole-day dates put an age at a bound up to half a day short; 2 decimals absorb
    that, not a real 17.99)."""

    at: str
    low: int
    high: int
    note: str = ""
    group: ClassVar[Group] = Group.RANGE
    DAYS_PER_YEAR: ClassVar[float] = 365.25

    @property
    def derived(self) -> str:
        """The name of the derived age column (`_age_at_signup` for `signup_at`)."""
        return f"_age_at_{self.at.removesuffix('_at')}"

    def rule(self, column: str) -> str:
        return f"{self.derived.lstrip('_')}_{self.low}_to_{self.high}"

    def notes(self, column: str) -> str:
        return self.note

    def expression(self, column: str) -> pl.Expr:
        days = (pl.col(self.at).dt.date() - pl.col(column)).dt.total_days()
        return (days / self.DAYS_PER_YEAR).round(2)


@dataclass(frozen=True, slots=True)
class Below:
    """value < the row's `other` column."""

    other: str
    note: str = ""
    group: ClassVar[Group] = Group.COMPARISON

    def rule(self, column: str) -> str:
        return f"{column}_below_{self.other}"

    def notes(self, column: str) -> str:
        return self.note

    def sql(self, column: str) -> str:
        return f"{column} < {self.other}"


@dataclass(frozen=True, slots=True)
class Equals:
    """value = an arithmetic expression (+, -, *, parentheses) of the row's other columns, exactly."""

    expression: str
    group: ClassVar[Group] = Group.ARITHMETIC

    def rule(self, column: str) -> str:
        return f"{column}_equals_components"

    def notes(self, column: str) -> str:
        return f"{column} = {self.expression}, exactly (decimal arithmetic per row)."

    def derived(self, column: str) -> str:
        """The name of the derived residual column (`_total_residual`): expression minus value, 0 when it holds."""
        return f"_{column}_residual"

    def residual(self, column: str) -> pl.Expr:
        return expressions.to_polars(self.expression) - pl.col(column)

    def sql(self, column: str) -> str:
        return f"{column} = {self.expression}"


@dataclass(frozen=True, slots=True)
class Unique:
    """No two rows share a value: a natural key, unique across the dataset (so within a partition too)."""

    note: str = ""
    group: ClassVar[Group] = Group.UNIQUENESS

    def rule(self, column: str) -> str:
        return f"{column}_unique"

    def notes(self, column: str) -> str:
        return self.note


@dataclass(frozen=True, slots=True)
class Matches:
    """value matches a regular expression (POSIX extended, the same in Python and PostgreSQL for these)."""

    pattern: str
    label: str
    note: str = ""
    group: ClassVar[Group] = Group.PATTERN

    def rule(self, column: str) -> str:
        return f"{column}_{self.label}"

    def notes(self, column: str) -> str:
        return self.note

    def sql(self, column: str) -> str:
        escaped = self.pattern.replace("'", "''")
        return f"{column} ~ '{escaped}'"


@dataclass(frozen=True, slots=True)
class Like:
    """value matches a SQL LIKE pattern (`%` any run of characters, `_` any one character)."""

    pattern: str
    label: str
    note: str = ""
    group: ClassVar[Group] = Group.PATTERN

    def rule(self, column: str) -> str:
        return f"{column}_{self.label}"

    def notes(self, column: str) -> str:
        return self.note

    @property
    def regex(self) -> str:
        """The same pattern as an anchored regular expression."""
        pieces = {"%": ".*", "_": "."}
        return "^" + "".join(pieces.get(ch, re.escape(ch)) for ch in self.pattern) + "$"

    def sql(self, column: str) -> str:
        escaped = self.pattern.replace("'", "''")
        return f"{column} LIKE '{escaped}'"


Check = Between | AgeBetween | Below | Equals | Unique | Matches | Like


# ------------------------------------------------------------------------------------------- columns and tables


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table.

    - `enum`: the StrEnum of its accepted values (`values` lists them);
    - `foreign_key`: `"table.column"` it references;
    - `checks`: value rules on the row (ranges, comparisons, arithmetic, uniqueness, patterns);
    - `pii` and `mask`: its PII class and, for a direct identifier, how silver's masked mode replaces it;
    - `carried`: the marts it must reach, as `"mart"` (same name) or `"mart.column"` (renamed on the way);
    - `dbt_not_null`: dbt tests it not null even though it is neither a key, a reference nor an enumeration
      (those are tested not null whenever they are required).
    """

    name: str
    dtype: DType
    description: str
    nullable: bool = False
    enum: type[StrEnum] | None = None
    foreign_key: str | None = None  # "table.column"
    checks: tuple[Check, ...] = ()
    pii: Pii = Pii.NONE
    mask: Mask | None = None
    carried: tuple[str, ...] = ()
    dbt_not_null: bool = False

    @property
    def values(self) -> tuple[str, ...] | None:
        """The accepted values, in the enum's order (None when the column is not an enumeration)."""
        return None if self.enum is None else tuple(member.value for member in self.enum)

    @property
    def references(self) -> tuple[str, str] | None:
        """(table, column) of the foreign key."""
        if self.foreign_key is None:
            return None
        table, column = self.foreign_key.split(".")
        return table, column

    def carried_to(self) -> list[tuple[str, str]]:
        """(mart, column) pairs this column must reach."""
        return [(m.split(".")[0], m.split(".")[1] if "." in m else self.name) for m in self.carried]


@dataclass(frozen=True, slots=True)
class TableContract:
    """One table: its columns in contract (file and warehouse) order, key, kind and day partition.

    `partition_column` is the column whose UTC day is the row's partition (`date=YYYY-MM-DD`); a child table
    without a timestamp of its own shares its parent row's day through the foreign key `partition_via`; a
    reference table has neither (it is written once, in the epoch's partition). `partitioned_by` says the same
    in words, for the documentation.
    """

    name: str
    description: str
    primary_key: tuple[str, ...]
    kind: Kind
    partition_column: str | None
    partitioned_by: str
    columns: tuple[Column, ...]
    partition_via: str | None = None

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def is_reference(self) -> bool:
        return self.partition_column is None and self.partition_via is None

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def checks(self) -> list[tuple[Column, Check]]:
        """The table's value checks, by group (ranges, comparisons, arithmetic, uniqueness, patterns), then in
        column order, then in declaration order."""
        pairs = [(c, check) for c in self.columns for check in c.checks]
        return sorted(pairs, key=lambda pair: pair[1].group)  # stable: column and declaration order kept

    @property
    def pii_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.pii is not Pii.NONE)
