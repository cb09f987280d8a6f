"""Data quality gates: Great Expectations suites and checkpoints, defined in code, run per partition.

Three checkpoints, each on one day: `bronze` (single-table rules on the lake partition), `staged` (cross-table
rules on the warehouse's staged day, before publish) and `marts` (the marts' invariants after dbt, before the
gold export). `ANOMALY_RULES` names, for each injectable anomaly class, the checkpoint and rule that catch it.

No Dagster here, and no Great Expectations at import time (it takes 6-11 s): the functions import it.
"""

from ecom_pipeline.quality.checkpoints import (
    BRONZE_CHECKPOINT,
    GX_DIR,
    Failure,
    GateResult,
    get_context,
    validate_bronze,
    validate_marts,
    validate_staged,
    validate_warehouse,
    write_project,
)
from ecom_pipeline.quality.sql_suites import MARTS, STAGED, sql_rules
from ecom_pipeline.quality.suites import Rule, bronze_rules, build_bronze_suite, row_count_bounds

# anomaly class -> (checkpoint, rule): the gate that stops a day carrying it, and the rule it fails on.
ANOMALY_RULES: dict[str, tuple[str, str]] = {
    "duplicate_orders": (BRONZE_CHECKPOINT, "orders.order_id_unique"),
    "orphan_items": (STAGED, "order_items.order_id_resolves"),
    "negative_prices": (BRONZE_CHECKPOINT, "order_items.unit_price_positive"),
    "future_timestamps": (BRONZE_CHECKPOINT, "orders.created_at_before_partition_end"),
    "total_mismatch": (BRONZE_CHECKPOINT, "orders.total_equals_components"),
    "null_emails": (BRONZE_CHECKPOINT, "customers.email_not_null"),
}
CHECKPOINTS = (BRONZE_CHECKPOINT, STAGED, MARTS)

__all__ = [
    "ANOMALY_RULES",
    "BRONZE_CHECKPOINT",
    "CHECKPOINTS",
    "GX_DIR",
    "MARTS",
    "STAGED",
    "Failure",
    "GateResult",
    "Rule",
    "bronze_rules",
    "build_bronze_suite",
    "get_context",
    "row_count_bounds",
    "sql_rules",
    "validate_bronze",
    "validate_marts",
    "validate_staged",
    "validate_warehouse",
    "write_project",
]
