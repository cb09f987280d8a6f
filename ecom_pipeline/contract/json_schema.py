"""The contract as JSON Schema (draft 2020-12), one definition per table, with its version."""

from __future__ import annotations

import polars as pl

from ecom_pipeline.contract.model import DType, Pii
from ecom_pipeline.contract.tables import CONTRACT_VERSION, CONTRACTS, ID


def _json_type(dtype: DType) -> dict[str, object]:
    if isinstance(dtype, pl.Decimal):
        return {"type": "string", "format": "decimal", "x-precision": dtype.precision, "x-scale": dtype.scale}
    if isinstance(dtype, pl.Datetime):
        return {"type": "string", "format": "date-time", "x-timezone": "UTC", "x-unit": "us"}
    if dtype == pl.Date:
        return {"type": "string", "format": "date"}
    if dtype == pl.Boolean:
        return {"type": "boolean"}
    if dtype.is_integer():
        return {"type": "integer", "x-physical": str(dtype)}
    return {"type": "string"}


def json_schema() -> dict[str, object]:
    """The whole contract as JSON Schema (draft 2020-12), one definition per table."""
    defs = {}
    for name, t in CONTRACTS.items():
        props = {}
        for c in t.columns:
            prop: dict[str, object] = {"description": c.description, **_json_type(c.dtype)}
            if c.name.endswith("_id") and c.dtype == ID:
                prop["format"] = "uuid"
            if c.values:
                prop["enum"] = list(c.values)
            if c.nullable:
                prop["type"] = [prop["type"], "null"]
            if c.foreign_key:
                prop["x-foreign-key"] = c.foreign_key
            if c.pii is not Pii.NONE:
                prop["x-pii"] = c.pii.value
            props[c.name] = prop
        defs[name] = {
            "type": "object",
            "description": t.description,
            "properties": props,
            "required": [c.name for c in t.columns if not c.nullable],
            "additionalProperties": False,
            "x-primary-key": list(t.primary_key),
            "x-kind": t.kind.value,
            "x-partition-column": t.partition_column,
            "x-partitioned-by": t.partitioned_by,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"ecom_pipeline/contract/{CONTRACT_VERSION}",
        "title": "ecom_pipeline data contract",
        "version": CONTRACT_VERSION,
        "x-partitioning": "hive-style date=YYYY-MM-DD in the path; not a column in the files",
        "$defs": defs,
    }
