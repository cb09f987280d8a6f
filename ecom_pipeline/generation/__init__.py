"""Pure generation library: functions from configuration and seed to polars DataFrames.

No I/O, no Dagster, no dbt, no Great Expectations: importing it stays cheap so the CLI starts fast.
"""

from ecom_pipeline.generation.anomalies import (
    ANOMALIES_TABLE,
    ANOMALY_CLASSES,
    AnomalySpec,
    inject,
    parse_anomalies,
)
from ecom_pipeline.generation.config import (
    DEFAULT_EPOCH,
    MARKETS,
    SCALES,
    SCENARIOS,
    WEEKDAY_PROFILES,
    Behaviour,
    Calendar,
    GeneratorConfig,
    Market,
    ScaleProfile,
    scale_profile,
)
from ecom_pipeline.generation.counts import WHOLE_DAY, Chunk
from ecom_pipeline.generation.daily import EntityFrames, generate_day, generate_table
from ecom_pipeline.generation.exceptions import GenerationError
from ecom_pipeline.generation.schemas import CONTRACT_VERSION, CONTRACTS, TABLES, json_schema

__all__ = [
    "ANOMALIES_TABLE",
    "ANOMALY_CLASSES",
    "CONTRACTS",
    "CONTRACT_VERSION",
    "DEFAULT_EPOCH",
    "MARKETS",
    "SCALES",
    "SCENARIOS",
    "TABLES",
    "WEEKDAY_PROFILES",
    "WHOLE_DAY",
    "AnomalySpec",
    "Behaviour",
    "Calendar",
    "Chunk",
    "EntityFrames",
    "GenerationError",
    "GeneratorConfig",
    "Market",
    "ScaleProfile",
    "generate_day",
    "generate_table",
    "inject",
    "json_schema",
    "parse_anomalies",
    "scale_profile",
]
