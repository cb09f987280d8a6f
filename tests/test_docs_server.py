"""The docs server: the dbt docs site and the Data Docs over http under ECOM_DOCS_URL, their CDN links served
from local copies, and nothing else of the folders they live in."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecom_pipeline.docs_server import (
    DATA_DOCS_PREFIX,
    DBT_PREFIX,
    VENDOR_DIR,
    VENDOR_PREFIX,
    data_docs_url,
    dbt_docs_url,
    make_server,
)
from tests.conftest import free_port

CDN = json.loads((VENDOR_DIR / "cdn.json").read_text())["links"]


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    dbt = tmp_path / "target"
    dbt.mkdir()
    for name in ("index.html", "manifest.json", "catalog.json", "run_results.json"):
        (dbt / name).write_text(f"<{name}>")
    docs = tmp_path / "local_site"
    (docs / "validations" / "staged run").mkdir(parents=True)
    tags = "".join(f'<script src="{url}?v=1"></script>' for url in CDN)
    (docs / "validations" / "staged run" / "page.html").write_text(f"<html><head>{tags}</head><body>ok</body></html>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return {DBT_PREFIX: dbt, DATA_DOCS_PREFIX: docs, VENDOR_PREFIX: VENDOR_DIR}


def _serve(base_url: str, roots: dict[str, Path]) -> Iterator[str]:
    server = make_server(base_url, roots=roots)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def base(roots: dict[str, Path]) -> Iterator[str]:
    yield from _serve(f"http://127.0.0.1:{free_port()}", roots)


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def test_the_dbt_site_is_served_under_dbt(base: str) -> None:
    assert _get(f"{base}/dbt/")[2] == b"<index.html>"
    status, content_type, body = _get(f"{base}/dbt/manifest.json")
    assert (status, content_type, body) == (200, "application/json", b"<manifest.json>")
    assert _get(f"{base}/dbt/catalog.json")[0] == 200
    assert _get(f"{base}/dbt")[2] == b"<index.html>"  # redirected to /dbt/


def test_nothing_else_of_dbts_target_folder_is_served(base: str) -> None:
    assert _get(f"{base}/dbt/run_results.json")[0] == 404


def test_paths_outside_the_sites_are_refused(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    for path in ("/data_docs/../secret.txt", "/data_docs/%2e%2e/secret.txt", "/secret.txt", "/vendor/../cdn.json"):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 404, path
        assert b"not for the web" not in response.read()
        conn.close()


def test_every_cdn_link_of_a_data_docs_page_is_served_locally(base: str) -> None:
    url = data_docs_url(base, "validations/staged run/page.html")
    assert url == f"{base}/data_docs/validations/staged%20run/page.html"
    status, content_type, body = _get(url)
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    html = body.decode()
    for cdn in CDN:
        assert cdn not in html
    local = [part.split('"', 1)[0] for part in html.split('src="')[1:]]
    assert len(local) == len(CDN)
    for path in local:
        assert path.startswith("/") and "?" not in path, path
        if path.startswith(f"/{VENDOR_PREFIX}/"):
            status, _, payload = _get(f"{base}{path}")
            assert status == 200 and len(payload) > 200, path


def test_the_vendored_files_come_with_their_licenses() -> None:
    packages = json.loads((VENDOR_DIR / "cdn.json").read_text())["packages"]
    for folder in packages:
        assert any((VENDOR_DIR / folder).glob("LICENSE*")), folder
    used = {target.split("/")[1] for target in CDN.values() if target.startswith(f"{VENDOR_PREFIX}/")}
    assert used <= set(packages)


def test_a_base_url_with_a_path_serves_under_it(roots: dict[str, Path]) -> None:
    for base in _serve(f"http://127.0.0.1:{free_port()}/docs/ecom", roots):
        assert _get(f"{base}/dbt/")[2] == b"<index.html>"
        assert _get(base.replace("/docs/ecom", "") + "/dbt/")[0] == 404
        assert dbt_docs_url(base, "model", "model.ecom.fct_orders") == f"{base}/dbt/#!/model/model.ecom.fct_orders"


def test_the_server_started_by_a_process_stops_when_that_process_exits(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    parent = (
        "import sys, time\n"
        "from ecom_pipeline.docs_server import start_docs_server\n"
        f"child = start_docs_server({base!r})\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(float(sys.argv[1]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent, "20"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while _status(f"{base}/") != 200:
            assert time.monotonic() < deadline, "the docs server did not start"
            time.sleep(0.3)
        proc.kill()  # the parent goes without a chance to clean up
        proc.wait()
        deadline = time.monotonic() + 15
        while _alive(child):
            assert time.monotonic() < deadline, "the docs server outlived its parent"
            time.sleep(0.3)
        assert _status(f"{base}/") is None
    finally:
        if _alive(child):
            os.kill(child, 9)


def test_a_port_in_use_is_one_line_and_status_2(base: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.docs_server", "--base-url", base],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"ecom docs: cannot serve {base}")
    assert len(result.stderr.strip().splitlines()) == 1


def _status(url: str) -> int | None:
    try:
        return _get(url)[0]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))
