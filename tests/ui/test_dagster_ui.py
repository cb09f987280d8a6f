"""The Dagster UI end to end: `dagster dev` (webserver and daemon) on a real instance, driven the way users drive it.

One module-scoped `dagster dev` serves every test here. The epoch is nine days back, so the instance has a handful
of partitions: the first is materialized with `dagster asset materialize` before the UI starts; the others are
landed by the paths a user has: range backfills launched through the GraphQL mutation the UI's dialog sends
(`launchPartitionBackfill`: every asset, one layer, one asset with what it needs, the missing days), the dialog
itself clicked in headless Chromium, `ecom backfill`, and the `daily_pipeline` job's own backfill (one run per day,
which the instance's one-run-at-a-time queue keeps in date order). The daemon runs them; the tests wait and then
look in `raw`, the marts and gold, and at each day's own metadata through GraphQL.

The browser tests drive Debian's `chromium` through Playwright (`playwright install` cannot download browsers
here) and keep screenshots in test-artifacts/; with ECOM_UPDATE_SCREENSHOTS=1 the asset graph's also refreshes the
README's copy in docs/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, throwaway_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.datetime.now(dt.UTC).date()
EPOCH_DAY = TODAY - dt.timedelta(days=9)  # partitions EPOCH_DAY .. yesterday: nine days
EPOCH = EPOCH_DAY.isoformat()
PARTITION = EPOCH
LAYERS = ("bronze", "silver", "raw_stage", "raw")
GROUPS = (*LAYERS, "staging", "intermediate", "marts", "gold")  # the graph from bronze to gold, one group each
STARTUP_TIMEOUT = 120.0
BACKFILL_TIMEOUT = 900.0
DAGSTER = [sys.executable, "-m", "dagster"]  # the `dagster` CLI of this environment
DEFINITIONS = "ecom_pipeline.definitions"
SCREENSHOT_NAME = "dagster-asset-graph.png"
# The page with the graph in the screenshot: orders through the four layers, each in its layer's group.
GRAPH_PAGE = "/assets/raw/orders?view=lineage&lineageScope=upstream&lineageDepth=3"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",  # containers often have a 64 MB /dev/shm, too small for Chromium's renderer
]


@dataclass(frozen=True)
class DagsterDev:
    url: str
    dagster_home: Path
    log: Path
    database_url: str
    ecom_home: Path
    env: dict[str, str]


def day(offset: int) -> str:
    """The partition `offset` days after the epoch."""
    return (EPOCH_DAY + dt.timedelta(days=offset)).isoformat()


def days(first: int, last: int) -> list[str]:
    return [day(i) for i in range(first, last + 1)]


def _environment(dagster_home: Path, ecom_home: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(dagster_home),
        ECOM_HOME=str(ecom_home),
        ECOM_EPOCH=EPOCH,
        ECOM_DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert not body.get("errors"), body["errors"]
    return body["data"]


_LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _wait_until_serving(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Until the webserver answers and the code location has loaded (a load error fails at once)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with status {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                pass
            entries = graphql(url, _LOCATIONS)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
            continue
        for entry in entries:
            error = entry["locationOrLoadError"]
            if error and error["__typename"] == "PythonError":
                pytest.fail(f"code location {entry['name']} failed to load: {error['message']}")
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            return
        time.sleep(0.5)
    pytest.fail(f"dagster dev did not serve {url} within {STARTUP_TIMEOUT:.0f} s:\n{_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop dagster dev and every process it spawned (webserver, daemon, code servers): its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    # Whatever is left of the group (children outliving the leader, or a shutdown that hangs) is killed.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


# The daemon's backfill loop waits a fixed 30 s between iterations (dagster._daemon.controller), so a backfill
# takes up to a minute to be picked up and marked done. The test's `dagster dev` (not the product's) loads this
# hook, which sets that interval to 2 s when the daemon imports its controller; nothing else is changed.
_FAST_DAEMON = """
import importlib.abc, importlib.util, sys

class _FastDaemon(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "dagster._daemon.controller":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.DEFAULT_DAEMON_INTERVAL_SECONDS = 2

        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _FastDaemon())
"""


def _with_fast_daemon(env: dict[str, str], base: Path) -> dict[str, str]:
    hook = base / "fast-daemon"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_FAST_DAEMON)
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def dagster_dev(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    """`dagster dev` on a fresh instance, lake and database, with the epoch partition materialized."""
    base = tmp_path_factory.mktemp("dagster-ui")
    from ecom_pipeline.paths import dagster_home as project_instance

    dagster_home = project_instance(base, environ={})  # the instance `ecom ui` opens: its settings, SQLite storage
    # Mark the first-visit "Join the Dagster community" dialog as seen, as the UI does when it is dismissed,
    # so it does not cover the page in the screenshot.
    (dagster_home / ".nux").mkdir()
    (dagster_home / ".nux" / "nux.yaml").write_text("seen: 1\n")
    with throwaway_database(pg_server_url, "ecom_ui") as database_url:
        env = _environment(dagster_home, base / "ecom-home", database_url)
        materialize = subprocess.run(
            [*DAGSTER, "asset", "materialize", "-m", DEFINITIONS, "--select", "*", "--partition", PARTITION],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = (materialize.stdout + materialize.stderr).splitlines()
        assert materialize.returncode == 0, "dagster asset materialize failed:\n" + "\n".join(output[-40:])

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = base / "dagster-dev.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*DAGSTER, "dev", "-m", DEFINITIONS, "-p", str(port), "-h", "127.0.0.1"],
                cwd=ROOT,
                env=_with_fast_daemon(env, base),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so teardown reaches its children too
            )
        try:
            _wait_until_serving(proc, url, log)
            yield DagsterDev(url, dagster_home, log, database_url, base / "ecom-home", env)
        finally:
            _stop(proc)


def test_every_layer_is_in_the_asset_graph(dagster_dev: DagsterDev) -> None:
    nodes = graphql(dagster_dev.url, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    for layer in LAYERS:
        assert groups.get(f"{layer}/orders") == layer, f"{layer}/orders missing or not in group {layer}: {groups}"


@pytest.mark.parametrize("layer", LAYERS)
def test_the_materialized_partition_shows_as_materialized(dagster_dev: DagsterDev, layer: str) -> None:
    query = f"""{{ assetNodeOrError(assetKey: {{path: ["{layer}", "orders"]}}) {{
        __typename
        ... on AssetNode {{
            partitionStats {{ numMaterialized numFailed numMaterializing }}
            assetPartitionStatuses {{ ... on TimePartitionStatuses {{ ranges {{ status startKey endKey }} }} }}
        }}
    }} }}"""
    node = graphql(dagster_dev.url, query)["assetNodeOrError"]
    assert node["__typename"] == "AssetNode", node
    assert node["partitionStats"] == {"numMaterialized": 1, "numFailed": 0, "numMaterializing": 0}
    ranges = node["assetPartitionStatuses"]["ranges"]
    assert ranges == [{"status": "MATERIALIZED", "startKey": PARTITION, "endKey": PARTITION}]


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = "no `chromium` on PATH (Debian: apt-get install -y chromium); the browser check needs it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and it must run in CI")
        pytest.skip(reason)
    return found


def test_the_ui_draws_the_asset_graph(dagster_dev: DagsterDev) -> None:
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / SCREENSHOT_NAME
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 560})
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # The global lineage ("Lineage" in the menu): one collapsed group per layer, bronze to gold.
            page.goto(f"{dagster_dev.url}/asset-groups")
            page.wait_for_function(
                """layers => {
                    const names = [...document.querySelectorAll('svg foreignObject')]
                        .map(e => e.textContent.replace(/[\\d\\s].*$/s, ''));
                    return layers.every(layer => names.includes(layer));
                }""",
                arg=list(GROUPS),
                timeout=30_000,
            )
            page.get_by_role("button", name="Hide navigation").click()
            page.get_by_role("button", name="Reload definitions").wait_for()
            page.wait_for_timeout(1500)  # let the zoom-to-fit animation settle
            page.screenshot(path=str(shot), full_page=True)

            # orders through the four landing layers, with each node's partition status loaded ("... % filled").
            page.goto(dagster_dev.url + GRAPH_PAGE)
            page.wait_for_function(
                """() => [...document.querySelectorAll('svg foreignObject')]
                    .filter(e => /^orders.*Partitions.*filled/s.test(e.textContent)).length === 4""",
                timeout=30_000,
            )
            page.wait_for_timeout(1000)
            page.screenshot(path=str(artifacts / "dagster-orders-lineage.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert shot.stat().st_size > 10_000
    if os.environ.get("ECOM_UPDATE_SCREENSHOTS") == "1":
        docs = ROOT / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copyfile(shot, docs / SCREENSHOT_NAME)


# --- range backfills, the way the UI launches them ---------------------------------------------------------------

_LAUNCH = """mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
  }
}"""
_BACKFILL = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  ... on PartitionBackfill { status numPartitions error { message }
    runs { runId status tags { key value } startTime } } } }"""
_ASSET_KEYS = "{ assetNodes { assetKey { path } groupName isPartitioned } }"


def _repository(url: str) -> dict[str, str]:
    """The selector of the one repository the webserver serves."""
    query = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    (repo,) = graphql(url, query)["repositoriesOrError"]["nodes"]
    return {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"]}


def _asset_keys(url: str, *, groups: tuple[str, ...] | None = None) -> list[dict[str, list[str]]]:
    nodes = graphql(url, _ASSET_KEYS)["assetNodes"]
    return [n["assetKey"] for n in nodes if groups is None or n["groupName"] in groups]


def launch_backfill(url: str, params: dict[str, Any]) -> str:
    """`launchPartitionBackfill`, as the "Materialize…" dialog sends it; the id of the new backfill."""
    result = graphql(url, _LAUNCH, {"backfillParams": {"fromFailure": False, **params}})["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def wait_for_backfill(dev: DagsterDev, backfill_id: str) -> dict[str, Any]:
    """Until the daemon has finished the backfill; fails with its runs' state if it does not succeed."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT
    while time.monotonic() < deadline:
        backfill = graphql(dev.url, _BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        if backfill["status"] in ("COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED", "COMPLETED"):
            assert backfill["status"] in ("COMPLETED_SUCCESS", "COMPLETED"), f"{backfill}\n{_tail(dev.log)}"
            assert all(r["status"] == "SUCCESS" for r in backfill["runs"]), backfill["runs"]
            return backfill
        time.sleep(2)
    pytest.fail(f"backfill {backfill_id} did not finish within {BACKFILL_TIMEOUT:.0f} s:\n{_tail(dev.log)}")


def _query(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def published_days(dev: DagsterDev) -> set[str]:
    rows = _query(
        dev.database_url,
        "SELECT day::text FROM raw._ecom_partitions GROUP BY day HAVING bool_and(status = 'published')",
    )
    return {r[0] for r in rows}


def _range_runs(backfill: dict[str, Any]) -> list[tuple[str, str]]:
    """The partition range of each run of a backfill (unpartitioned runs excluded)."""
    ranges = []
    for run in backfill["runs"]:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
        end = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
        if start:
            ranges.append((start, end))
    return ranges


def test_the_schedule_evaluated_by_the_code_server_asks_for_every_day_not_yet_published(
    dagster_dev: DagsterDev,
) -> None:
    query = """mutation($selector: ScheduleSelector!, $timestamp: Float!) {
      scheduleDryRun(selectorData: $selector, timestamp: $timestamp) {
        __typename
        ... on DryRunInstigationTick { evaluationResult { runRequests { runKey tags { key value } }
            skipReason error { message } } }
        ... on PythonError { message }
      } }"""
    selector = {**_repository(dagster_dev.url), "scheduleName": "daily_simulation"}
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC).timestamp()
    tick = graphql(dagster_dev.url, query, {"selector": selector, "timestamp": midnight})["scheduleDryRun"]
    assert tick["__typename"] == "DryRunInstigationTick", tick
    result = tick["evaluationResult"]
    assert result["error"] is None, result
    (request,) = result["runRequests"]
    tags = {t["key"]: t["value"] for t in request["tags"]}
    # the epoch is published; everything after it through yesterday comes as one range
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (day(1), day(8))


def test_a_range_backfill_of_one_asset_with_what_it_needs_runs_as_one_run(dagster_dev: DagsterDev) -> None:
    raw_orders_and_upstream = [{"path": [layer, "orders"]} for layer in LAYERS]
    backfill_id = launch_backfill(
        dagster_dev.url, {"assetSelection": raw_orders_and_upstream, "partitionNames": days(1, 2)}
    )
    backfill = wait_for_backfill(dagster_dev, backfill_id)
    assert _range_runs(backfill) == [(day(1), day(2))]
    assert {day(1), day(2)} <= published_days(dagster_dev)  # a day's tables are published together


def test_a_range_backfill_of_one_layer_runs_as_one_run(dagster_dev: DagsterDev) -> None:
    backfill_id = launch_backfill(
        dagster_dev.url,
        {"assetSelection": _asset_keys(dagster_dev.url, groups=("bronze",)), "partitionNames": days(5, 8)},
    )
    assert _range_runs(wait_for_backfill(dagster_dev, backfill_id)) == [(day(5), day(8))]
    from ecom_pipeline.storage.lake import resolve_lake

    bronze = resolve_lake(dagster_dev.ecom_home, environ={}).bronze
    assert all(bronze.manifest("orders", dt.date.fromisoformat(d)) is not None for d in days(5, 8))


def test_a_range_backfill_of_every_asset_lands_raw_the_marts_and_gold_day_by_day(dagster_dev: DagsterDev) -> None:
    backfill_id = launch_backfill(
        dagster_dev.url, {"assetSelection": _asset_keys(dagster_dev.url), "partitionNames": days(1, 3)}
    )
    backfill = wait_for_backfill(dagster_dev, backfill_id)
    assert (day(1), day(3)) in _range_runs(backfill)  # the range as one run, in date order
    assert set(days(0, 3)) <= published_days(dagster_dev)
    revenue = dict(_query(dagster_dev.database_url, "SELECT order_date::text, orders FROM marts.agg_daily_revenue"))
    raw = dict(_query(dagster_dev.database_url, "SELECT _partition_date::text, count(*) FROM raw.orders GROUP BY 1"))
    for d in days(1, 3):
        assert revenue.get(d, 0) == raw.get(d, 0), d
    from ecom_pipeline.storage.lake import resolve_lake

    gold = resolve_lake(dagster_dev.ecom_home, environ={}).gold
    for d in days(1, 3):
        assert gold.manifest("fct_orders", dt.date.fromisoformat(d)).rows == raw.get(d, 0), d
    assert gold.manifest("dim_customers", dt.date.fromisoformat(day(3))) is not None  # the snapshot as of the last day


_MATERIALIZATIONS = """query($key: AssetKeyInput!, $partitions: [String!]) {
  assetNodeOrError(assetKey: $key) { ... on AssetNode {
    assetMaterializations(partitions: $partitions) { partition
      metadataEntries { label ... on IntMetadataEntry { intValue } ... on FloatMetadataEntry { floatValue } } } } } }"""


def test_each_day_of_a_range_shows_its_own_row_count_in_the_ui(dagster_dev: DagsterDev) -> None:
    counts = dict(_query(dagster_dev.database_url, "SELECT _partition_date::text, count(*) FROM raw.orders GROUP BY 1"))
    assert len({counts.get(d, 0) for d in days(1, 3)}) > 1, counts  # days that differ, or the check proves nothing
    for layer in ("bronze", "raw"):
        data = graphql(
            dagster_dev.url, _MATERIALIZATIONS, {"key": {"path": [layer, "orders"]}, "partitions": days(1, 3)}
        )
        latest: dict[str, dict[str, float]] = {}
        for event in data["assetNodeOrError"]["assetMaterializations"]:  # newest first
            entries = {e["label"]: e.get("intValue", e.get("floatValue")) for e in event["metadataEntries"]}
            latest.setdefault(event["partition"], entries)
        for d in days(1, 3):
            assert latest[d]["dagster/row_count"] == counts.get(d, 0), (layer, d)
            assert latest[d]["orders"] == counts.get(d, 0), (layer, d)


def test_the_materialize_dialog_launches_a_range_backfill_from_the_browser(dagster_dev: DagsterDev) -> None:
    if shutil.which("chromium") is None:
        # The tests after this one build on its two days: without a browser, land them with the call the dialog
        # makes, then report the browser check as skipped (a failure in CI).
        backfill_id = launch_backfill(
            dagster_dev.url, {"assetSelection": _asset_keys(dagster_dev.url), "partitionNames": days(4, 5)}
        )
        wait_for_backfill(dagster_dev, backfill_id)
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    before = {b["id"] for b in _backfills(dagster_dev.url)}
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{dagster_dev.url}/asset-groups")  # Lineage
            page.get_by_role("button", name="Materialize all…").click()
            dialog = page.get_by_role("dialog")
            with contextlib.suppress(Exception):  # only when some partitions are outside the shown window
                dialog.get_by_text("Show all partitions").click(timeout=3000)
            selection = dialog.locator("input[type=text]").first
            selection.fill(f"[{day(4)}...{day(5)}]")
            selection.press("Enter")
            dialog.get_by_text("2 partitions").wait_for(timeout=10_000)
            dialog.get_by_role("button", name="Launch backfill").click()
            page.get_by_text("Created backfill").wait_for(timeout=30_000)
            page.screenshot(path=str(artifacts / "dagster-backfill-launched.png"))
        finally:
            browser.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    (new,) = [b["id"] for b in _backfills(dagster_dev.url) if b["id"] not in before]
    backfill = wait_for_backfill(dagster_dev, new)
    assert (day(4), day(5)) in _range_runs(backfill)
    assert set(days(0, 5)) <= published_days(dagster_dev)


def _backfills(url: str) -> list[dict[str, Any]]:
    data = graphql(url, "{ partitionBackfillsOrError(limit: 50) { ... on PartitionBackfills { results { id } } } }")
    return data["partitionBackfillsOrError"]["results"]


def test_ecom_backfill_submits_the_same_backfill_and_follows_it_to_the_end(dagster_dev: DagsterDev) -> None:
    env = {**dagster_dev.env, "ECOM_DAGSTER_URL": dagster_dev.url}
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "backfill", "--start", day(6), "--end", day(6)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BACKFILL_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("launched backfill ") and f"{dagster_dev.url}/runs/b/" in lines[0]
    assert "completed_success" in lines[-1] and " 0 failed" in lines[-1], lines[-1]
    assert day(6) in published_days(dagster_dev)


def test_the_missing_days_launch_as_one_backfill(dagster_dev: DagsterDev) -> None:
    query = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
        assetPartitionStatuses { ... on TimePartitionStatuses { ranges { status startKey endKey } } } } } }"""
    node = graphql(dagster_dev.url, query, {"key": {"path": ["raw", "orders"]}})["assetNodeOrError"]
    materialized = set()
    for r in node["assetPartitionStatuses"]["ranges"]:
        if r["status"] == "MATERIALIZED":
            first, last = dt.date.fromisoformat(r["startKey"]), dt.date.fromisoformat(r["endKey"])
            materialized |= {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    missing = [d for d in days(0, 8) if d not in materialized]  # what the dialog's "Missing" button selects
    assert missing == days(7, 8)
    backfill_id = launch_backfill(
        dagster_dev.url, {"assetSelection": _asset_keys(dagster_dev.url), "partitionNames": missing}
    )
    wait_for_backfill(dagster_dev, backfill_id)
    assert set(days(0, 8)) == published_days(dagster_dev)


def test_the_jobs_own_backfill_runs_its_range_as_one_run_in_date_order(dagster_dev: DagsterDev) -> None:
    """The `daily_pipeline` job page's Backfill button: a job backfill, which Dagster runs as one run per range
    when every asset of the job has a single-run backfill policy."""
    selector = {"partitionSetName": "daily_pipeline_partition_set", "repositorySelector": _repository(dagster_dev.url)}
    backfill_id = launch_backfill(
        dagster_dev.url,
        {"selector": selector, "partitionNames": days(6, 8), "assetSelection": _asset_keys(dagster_dev.url)},
    )
    backfill = wait_for_backfill(dagster_dev, backfill_id)
    assert _range_runs(backfill) == [(day(6), day(8))]
    assert set(days(0, 8)) == published_days(dagster_dev)


def test_the_plots_draw_one_point_per_day(dagster_dev: DagsterDev) -> None:
    """The asset's metadata Plots, by partition: one chart per numeric label, each point that day's value."""
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1400})
            page.goto(f"{dagster_dev.url}/assets/raw/orders")
            page.get_by_role("button", name="Plots").click()
            page.get_by_text("When graphing values by partition").wait_for(timeout=30_000)
            page.locator("canvas").first.wait_for(timeout=30_000)
            for label in ("orders", "revenue_usd", "dagster/row_count"):  # one chart per numeric label
                page.get_by_text(label, exact=True).first.wait_for(timeout=10_000)
            charts = page.locator("canvas").count()
            page.wait_for_timeout(1000)
            page.screenshot(path=str(artifacts / "dagster-raw-orders-plots.png"), full_page=True)
        finally:
            browser.close()
    assert charts >= 3
