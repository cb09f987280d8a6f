"""The data contract, re-exported where the generator has always imported it from.

The contract lives in `ecom_pipeline.contract` (no dependency on the generator); this module keeps the
generator's imports (`from ecom_pipeline.generation.schemas import CONTRACTS, conform, ...`) working.
"""

from __future__ import annotations

from ecom_pipeline.contract import (
    CONTRACT_VERSION,
    CONTRACTS,
    ID,
    MONEY,
    TABLES,
    TS,
    Column,
    DType,
    TableContract,
    conform,
    empty,
    json_schema,
)

__all__ = [
    "CONTRACTS",
    "CONTRACT_VERSION",
    "ID",
    "MONEY",
    "TABLES",
    "TS",
    "Column",
    "DType",
    "TableContract",
    "conform",
    "empty",
    "json_schema",
]
