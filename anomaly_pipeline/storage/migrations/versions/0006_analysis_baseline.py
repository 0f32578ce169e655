"""analysis_runs.baseline: the entity's earlier postings a run judged the upload with (uploads, lines, dates)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("analysis_runs", sa.Column("baseline", sa.JSON))


def downgrade() -> None:
    op.drop_column("analysis_runs", "baseline")
