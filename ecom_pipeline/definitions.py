"""The one Dagster Definitions of the project (`dagster dev -m ecom_pipeline.definitions`)."""

from __future__ import annotations

import dagster as dg

from ecom_pipeline.defs.assets import build_landing_assets
from ecom_pipeline.defs.checks import build_quality_checks
from ecom_pipeline.defs.chunked import build_chunked_job
from ecom_pipeline.defs.dbt import build_dbt_assets, dbt_resource
from ecom_pipeline.defs.gold import build_gold_assets
from ecom_pipeline.defs.partitions import daily_partitions, epoch_from_environment
from ecom_pipeline.defs.resources import environment, resources_for
from ecom_pipeline.defs.schedules import build_daily_simulation
from ecom_pipeline.process import freeze_at_exit_of_a_run


def build_definitions() -> dg.Definitions:
    partitions = daily_partitions(epoch_from_environment())
    assets = [*build_landing_assets(partitions), build_dbt_assets(partitions), *build_gold_assets(partitions)]
    daily = dg.define_asset_job("daily_pipeline", selection=dg.AssetSelection.all())
    return dg.Definitions(
        assets=assets,
        asset_checks=build_quality_checks(partitions),
        jobs=[daily, build_chunked_job(partitions)],
        schedules=[build_daily_simulation(daily)],
        resources={**resources_for(environment()), "dbt": dbt_resource()},
        # A step in its own process costs 13-16 s of start-up here; one process runs a day in seconds.
        executor=dg.in_process_executor,
    )


freeze_at_exit_of_a_run()
defs = build_definitions()
