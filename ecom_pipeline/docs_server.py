"""The docs server: the dbt docs site and Great Expectations' Data Docs over http, under `ECOM_DOCS_URL`.

    <base>/dbt/#!/model/model.ecom.fct_orders       dbt_project/target: index.html, manifest.json, catalog.json
    <base>/data_docs/validations/…/<run>.html        great_expectations/uncommitted/data_docs/local_site
    <base>/vendor/…                                  the Data Docs' scripts, styles and fonts (docs_vendor/)

Every `dbt_docs` and `data_docs` link of the assets and checks points here (a browser refuses `file://` links
from the Dagster UI's http page). Data Docs pages load jQuery, Bootstrap, Font Awesome and Vega from CDNs: the
server rewrites those links to local copies (`docs_vendor/cdn.json`: npm packages with their licenses), so the
pages render without internet. Only the three files of the dbt site are served from dbt's target folder.

`ecom ui` starts it as a child process next to `dagster dev` (it stops when its parent goes); `ecom docs` runs it
alone. Standard library only.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

VENDOR_DIR = Path(__file__).resolve().parent / "docs_vendor"
DBT_PREFIX = "dbt"
DATA_DOCS_PREFIX = "data_docs"
VENDOR_PREFIX = "vendor"
PARENT_POLL_S = 1.0


def configured_docs_url(environ: Mapping[str, str] | None = None) -> str:
    """The base of every documentation link: `ECOM_DOCS_URL`, validated like every setting."""
    from ecom_pipeline.settings import load_settings

    env = os.environ if environ is None else environ
    return load_settings(environ={k: v for k, v in env.items() if k == "ECOM_DOCS_URL"}).docs_url


def dbt_docs_url(base: str, resource_type: str, unique_id: str) -> str:
    """The dbt docs page of a node, e.g. `<base>/dbt/#!/model/model.ecom.fct_orders`."""
    return f"{base.rstrip('/')}/{DBT_PREFIX}/#!/{resource_type}/{unique_id}"


def data_docs_url(base: str, page: str) -> str:
    """A Data Docs page (`page`: its path within the site, e.g. `validations/…/x.html`) under the server."""
    return f"{base.rstrip('/')}/{DATA_DOCS_PREFIX}/{quote(page)}"


def sites() -> dict[str, Path]:
    """Where each prefix is served from."""
    from ecom_pipeline.quality.checkpoints import DATA_DOCS_DIR
    from ecom_pipeline.transform import DOCS_DIR

    return {DBT_PREFIX: DOCS_DIR, DATA_DOCS_PREFIX: DATA_DOCS_DIR, VENDOR_PREFIX: VENDOR_DIR}


@functools.cache
def _cdn_links() -> tuple[re.Pattern[str], dict[str, str]]:
    links: dict[str, str] = json.loads((VENDOR_DIR / "cdn.json").read_text())["links"]
    prefixes = sorted(links, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(re.escape(p) for p in prefixes) + r")(?:\?[^\"'\s)<>]*)?")
    return pattern, links


def offline_html(html: str, base_path: str) -> str:
    """A Data Docs page with every CDN link replaced by the server's local copy (`base_path`: the server's path)."""
    pattern, links = _cdn_links()
    return pattern.sub(lambda m: f"{base_path}/{links[m.group(1)]}", html)


class DocsHandler(SimpleHTTPRequestHandler):
    """Serves the sites under the base path; nothing outside them (no listing of dbt's target folder)."""

    base_path = ""
    roots: Mapping[str, Path] = {}

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the server runs next to `dagster dev`, whose log matters."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")  # docs are rebuilt in place
        super().end_headers()

    def translate_path(self, path: str) -> str:
        """The file for a request path, or an empty string when it is not one this server serves."""
        path = unquote(urlsplit(path).path)
        if not path.startswith(self.base_path + "/"):
            return ""
        prefix, _, rest = path[len(self.base_path) + 1 :].partition("/")
        root = self.roots.get(prefix)
        if root is None:
            return ""
        if prefix == DBT_PREFIX:
            from ecom_pipeline.transform import DOCS_FILES

            rest = rest or "index.html"
            if rest not in DOCS_FILES:
                return ""
        target = (root / (rest or "index.html")).resolve()
        if not target.is_relative_to(root.resolve()):
            return ""
        return str(target)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.rstrip("/") == self.base_path:
            self._send(HTTPStatus.OK, _index_page(self.base_path), "text/html; charset=utf-8")
            return
        for prefix in (DBT_PREFIX, DATA_DOCS_PREFIX):  # /dbt -> /dbt/: the sites use relative links
            if path == f"{self.base_path}/{prefix}":
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", f"{path}/")
                self.end_headers()
                return
        file = self.translate_path(self.path)
        if not file or not Path(file).is_file():
            self.send_error(HTTPStatus.NOT_FOUND, _missing(path, self.base_path))
            return
        if path.startswith(f"{self.base_path}/{DATA_DOCS_PREFIX}/") and file.endswith(".html"):
            html = offline_html(Path(file).read_text(encoding="utf-8"), self.base_path)
            self._send(HTTPStatus.OK, html, "text/html; charset=utf-8")
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, status: HTTPStatus, text: str, content_type: str) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _index_page(base_path: str) -> str:
    return (
        "<!doctype html><title>ecom_pipeline docs</title><h1>ecom_pipeline docs</h1><ul>"
        f'<li><a href="{base_path}/{DBT_PREFIX}/">dbt docs</a>: models, tests, lineage</li>'
        f'<li><a href="{base_path}/{DATA_DOCS_PREFIX}/">Data Docs</a>: the quality gates\' runs</li></ul>'
    )


def _missing(path: str, base_path: str) -> str:
    if path.startswith(f"{base_path}/{DBT_PREFIX}/"):
        return "the dbt docs are generated by the first dbt run (or: python3 dev.py dbt docs generate)"
    if path.startswith(f"{base_path}/{DATA_DOCS_PREFIX}/"):
        return "Data Docs are written by the quality gates: land a day first"
    return "not found"


def make_server(
    base_url: str, host: str | None = None, port: int | None = None, roots: Mapping[str, Path] | None = None
) -> ThreadingHTTPServer:
    """A server for the sites at `base_url` (its path is the prefix), listening on its host and port unless
    `host` / `port` say otherwise (e.g. 0.0.0.0 behind a proxy that publishes `base_url`); `roots` replaces
    where each prefix is served from (default: `sites()`)."""
    parts = urlsplit(base_url)
    handler = type(
        "Handler",
        (DocsHandler,),
        {"base_path": parts.path.rstrip("/"), "roots": dict(roots or sites()), "extensions_map": _types()},
    )
    default_port = parts.port or (443 if parts.scheme == "https" else 80)
    listen = (host or parts.hostname or "127.0.0.1", default_port if port is None else port)
    server = ThreadingHTTPServer(listen, handler)
    server.daemon_threads = True
    return server


def _types() -> dict[str, str]:
    return {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
    }


def _stop_with_parent(server: ThreadingHTTPServer, parent: int) -> None:
    """Shut the server down once the process that started it is gone (it is re-parented)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    server.shutdown()


def start_docs_server(base_url: str) -> subprocess.Popen[bytes]:
    """Start the server as a child process that stops when this process (or what it execs into) exits."""
    command = [sys.executable, "-m", "ecom_pipeline.docs_server", "--base-url", base_url, "--with-parent"]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecom_pipeline.docs_server", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--with-parent", action="store_true", help="stop when the parent process exits")
    args = parser.parse_args(argv)
    try:
        server = make_server(args.base_url, args.host, args.port)
    except OSError as exc:
        print(f"ecom docs: cannot serve {args.base_url}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.with_parent:
        threading.Thread(target=_stop_with_parent, args=(server, os.getppid()), daemon=True).start()
    print(
        f"ecom docs: dbt docs {args.base_url}/{DBT_PREFIX}/  Data Docs {args.base_url}/{DATA_DOCS_PREFIX}/", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
