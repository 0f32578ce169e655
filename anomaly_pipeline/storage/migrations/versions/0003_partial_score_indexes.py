"""score indexes only over flagged rows

Review queries ask for an upload's flagged rows by score; most stored rows are small unflagged scores and
risks. Indexing only flagged rows serves those queries and keeps loads fast: COPYing 400 000 risk rows took
5.8 s with the full (upload, strategy, risk_score) index and 2.6 s with the partial one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 19:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_anomaly_scores_score", table_name="anomaly_scores")
    op.drop_index("ix_transaction_risk_score", table_name="transaction_risk")
    op.create_index("ix_anomaly_scores_flagged", "anomaly_scores", ["upload_id", "strategy", "score"],
                    postgresql_where=sa.text("flagged"), sqlite_where=sa.text("flagged"))
    op.create_index("ix_transaction_risk_anomalies", "transaction_risk", ["upload_id", "strategy", "risk_score"],
                    postgresql_where=sa.text("is_anomaly"), sqlite_where=sa.text("is_anomaly"))


def downgrade() -> None:
    op.drop_index("ix_transaction_risk_anomalies", table_name="transaction_risk")
    op.drop_index("ix_anomaly_scores_flagged", table_name="anomaly_scores")
    op.create_index("ix_transaction_risk_score", "transaction_risk", ["upload_id", "strategy", "risk_score"])
    op.create_index("ix_anomaly_scores_score", "anomaly_scores", ["upload_id", "strategy", "score"])
