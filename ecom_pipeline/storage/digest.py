"""A content digest of a table's rows that does not depend on row order or on where the rows were stored.

The generator's frames, the bronze and silver files and the warehouse tables are compared by it.
"""

from __future__ import annotations

import hashlib
import io

import polars as pl

from ecom_pipeline.contract import CONTRACTS


def rows_digest(table: str, frame: pl.DataFrame) -> str:
    """sha256 of the contract columns, sorted by primary key, serialized as CSV."""
    contract = CONTRACTS[table]
    canonical = frame.select([pl.col(c.name).cast(c.dtype) for c in contract.columns]).sort(list(contract.primary_key))
    buffer = io.BytesIO()
    canonical.write_csv(buffer, datetime_format="%Y-%m-%dT%H:%M:%S%.6f", include_header=True)
    return hashlib.sha256(buffer.getvalue()).hexdigest()
