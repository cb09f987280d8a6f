"""The data contract: every table and column declared once, with no dependency on the rest of the project.

The generator, the lake and warehouse, the quality gates and the Dagster wiring import it; nothing here imports
them (only polars and the standard library), so reading the contract stays cheap. The copies outside Python
(dbt's sources and staging tests, the fx seed) are written from it by `python -m ecom_pipeline.contract_copies`.
"""

from ecom_pipeline.contract.enums import (
    CardBrand,
    Currency,
    Gender,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Segment,
    Table,
)
from ecom_pipeline.contract.json_schema import json_schema
from ecom_pipeline.contract.model import (
    AgeBetween,
    Below,
    Between,
    Check,
    Column,
    Constant,
    DType,
    Equals,
    HashedEmail,
    Kind,
    Like,
    Mask,
    Matches,
    Pii,
    TableContract,
    Token,
    Unique,
)
from ecom_pipeline.contract.tables import (
    CONTRACT_VERSION,
    CONTRACTS,
    ID,
    LINE_TOTAL,
    MONEY,
    ORDER_TOTAL,
    TABLES,
    TS,
    conform,
    empty,
)

__all__ = [
    "CONTRACTS",
    "CONTRACT_VERSION",
    "ID",
    "LINE_TOTAL",
    "MONEY",
    "ORDER_TOTAL",
    "TABLES",
    "TS",
    "AgeBetween",
    "Below",
    "Between",
    "CardBrand",
    "Check",
    "Column",
    "Constant",
    "Currency",
    "DType",
    "Equals",
    "Gender",
    "HashedEmail",
    "Kind",
    "Like",
    "Mask",
    "Matches",
    "OrderStatus",
    "PaymentMethod",
    "PaymentStatus",
    "Pii",
    "Segment",
    "Table",
    "TableContract",
    "Token",
    "Unique",
    "conform",
    "empty",
    "json_schema",
]
