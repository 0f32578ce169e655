"""SQLAlchemy Core tables of the warehouse. Migrations in `migrations/versions` create exactly these."""

from __future__ import annotations

import re

import sqlalchemy as sa

metadata = sa.MetaData()


def is_upload_partition(table_name: str) -> bool:
    """PostgreSQL's per-upload partitions of `transactions` and their staging tables (made at load time,
    not by migrations)."""
    return re.fullmatch(r"transactions_[0-9a-f]{1,32}(_new[0-9a-f]{0,8})?", table_name) is not None


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate filter: leave the per-upload partitions and their indexes alone."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not (reflected and is_upload_partition(table or ""))

file_uploads = sa.Table(
    "file_uploads", metadata,
    sa.Column("upload_id", sa.String(32), primary_key=True),  # sha256 prefix = Dagster partition key
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("file_format", sa.String(16)),
    sa.Column("status", sa.String(16), nullable=False),  # received | loaded | rejected
    sa.Column("error", sa.Text),
    sa.Column("warnings", sa.JSON),
    sa.Column("stored_path", sa.Text),  # where the original is kept (archive or rejected folder)
    sa.Column("entity", sa.Text),
    sa.Column("expected_rows", sa.Integer),
    sa.Column("transaction_count", sa.Integer),
    sa.Column("read_metadata", sa.JSON),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True)),
    sa.Column("load_token", sa.String(32)),  # changes with every load: keys the frame cache
    sa.Index("ix_file_uploads_status", "status"),
)

transactions = sa.Table(
    "transactions", metadata,
    sa.Column("upload_id", sa.String(32), sa.ForeignKey("file_uploads.upload_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("transaction_id", sa.Integer, primary_key=True),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("voucher_id", sa.Text),
    sa.Column("voucher_type", sa.Text),
    sa.Column("line_number", sa.Integer),
    sa.Column("posting_date", sa.Date, nullable=False),
    sa.Column("posted_at", sa.DateTime),
    sa.Column("registration_date", sa.DateTime),
    sa.Column("value_date", sa.Date),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("account_name", sa.Text),
    sa.Column("amount", sa.Numeric(18, 2), nullable=False),
    sa.Column("currency", sa.String(8)),
    sa.Column("description", sa.Text),
    sa.Column("counterparty", sa.Text),
    sa.Column("user_name", sa.Text),
    sa.Column("reference", sa.Text),
    sa.Column("dimensions", sa.Text),
    sa.Column("entity", sa.Text),
    sa.Column("is_removed", sa.Boolean, nullable=False),
    sa.Column("source_format", sa.String(16)),
    sa.Column("raw", sa.Text),
    sa.Index("ix_transactions_account_date", "account", "posting_date"),
    sa.Index("ix_transactions_posting_date", "posting_date", postgresql_using="brin"),  # see migration 0004
    sa.Index("ix_transactions_voucher", "voucher_id"),
    # PostgreSQL: a LIST partition per upload, built unindexed by COPY and attached in the load's transaction
    postgresql_partition_by="LIST (upload_id)",
)

strategies = sa.Table(
    "strategies", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text),
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("is_preset", sa.Boolean, nullable=False, default=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

analysis_runs = sa.Table(
    "analysis_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64)),  # Dagster run id
    sa.Column("upload_id", sa.String(32), sa.ForeignKey("file_uploads.upload_id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("strategy", sa.String(64), nullable=False),
    sa.Column("strategy_version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("duration_seconds", sa.Float),
    sa.Column("algorithm_counts", sa.JSON),
    # the entity's earlier postings the upload was judged with (entity, uploads, lines, first, last); NULL: none
    sa.Column("baseline", sa.JSON),
    sa.Column("flagged_count", sa.Integer),
    sa.Column("transaction_count", sa.Integer),
    sa.Index("ix_analysis_runs_upload", "upload_id", "strategy"),
)

# One row per (transaction, algorithm) with a non-zero score: a zero score is the absence of a row.
anomaly_scores = sa.Table(
    "anomaly_scores", metadata,
    sa.Column("upload_id", sa.String(32), primary_key=True),  # no foreign key: see migration 0002
    sa.Column("strategy", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(64), primary_key=True),
    sa.Column("transaction_id", sa.Integer, primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("flagged", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text),
    # flagged rows only: what review queries ask for; most rows are small unflagged scores (migration 0003)
    sa.Index("ix_anomaly_scores_flagged", "upload_id", "strategy", "score",
             postgresql_where=sa.text("flagged"), sqlite_where=sa.text("flagged")),
)

rule_flags = sa.Table(
    "rule_flags", metadata,
    sa.Column("upload_id", sa.String(32), primary_key=True),  # no foreign key: see migration 0002
    sa.Column("strategy", sa.String(64), primary_key=True),
    sa.Column("rule", sa.String(64), primary_key=True),
    sa.Column("transaction_id", sa.Integer, primary_key=True),
    sa.Column("severity", sa.String(8), nullable=False),  # low | medium | high
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

# Per-algorithm run outcome (ran / skipped and why) so a skipped detector is visible, never silent.
algorithm_runs = sa.Table(
    "algorithm_runs", metadata,
    sa.Column("upload_id", sa.String(32), sa.ForeignKey("file_uploads.upload_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("strategy", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(64), primary_key=True),
    sa.Column("config_hash", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),  # ran | skipped | disabled
    sa.Column("skip_reason", sa.Text),
    sa.Column("flagged_count", sa.Integer),
    sa.Column("scored_count", sa.Integer),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

transaction_risk = sa.Table(
    "transaction_risk", metadata,
    sa.Column("upload_id", sa.String(32), primary_key=True),  # no foreign key: see migration 0002
    sa.Column("strategy", sa.String(64), primary_key=True),
    sa.Column("transaction_id", sa.Integer, primary_key=True),
    sa.Column("voucher_id", sa.Text),
    sa.Column("risk_score", sa.Float, nullable=False),
    sa.Column("voucher_risk", sa.Float),
    sa.Column("is_anomaly", sa.Boolean, nullable=False),
    sa.Column("reasons", sa.Text),  # strongest first, "; "-separated
    sa.Index("ix_transaction_risk_anomalies", "upload_id", "strategy", "risk_score",
             postgresql_where=sa.text("is_anomaly"), sqlite_where=sa.text("is_anomaly")),
)

# HTTP API keys: the key itself is shown once at creation; only its SHA-256 is stored (keys are 256 random
# bits, so a fast hash is enough: there is nothing to guess from).
api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("key_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),  # the key's first characters, to tell keys apart
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
