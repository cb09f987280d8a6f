"""Customers' time zone: `time_zone`, the IANA zone of the customer's default address (contract 1.1).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

`raw.customers` and `raw_stage.customers` gain `time_zone`. Rows loaded before this revision were generated
when every customer of a storefront lived on its storefront's zone, so they get that zone; the column is then
NOT NULL in `raw` like every contract column that is not nullable (the staging twin stays unconstrained).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
ALTER TABLE raw.customers ADD COLUMN time_zone text;
UPDATE raw.customers SET time_zone = CASE country
    WHEN 'US' THEN 'America/New_York'
    WHEN 'GB' THEN 'Europe/London'
    WHEN 'DE' THEN 'Europe/Berlin'
    WHEN 'FR' THEN 'Europe/Paris'
    WHEN 'BR' THEN 'America/Sao_Paulo'
    WHEN 'JP' THEN 'Asia/Tokyo'
    ELSE 'UTC' END;
ALTER TABLE raw.customers ALTER COLUMN time_zone SET NOT NULL;
COMMENT ON COLUMN raw.customers.time_zone IS 'IANA time zone of the customer''s default address.';

ALTER TABLE raw_stage.customers ADD COLUMN time_zone text;
"""

DOWNGRADE = """
ALTER TABLE raw_stage.customers DROP COLUMN time_zone;
ALTER TABLE raw.customers DROP COLUMN time_zone;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
