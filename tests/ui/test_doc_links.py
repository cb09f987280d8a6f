"""The documentation links of the assets and checks open rendered pages, with the docs server and no internet.

One `dagster asset materialize --select '*'` of 2026-01-01 (fresh instance, lake and database, ECOM_DOCS_URL on
a free port) writes the Data Docs and, if the dbt project changed since they were last built, the dbt docs. The
docs server is started as `ecom ui` starts it. Headless Chromium (Debian's `chromium` through Playwright) then
opens the `data_docs` link of a check evaluation, read back from the run's events, and the `dbt_docs` link of a
dbt asset, with every request that leaves 127.0.0.1 refused: the pages must render from the server alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import free_port, throwaway_database
from tests.ui.test_dagster_ui import CHROMIUM_ARGS  # one set of launch flags for Chromium here

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PARTITION = "2026-01-01"
ARTIFACTS = ROOT / "test-artifacts"


@dataclass(frozen=True)
class Links:
    docs_url: str
    data_docs: dict[str, str]  # check name -> the `data_docs` link of its evaluation
    dbt_docs: str  # marts/fct_orders's `dbt_docs` link


def _links_from_run(dagster_home: Path, env: dict[str, str]) -> tuple[dict[str, str], str]:
    """The check evaluations' `data_docs` links of the (only) run, and a dbt asset's `dbt_docs` link."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    data_docs = {}
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs()
        records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
        for record in records:
            evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
            if "data_docs" in evaluation.metadata:
                data_docs[evaluation.check_name] = evaluation.metadata["data_docs"].value
    code = "from ecom_pipeline.definitions import defs; import dagster as dg; print(defs.resolve_asset_graph()"
    code += ".get(dg.AssetKey(['marts', 'fct_orders'])).metadata['dbt_docs'].value)"
    dbt_docs = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return data_docs, dbt_docs.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def links(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Links]:
    from ecom_pipeline.docs_server import start_docs_server

    base = tmp_path_factory.mktemp("doc-links")
    dagster_home = base / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("")
    docs_url = f"http://127.0.0.1:{free_port()}"
    with throwaway_database(pg_server_url, "ecom_links") as database_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_", "PG"))}
        env.update(
            DAGSTER_HOME=str(dagster_home),
            ECOM_HOME=str(base / "ecom-home"),
            ECOM_EPOCH=PARTITION,
            ECOM_DATABASE_URL=database_url,
            ECOM_DOCS_URL=docs_url,
        )
        command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "ecom_pipeline.definitions"]
        run = subprocess.run(
            [*command, "--select", "*", "--partition", PARTITION],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, "dagster asset materialize failed:\n" + (run.stdout + run.stderr)[-6000:]
        data_docs, dbt_docs = _links_from_run(dagster_home, env)
        server = start_docs_server(docs_url)
        try:
            _wait_for(docs_url)
            yield Links(docs_url, data_docs, dbt_docs)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert time.monotonic() < deadline, f"the docs server did not answer at {url}"
            time.sleep(0.3)


@dataclass
class Visit:
    text: str
    refused: list[str]  # requests that tried to leave 127.0.0.1
    failed: list[str]  # local requests that failed or answered >= 400
    loaded: list[str]  # local requests answered < 400


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("headless Chromium is needed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _visit(browser, url: str, ready: str, screenshot: str) -> Visit:
    """Open `url` offline (only 127.0.0.1 answers) and wait until the JavaScript condition `ready` holds."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    refused: list[str] = []
    failed: list[str] = []
    loaded: list[str] = []

    def route(route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(f"{request.url} ({request.failure})"))
    page.on("response", lambda r: (failed if r.status >= 400 else loaded).append(urlsplit(r.url).path))
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function(ready, timeout=60_000)
        with contextlib.suppress(Exception):  # let late requests (fonts, images) settle
            page.wait_for_load_state("networkidle", timeout=10_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=False)
        return Visit(page.evaluate("document.body.innerText"), refused, failed, loaded)
    finally:
        context.close()


def test_the_links_are_http_urls_under_ecom_docs_url(links: Links) -> None:
    assert set(links.data_docs) >= {"bronze", "staged", "marts"}
    for url in [*links.data_docs.values(), links.dbt_docs]:
        assert url.startswith(f"{links.docs_url}/"), url
    assert links.dbt_docs == f"{links.docs_url}/dbt/#!/model/model.ecom.fct_orders"


@pytest.mark.parametrize("check", ["staged", "marts"])
def test_a_checks_data_docs_link_opens_a_rendered_page_offline(links: Links, browser, check: str) -> None:
    url = links.data_docs[check]
    ready = (
        "document.readyState === 'complete' && typeof window.jQuery === 'function'"
        " && typeof window.jQuery.fn.bootstrapTable === 'function'"
        " && getComputedStyle(document.querySelector('.container-fluid, .container, body')).paddingLeft !== ''"
    )
    visit = _visit(browser, url, ready, f"data-docs-{check}.png")
    assert visit.refused == [], f"the page asked the internet for {visit.refused}"
    assert visit.failed == [], f"these requests failed: {visit.failed}"
    assert f"{check} {PARTITION}" in visit.text  # the run's name, on its page
    assert len(visit.text) > 500


def test_a_dbt_assets_dbt_docs_link_opens_its_model_page_offline(links: Links, browser) -> None:
    ready = (
        "document.body.innerText.includes('fct_orders')"
        " && document.body.innerText.includes('One row per order')"
        " && document.body.innerText.includes('order_id')"
    )
    visit = _visit(browser, links.dbt_docs, ready, "dbt-docs-fct_orders.png")
    assert visit.refused == [], f"the page asked the internet for {visit.refused}"
    assert {"/dbt/manifest.json", "/dbt/catalog.json"} <= set(visit.loaded)
    # dbt's own page asks for two template strings as URLs before they are rendered (an unbound Angular
    # `{{ getIcon(...) }}` and a `${require(...favicon.ico)}`), under `dbt docs serve` too: nothing else may fail.
    quirks = ("%7B%7B%20getIcon(", "$%7Brequire(")
    failed = [url for url in visit.failed if not any(quirk in url for quirk in quirks)]
    assert failed == [], f"these requests failed: {failed}"
