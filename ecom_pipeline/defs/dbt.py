"""dbt marts on the warehouse, run per partition (window) from Dagster, then exported to the gold layer.

dbt sources on `raw` map to the landing assets `["raw", table]`; models keep their schema as the key prefix
(`staging/stg_ecom__orders`, `marts/fct_orders`) and folder as the group. dbt tests become asset checks; every
dbt asset links to its page on the docs server (`dbt_docs`).

A run builds its window of days: the window reaches dbt through the environment (`ECOM_DBT_START_DATE`,
`ECOM_DBT_END_DATE`), which dbt reads at execution only, so its partial parse holds from run to run. The data
tests read the window's rows; the keyed tests (unique, relationships) of the relations dbt tests whole, the tests
of the staging and intermediate views (see `FULL_RUN_FOLDERS`) and the unit tests are left to runs without a window
(`full_refresh`, CI's `dbt build`). The docs site is regenerated after a build only when the dbt project changed
since it was last generated.
"""

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cache, cached_property
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import (
    DBT_INDIRECT_SELECTION_ENV,
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.dagster_dbt_translator import validate_opt_translator
from dagster_dbt.dbt_manifest import DbtManifestParam, validate_manifest
from packaging.version import Version

from ecom_pipeline.defs.dbt_project import dbt_project, ensure_manifest
from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource
from ecom_pipeline.docs_server import configured_docs_url, dbt_docs_url
from ecom_pipeline.transform import DBT_PROJECT_DIR, DOCS_DIR, building, dbt_environment, dbt_executable

# Tests whose meaning is the whole table: left out of windowed runs on relations without a window column.
KEYED_TESTS = frozenset({"unique", "relationships", "unique_combination_of_columns"})
# Model folders whose tests only runs without a window evaluate: staging's are the data contract's rules (generated
# from it), which the staged gate has checked on the same rows before they were published; intermediate's are views
# recomputed over all history by every test, whose rows reach the marts, and the marts' tests read the window.
FULL_RUN_FOLDERS = frozenset({"staging", "intermediate"})


class EcomDbtTranslator(DagsterDbtTranslator):
    def __init__(self, docs_url: str, settings: DagsterDbtTranslatorSettings | None = None) -> None:
        super().__init__(settings=settings)
        self.docs_url = docs_url

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

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetCheckSpec | None:
        """dbt tests as checks; the ones only runs without a window evaluate do not gate downstream steps (a
        failing dbt test fails the whole dbt step anyway)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is not None and is_left_to_full_runs(manifest, manifest["nodes"][unique_id]):
            return spec._replace(blocking=False)
        return spec

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        unique_id = dbt_resource_props.get("unique_id", "")
        kind = dbt_resource_props.get("resource_type", "model")
        return {
            **super().get_metadata(dbt_resource_props),
            "dbt_docs": dg.MetadataValue.url(dbt_docs_url(self.docs_url, kind, unique_id)),
        }


class EcomDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, with the dbt process's environment given per invocation and two fixed costs gone.

    - `cli(..., env=...)`: the dbt process gets exactly that environment (the warehouse's libpq variables, the
      run's window), so nothing is ever written to this process's `os.environ`;
    - no `dbt --version` before each invocation (about 5 s here: dbt looks for a newer release on the network):
      the dbt next to this interpreter is this environment's dbt-core, whose version its metadata gives;
    - no dbt adapter loaded in this process: dagster-dbt builds one (importing and configuring dbt-core) only for
      `fetch_row_counts` and `fetch_column_metadata`, which these assets do not use.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(package_version("dbt-core"))

    def cli(  # type: ignore[override]
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        raise_on_error: bool = True,
        manifest: DbtManifestParam | None = None,
        dagster_dbt_translator: DagsterDbtTranslator | None = None,
        context: dg.OpExecutionContext | dg.AssetExecutionContext | None = None,
        target_path: Path | None = None,
    ) -> DbtCliInvocation:
        """`DbtCliResource.cli` (dagster-dbt 0.29), run with `env` as the dbt process's whole environment."""
        translator = validate_opt_translator(dagster_dbt_translator) or DagsterDbtTranslator()
        cleaned_args, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest=validate_manifest(manifest) if manifest else {},
            dagster_dbt_translator=translator,
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        target_path = target_path or self._get_unique_target_path(context=context)
        project_dir = Path(params.dbt_project.project_dir if params.dbt_project else self.project_dir)
        process_env = {
            **env,
            "DAGSTER_DBT_CLI": "true",
            "PYTHONUNBUFFERED": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_FORMAT": "json",  # dagster-dbt reads dbt's structured log
            "DBT_TARGET_PATH": os.fspath(target_path),
            "DBT_LOG_PATH": os.fspath(target_path),
            "DBT_PROJECT_DIR": str(project_dir),
            **({"DBT_PROFILES_DIR": self.profiles_dir} if self.profiles_dir else {}),
            **({DBT_INDIRECT_SELECTION_ENV: params.indirect_selection} if params.indirect_selection else {}),
        }
        profile_args = [*(["--profile", self.profile] if self.profile else [])]
        profile_args += ["--target", self.target] if self.target else []
        return DbtCliInvocation.run(
            args=[self.dbt_executable, *self.global_config_flags, *cleaned_args, *profile_args, *params.selection_args],
            env=process_env,
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            project_dir=project_dir,
            target_path=target_path if target_path.is_absolute() else project_dir / target_path,
            raise_on_error=raise_on_error,
            context=context,
            adapter=None,
            cli_version=self._cli_version,
            dbt_project=params.dbt_project,
        )


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild everything and run every test, unit tests included (no window)


def is_left_to_full_runs(manifest: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """A test that windowed runs leave to runs without a window: a keyed test on a relation that dbt tests whole
    (no `window_column` in its meta), or a test of a model in `FULL_RUN_FOLDERS`. Each test a partition run skips
    saves it about 60 ms (dbt's node and Dagster's events)."""
    if node.get("resource_type") != "test":
        return False
    attached = manifest["nodes"].get(node.get("attached_node") or "", {})
    if attached.get("resource_type") == "model" and attached.get("fqn", [None, None])[1] in FULL_RUN_FOLDERS:
        return True
    if (node.get("test_metadata") or {}).get("name") not in KEYED_TESTS:
        return False
    return not attached.get("config", {}).get("meta", {}).get("window_column")


@cache
def full_run_only_tests(manifest_path: Path) -> tuple[str, ...]:
    """The names of the tests that windowed runs leave out."""
    manifest = json.loads(manifest_path.read_text())
    return tuple(sorted(n["name"] for n in manifest["nodes"].values() if is_left_to_full_runs(manifest, n)))


def build_args(full_refresh: bool, manifest_path: Path) -> list[str]:
    """`dbt build` of a window (what a partition run needs), or of everything with every test."""
    if full_refresh:
        return ["build", "--full-refresh"]
    left = full_run_only_tests(manifest_path)
    return ["build", "--exclude-resource-type", "unit_test", *(["--exclude", " ".join(left)] if left else [])]


def run_window(days: list[dt.date], full_refresh: bool) -> tuple[dt.date | None, dt.date | None]:
    """The window dbt processes: the run's days (each incremental model adds its lookback), or none at all."""
    return (None, None) if full_refresh else (days[0], days[-1])


def warehouse_url(ecom: EcomResource) -> str:
    """The warehouse the landing assets write, which dbt builds on."""
    from ecom_pipeline.storage.postgres import database_url

    return database_url(ecom.settings().home, ecom.environ())


def keep_partial_parse(run_target: Path) -> None:
    """Keep a run's partial-parse state as the project's, which dagster-dbt hands to the next run.

    dbt discards its partial parse when the connection differs from the one it was saved with (host, port, user,
    database), so the state prepared by `dbt parse` (with no database) is of no use to a run; the state of the
    previous run, on the same warehouse, is: every run after the first re-parses only the files that changed.
    """
    state = run_target / "partial_parse.msgpack"
    if state.is_file():
        target = Path(dbt_project.project_dir) / dbt_project.target_path
        incoming = target / f".partial_parse.{os.getpid()}.incoming"
        shutil.copyfile(state, incoming)
        incoming.replace(target / "partial_parse.msgpack")


def refresh_docs(
    dbt: EcomDbtCliResource, env: Mapping[str, str], log: Any, site: Path = DOCS_DIR, root: Path = DBT_PROJECT_DIR
) -> bool:
    """Regenerate the docs site (what every `dbt_docs` link opens) if the project changed since it was built;
    whether it ran `dbt docs generate`."""
    from ecom_pipeline.transform import docs_current, project_digest, publish_docs

    if docs_current(site, root):
        return False
    digest = project_digest(root)
    site.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=site) as target:
        invocation = dbt.cli(["docs", "generate"], env=env, raise_on_error=False, target_path=Path(target)).wait()
        if invocation.is_successful():
            publish_docs(Path(target), digest, site)
        else:
            log.warning(f"dbt docs generate failed, the docs site is unchanged: {invocation.get_error()}")
    return True


def build_dbt_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    translator = EcomDbtTranslator(
        configured_docs_url(), settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    )
    manifest_path = ensure_manifest()

    @dbt_assets(
        manifest=manifest_path,
        project=dbt_project,
        name="ecom_dbt",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=translator,
    )
    def ecom_dbt(
        context: dg.AssetExecutionContext, dbt: EcomDbtCliResource, ecom: EcomResource, config: DbtBuildConfig
    ) -> Iterator[Any]:
        url = warehouse_url(ecom)
        env = dbt_environment(url, run_window(days_of(context), config.full_refresh))
        # dbt's debug log file (every statement: 2.5 MB for a small day) costs a run about a second; Dagster keeps
        # dbt's log lines. DBT_LOG_LEVEL_FILE=debug in the environment brings the file back.
        env.setdefault("DBT_LOG_LEVEL_FILE", "none")
        with building(url):  # no load publishes while dbt reads raw
            invocation = dbt.cli(build_args(config.full_refresh, manifest_path), context=context, env=env)
            yield from invocation.stream()
        keep_partial_parse(invocation.target_path)
        refresh_docs(dbt, env, context.log)
        # A run's own target folder (about 10 MB: manifest, compiled SQL, logs) is kept only when dbt failed.
        shutil.rmtree(invocation.target_path, ignore_errors=True)

    return ecom_dbt


def dbt_resource() -> EcomDbtCliResource:
    # DbtCliResource.__init__ takes a DbtProject; the __init__ mypy derives from the pydantic fields of a subclass
    # types project_dir as the field's str.
    return EcomDbtCliResource(
        project_dir=dbt_project,  # type: ignore[arg-type]
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
