"""The partition ledger says what `raw` holds while a new version of a published day is staged.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04

Until now staging a day set `status = 'staged'` even when `raw` still held its published version, so after a failed
republish the ledger said `staged` for a day that was in `raw`. Now `status` describes `raw` only: `staged` (raw holds
nothing of the day) or `published` (raw holds `published_rows` rows with digest `published_sha256`, since
`published_at`). The new `staged_at` says when the version in `raw_stage` was staged (its `rows`, `sha256` and
`check_status`), and is NULL when `raw_stage` holds no version of the day (publishing moves it into `raw`).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
ALTER TABLE raw._ecom_partitions ADD COLUMN staged_at timestamptz;
UPDATE raw._ecom_partitions SET staged_at = loaded_at WHERE status = 'staged';
UPDATE raw._ecom_partitions SET status = 'published' WHERE status = 'staged' AND published_at IS NOT NULL;

COMMENT ON COLUMN raw._ecom_partitions.status IS
    'What raw holds of the partition: staged (nothing yet) or published (published_rows, published_sha256).';
COMMENT ON COLUMN raw._ecom_partitions.staged_at IS
    'When the version in raw_stage (rows, sha256, check_status) was staged; NULL when raw_stage holds none.';
"""

DOWNGRADE = """
UPDATE raw._ecom_partitions SET status = 'staged' WHERE staged_at IS NOT NULL;
COMMENT ON COLUMN raw._ecom_partitions.status IS NULL;
ALTER TABLE raw._ecom_partitions DROP COLUMN staged_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
