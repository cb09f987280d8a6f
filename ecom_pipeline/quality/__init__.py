"""Data quality gates: Great Expectations suites and checkpoints, defined in code, run per partition.

No Dagster here, and no Great Expectations at import time (it takes about 10 s): the functions import it.
"""

from ecom_pipeline.quality.checkpoints import (
    BRONZE_CHECKPOINT,
    GX_DIR,
    Failure,
    GateResult,
    get_context,
    validate_bronze,
    write_project,
)
from ecom_pipeline.quality.suites import Rule, bronze_rules, build_bronze_suite, row_count_bounds

__all__ = [
    "BRONZE_CHECKPOINT",
    "GX_DIR",
    "Failure",
    "GateResult",
    "Rule",
    "bronze_rules",
    "build_bronze_suite",
    "get_context",
    "row_count_bounds",
    "validate_bronze",
    "write_project",
]
