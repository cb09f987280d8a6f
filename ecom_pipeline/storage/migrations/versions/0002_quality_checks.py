"""Quality verdicts: the staged check in the partition ledger, and every checkpoint run of a day.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

`raw._ecom_partitions` gains the verdict of the latest staged check of each staged partition: `check_status`
('passed' or 'failed'; NULL until the staged version has been checked), `checked_at` and `check_failures` (the
failed rules). Staging a day clears them; publishing requires 'passed', so a day that failed its check cannot
be published later by accident, and neither can a re-staged day that has not been checked again.

`raw._ecom_checks` keeps the latest run of each warehouse checkpoint (`staged`, `marts`) per day: success, the
failures, statistics and the Data Docs page, for people and for the gold export (which refuses a day whose
latest marts check failed).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
ALTER TABLE raw._ecom_partitions
    ADD COLUMN check_status   text,
    ADD COLUMN checked_at     timestamptz,
    ADD COLUMN check_failures jsonb,
    ADD CONSTRAINT _ecom_partitions_check_status_valid CHECK (check_status IN ('passed', 'failed'));

COMMENT ON COLUMN raw._ecom_partitions.check_status IS
    'Verdict of the latest staged quality check of the staged version (NULL: not checked since staged).';

CREATE TABLE raw._ecom_checks (
    checkpoint      text        NOT NULL,
    day             date        NOT NULL,
    success         boolean     NOT NULL,
    checked_at      timestamptz NOT NULL DEFAULT now(),
    run_name        text        NOT NULL,
    failures        jsonb       NOT NULL DEFAULT '[]',
    statistics      jsonb       NOT NULL DEFAULT '{}',
    data_docs_url   text,
    CONSTRAINT _ecom_checks_pkey PRIMARY KEY (checkpoint, day),
    CONSTRAINT _ecom_checks_checkpoint_valid CHECK (checkpoint IN ('staged', 'marts'))
);

COMMENT ON TABLE raw._ecom_checks IS
    'Latest run of each warehouse quality checkpoint per day: verdict, failed rules, statistics, Data Docs page.';
"""

DOWNGRADE = """
DROP TABLE raw._ecom_checks;
ALTER TABLE raw._ecom_partitions
    DROP CONSTRAINT _ecom_partitions_check_status_valid,
    DROP COLUMN check_failures,
    DROP COLUMN checked_at,
    DROP COLUMN check_status;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
