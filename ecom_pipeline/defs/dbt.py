"""dbt marts on the warehouse, run per partition (window) from Dagster, then exported to the gold layer.

dbt sources on `raw` map to the landing assets `["raw", table]`; models keep their schema as the key prefix
(`staging/stg_ecom__orders`, `marts/fct_orders`) and folder as the group. dbt tests become asset checks.
"""

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ecom_pipeline.defs.dbt_project import DBT_PROJECT_DIR, dbt_executable, dbt_project, ensure_manifest
from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource

DOCS_INDEX = DBT_PROJECT_DIR / "target" / "index.html"


class EcomDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "marts"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "marts"
        return fqn[1] if len(fqn) > 2 else "marts"

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        unique_id = dbt_resource_props.get("unique_id", "")
        kind = dbt_resource_props.get("resource_type", "model")
        return {
            **super().get_metadata(dbt_resource_props),
            "dbt_docs": dg.MetadataValue.url(f"{DOCS_INDEX.as_uri()}#!/{kind}/{unique_id}"),
        }


def docs_outdated() -> bool:
    """Regenerate the docs site only when it is missing or older than the parsed project."""
    manifest = dbt_project.manifest_path
    return not DOCS_INDEX.exists() or DOCS_INDEX.stat().st_mtime < manifest.stat().st_mtime


def dbt_vars(days: list[dt.date]) -> dict[str, str]:
    """The window dbt's incremental models process: the run's days (each model adds its lookback)."""
    return {"start_date": days[0].isoformat(), "end_date": days[-1].isoformat()}


def dbt_environment(ecom: EcomResource) -> dict[str, str]:
    """libpq variables for dbt's profile, pointing at the same warehouse the landing assets use."""
    from ecom_pipeline.storage.postgres import database_url, libpq_environment

    settings = ecom.settings()
    return libpq_environment(database_url(settings.home, ecom.environ()))


def build_dbt_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    translator = EcomDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(
        manifest=ensure_manifest(),
        project=dbt_project,
        name="ecom_dbt",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=translator,
    )
    def ecom_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, ecom: EcomResource) -> Iterator[Any]:
        os.environ.update(dbt_environment(ecom))
        args = ["build", "--vars", json.dumps(dbt_vars(days_of(context)))]
        yield from dbt.cli(args, context=context).stream()
        if docs_outdated():
            # The docs site every dbt asset links to (metadata `dbt_docs`): rebuilt when the project changed.
            dbt.cli(["docs", "generate"], raise_on_error=False).wait()

    return ecom_dbt


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
