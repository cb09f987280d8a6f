"""`python -m ecom_pipeline.quality`: rewrite `great_expectations/` from the suites in code.

The warehouse checkpoints are written against the configured warehouse (ECOM_DATABASE_URL, or the embedded
one), migrated first: GX tests the connection and the ledger table when it adds them.
"""

from __future__ import annotations

import sys


def main() -> int:
    from ecom_pipeline.quality.checkpoints import GX_DIR, write_project
    from ecom_pipeline.settings import load_settings
    from ecom_pipeline.storage.postgres import database_url
    from ecom_pipeline.storage.warehouse import Warehouse

    url = database_url(load_settings().home)
    Warehouse(url).migrate()
    write_project(database_url=url)
    print(f"wrote the bronze, staged and marts checkpoints to {GX_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
