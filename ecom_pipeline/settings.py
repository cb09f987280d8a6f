"""Typed settings, validated once at the edge.

Every CLI flag mirrors an `ECOM_*` environment variable; the flag wins over the variable, the variable
over the default. The environment is read inside `load_settings`, never at import time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecom_pipeline.errors import SettingsError
from ecom_pipeline.generation.anomalies import parse_anomalies
from ecom_pipeline.generation.config import (
    DEFAULT_EPOCH,
    SCALES,
    SCENARIOS,
    WEEKDAY_PROFILES,
    Calendar,
    GeneratorConfig,
    scale_profile,
)
from ecom_pipeline.paths import default_home

ENV_PREFIX = "ECOM_"
MAX_COUNT = 100_000_000  # rows of one table in one day: far beyond one machine, short of overflow
DEFAULT_DOCS_URL = "http://127.0.0.1:3001"


class Settings(BaseModel):
    """Everything the CLI needs; field `x` is read from flag `--x` or variable `ECOM_X`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(42, ge=0, lt=2**63)
    scale: str = "small"
    epoch: dt.date = DEFAULT_EPOCH
    start: dt.date | None = None
    end: dt.date | None = None
    out: str | None = None  # a folder, or s3://bucket/prefix
    chunks: int = Field(1, ge=1, le=100_000)
    chunk: int = Field(0, ge=0)
    home: Path = Field(default_factory=default_home)  # <project root>/.ecom (ecom_pipeline.paths)
    # Injected anomalies, e.g. duplicate_orders=0.01,null_emails=0.01 (canonical text once validated).
    anomalies: str = ""
    # Calendar: whose weekday rhythm (user or published), and a traffic scenario (none by default).
    weekday_profile: str = "user"
    scenario: str = ""
    # Landing.
    pii: str = "full"
    to: str = "lake,warehouse"
    stage_only: bool = False
    publish_only: bool = False
    replace_dataset: bool = False
    # Overrides of the scale profile's figures.
    opening_customers: int | None = Field(None, ge=0, le=MAX_COUNT)
    signups_per_day: float | None = Field(None, ge=0, le=MAX_COUNT, allow_inf_nan=False)
    opening_products: int | None = Field(None, ge=0, le=MAX_COUNT)
    launches_per_day: float | None = Field(None, ge=0, le=MAX_COUNT, allow_inf_nan=False)
    orders_per_day: float | None = Field(None, ge=0, le=MAX_COUNT, allow_inf_nan=False)
    # Base URL of the docs server (dbt docs and Data Docs): every documentation link starts with it.
    docs_url: str = DEFAULT_DOCS_URL

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, v: str) -> str:
        if v not in SCALES:
            raise ValueError(f"unknown scale {v!r}; choose one of {', '.join(SCALES)}")
        return v

    @field_validator("weekday_profile")
    @classmethod
    def _known_weekday_profile(cls, v: str) -> str:
        if v not in WEEKDAY_PROFILES:
            raise ValueError(f"unknown weekday profile {v!r}; choose one of {', '.join(WEEKDAY_PROFILES)}")
        return v

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, v: str) -> str:
        if v not in ("", "none", *SCENARIOS):
            raise ValueError(f"unknown scenario {v!r}; choose {', '.join(SCENARIOS)} or none")
        return "" if v == "none" else v

    @field_validator("anomalies")
    @classmethod
    def _known_anomalies(cls, v: str) -> str:
        return str(parse_anomalies(v))  # a GenerationError (a ValueError) names the bad token

    @field_validator("pii")
    @classmethod
    def _known_pii(cls, v: str) -> str:
        if v not in ("full", "masked"):
            raise ValueError(f"unknown PII mode {v!r}; choose full or masked")
        return v

    @field_validator("to")
    @classmethod
    def _known_targets(cls, v: str) -> str:
        targets = [t.strip() for t in v.split(",") if t.strip()]
        unknown = [t for t in targets if t not in ("lake", "warehouse")]
        if unknown or not targets:
            raise ValueError(f"unknown target {', '.join(unknown) or v!r}; choose lake, warehouse or both")
        return ",".join(dict.fromkeys(targets))

    @field_validator("docs_url")
    @classmethod
    def _http_base_url(cls, v: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(v.strip())
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise ValueError(f"{v!r} has an invalid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{v!r} is not an http(s) base URL such as {DEFAULT_DOCS_URL}")
        return parts.geturl().rstrip("/")

    @field_validator("epoch", "start", "end", mode="before")
    @classmethod
    def _iso_date(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError(f"{v!r} is not a date in YYYY-MM-DD form") from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not 1980 <= self.epoch.year <= 2999:
            raise ValueError(f"epoch {self.epoch} must fall between 1980 and 2999")
        if self.start is not None and self.start < self.epoch:
            raise ValueError(f"start {self.start} is before the epoch {self.epoch}")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.stage_only and self.publish_only:
            raise ValueError("--stage-only and --publish-only exclude each other")
        if self.anomalies and self.chunks > 1:
            raise ValueError(
                f"--anomalies={self.anomalies} applies to whole days: it needs --chunks 1, not {self.chunks}"
            )
        if self.chunk >= self.chunks:
            raise ValueError(f"chunk {self.chunk} is outside 0..{self.chunks - 1} for chunks {self.chunks}")
        return self

    def generator_config(self) -> GeneratorConfig:
        profile = scale_profile(
            self.scale,
            opening_customers=self.opening_customers,
            signups_per_day=self.signups_per_day,
            opening_products=self.opening_products,
            launches_per_day=self.launches_per_day,
            orders_per_day=self.orders_per_day,
        )
        calendar = Calendar(weekday_profile=self.weekday_profile, scenario=self.scenario)
        return GeneratorConfig(seed=self.seed, scale=profile, epoch=self.epoch, calendar=calendar)

    @property
    def lake_root(self) -> Path:
        return self.home / "lake"

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.to.split(","))


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge defaults < environment < flags and validate once; raise SettingsError with one clear line."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(env_name(name))
        if raw not in (None, ""):
            values[name] = raw
    sources = {name: f"${env_name(name)}" for name in values}
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = value
            sources[name] = "--" + name.replace("_", "-")
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"][0] if err["loc"] else None
        msg = err["msg"].removeprefix("Value error, ")
        if loc is None:
            raise SettingsError(msg) from None
        where = sources.get(str(loc), str(loc))
        raise SettingsError(f"{where}={values.get(str(loc))!s}: {msg}") from None
