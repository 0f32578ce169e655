"""transactions.voucher_type: the journal, series or kind of transaction a line's voucher belongs to

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("transactions", sa.Column("voucher_type", sa.Text))


def downgrade() -> None:
    op.drop_column("transactions", "voucher_type")
