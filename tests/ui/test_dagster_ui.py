"""The Dagster UI end to end: `dagster dev` on a real instance, checked through GraphQL and in headless Chromium.

One module-scoped `dagster dev` (about 30 s to start) serves every test here. Before it starts, partition
2026-01-01 of every asset is materialized with `dagster asset materialize` into the same DAGSTER_HOME, so the
UI has a partition to show. The browser test drives Debian's `chromium` through Playwright (`playwright install`
cannot download browsers here) and keeps a screenshot of the asset graph in test-artifacts/; with
ECOM_UPDATE_SCREENSHOTS=1 it also refreshes the README's copy in docs/.
"""

from __future__ import annotations

import contextlib
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
EPOCH = "2026-01-01"
PARTITION = "2026-01-01"
LAYERS = ("bronze", "silver", "raw_stage", "raw")
STARTUP_TIMEOUT = 120.0
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


def graphql(url: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
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


@pytest.fixture(scope="module")
def dagster_dev(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    """`dagster dev` on a fresh instance, lake and database, with partition 2026-01-01 materialized."""
    base = tmp_path_factory.mktemp("dagster-ui")
    dagster_home = base / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("")  # local SQLite storage in DAGSTER_HOME
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
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so teardown reaches its children too
            )
        try:
            _wait_until_serving(proc, url, log)
            yield DagsterDev(url=url, dagster_home=dagster_home, log=log)
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
            page = browser.new_page(viewport={"width": 1440, "height": 800})
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # The global lineage ("Lineage" in the menu): one collapsed group per layer.
            page.goto(f"{dagster_dev.url}/asset-groups")
            page.wait_for_function(
                """layers => {
                    const names = [...document.querySelectorAll('svg foreignObject')]
                        .map(e => e.textContent.replace(/[\\d\\s].*$/s, ''));
                    return layers.every(layer => names.includes(layer));
                }""",
                arg=list(LAYERS),
                timeout=30_000,
            )

            # orders through the four layers, with each node's partition status loaded ("... % filled").
            page.goto(dagster_dev.url + GRAPH_PAGE)
            page.wait_for_function(
                """() => [...document.querySelectorAll('svg foreignObject')]
                    .filter(e => /^orders.*Partitions.*filled/s.test(e.textContent)).length === 4""",
                timeout=30_000,
            )
            page.wait_for_timeout(1000)  # let the zoom-to-fit animation settle
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert shot.stat().st_size > 10_000
    if os.environ.get("ECOM_UPDATE_SCREENSHOTS") == "1":
        docs = ROOT / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copyfile(shot, docs / SCREENSHOT_NAME)
