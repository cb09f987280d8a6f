"""Bronze -> silver: check the contract, conform types, drop duplicate keys, apply the PII mode.

Pure functions of polars frames (the lake and warehouse call them); they never change the meaning of a
value except where the PII mode asks them to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from ecom_pipeline.contract import CONTRACTS, Column, Constant, HashedEmail, Pii, Token
from ecom_pipeline.errors import SchemaDriftError

PII_MODES = ("full", "masked")


def check_contract(table: str, day: dt.date, frame: pl.DataFrame) -> None:
    """Refuse a frame missing a contract column or holding one of another type."""
    where = f"{table}/date={day.isoformat()}"
    for column in CONTRACTS[table].columns:
        if column.name not in frame.schema:
            raise SchemaDriftError(f"{where}: required column {column.name!r} is missing")
        actual = frame.schema[column.name]
        if actual != column.dtype and not (actual == pl.Null and column.nullable):
            raise SchemaDriftError(f"{where}: column {column.name!r} is {actual}, the contract says {column.dtype}")


def dedupe(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per primary key (the first seen), keeping the generator's order."""
    return frame.unique(subset=list(CONTRACTS[table].primary_key), keep="first", maintain_order=True)


def _token(expr: pl.Expr, salt: str, digits: int) -> pl.Expr:
    """A stable, salted token of a value: equal inputs give equal tokens, without revealing them."""
    return (pl.concat_str([pl.lit(salt), expr]).hash(seed=0) % (10**digits)).cast(pl.String).str.zfill(digits)


def _masked(column: Column, salt: str) -> pl.Expr:
    """The masked value of a direct identifier, as its contract's mask says."""
    mask = column.mask
    if isinstance(mask, Constant):
        return pl.lit(mask.value)
    if isinstance(mask, Token):
        return pl.concat_str([pl.lit(mask.prefix), _token(pl.col(mask.of), salt, mask.digits)])
    if isinstance(mask, HashedEmail):
        email = pl.col(column.name)
        return pl.concat_str(
            [
                pl.concat_str([pl.lit(salt), email]).hash(seed=1).cast(pl.String),
                email.hash(seed=2).cast(pl.String).str.slice(0, 6),
                pl.lit(f"@{mask.domain}"),
            ]
        )
    raise ValueError(f"{column.name} is a direct identifier without a mask")


def mask_pii(table: str, frame: pl.DataFrame, salt: str) -> pl.DataFrame:
    """`masked` mode: every direct identifier of the contract replaced by its mask (customers: generic names
    Customer_12345, hashed emails, tokenized phones; addresses: tokenized streets); quasi-identifiers kept."""
    direct = [c for c in CONTRACTS[table].columns if c.pii is Pii.DIRECT]
    if not direct:
        return frame
    return frame.with_columns(_masked(c, salt).alias(c.name) for c in direct)


def to_silver(table: str, day: dt.date, frame: pl.DataFrame, *, pii: str = "full", salt: str = "") -> pl.DataFrame:
    if pii not in PII_MODES:
        raise ValueError(f"PII mode {pii!r} is not one of {', '.join(PII_MODES)}")
    check_contract(table, day, frame)
    contract = CONTRACTS[table]
    conformed = frame.select([pl.col(c.name).cast(c.dtype) for c in contract.columns])
    conformed = dedupe(table, conformed)
    return mask_pii(table, conformed, salt) if pii == "masked" else conformed


def day_to_silver(
    day: dt.date, frames: Mapping[str, pl.DataFrame], *, pii: str = "full", salt: str = ""
) -> dict[str, pl.DataFrame]:
    return {table: to_silver(table, day, frame, pii=pii, salt=salt) for table, frame in frames.items()}
