"""lighter transaction indexes: voucher lookups without the upload id, dates as a BRIN range index

Every upload's transactions are one LIST partition of `transactions` (PostgreSQL), and ATTACH builds each
index when a load swaps the partition in: at 1M rows the four B-trees took 2.4 s. Within a partition the
upload id is one constant, so (upload_id, voucher_id) indexed it a million times for nothing: a query for an
upload's voucher prunes to the partition and finds the voucher by `voucher_id` (0.92 -> 0.56 s to build).
Ledgers are written in date order, so a BRIN index answers date ranges at a fraction of a B-tree's build time
and size (0.30 s -> under 0.1 s); an upload in no order costs a scan of its partition, not a wrong result.
SQLite has no BRIN: there the date index stays a B-tree.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:20:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_transactions_upload_voucher", table_name="transactions")
    op.create_index("ix_transactions_voucher", "transactions", ["voucher_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_transactions_posting_date", table_name="transactions")
        op.create_index("ix_transactions_posting_date", "transactions", ["posting_date"], postgresql_using="brin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_transactions_posting_date", table_name="transactions")
        op.create_index("ix_transactions_posting_date", "transactions", ["posting_date"])
    op.drop_index("ix_transactions_voucher", table_name="transactions")
    op.create_index("ix_transactions_upload_voucher", "transactions", ["upload_id", "voucher_id"])
