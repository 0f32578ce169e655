"""bulk result tables without per-row foreign-key checks

A foreign key is checked by a trigger for every inserted row: COPYing 400 000 risk rows took 8.8 s with it
and 5.6 s without. anomaly_scores, rule_flags and transaction_risk are written in bulk by the pipeline
(which only writes rows of registered uploads and deletes them itself when an upload is reloaded or
rejected), so they drop the constraint. Deleting an upload still removes its results: on PostgreSQL one
trigger per deleted upload does what ON DELETE CASCADE did (SQLite does not enforce foreign keys here).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:00:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("anomaly_scores", "rule_flags", "transaction_risk")
# the names SQLite's batch mode gives the reflected, unnamed foreign keys of 0001
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.drop_constraint(f"{table}_upload_id_fkey", table, type_="foreignkey")
        deletes = " ".join(f"DELETE FROM {table} WHERE upload_id = OLD.upload_id;" for table in TABLES)
        op.execute(f"CREATE FUNCTION delete_upload_results() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {deletes} RETURN OLD; END $$")
        op.execute("CREATE TRIGGER file_uploads_delete_results AFTER DELETE ON file_uploads "
                   "FOR EACH ROW EXECUTE FUNCTION delete_upload_results()")
        return
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_constraint(f"fk_{table}_upload_id_file_uploads", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER file_uploads_delete_results ON file_uploads")
        op.execute("DROP FUNCTION delete_upload_results()")
        for table in TABLES:
            op.create_foreign_key(f"{table}_upload_id_fkey", table, "file_uploads", ["upload_id"], ["upload_id"],
                                  ondelete="CASCADE")
        return
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_upload_id_file_uploads", "file_uploads", ["upload_id"],
                                     ["upload_id"], ondelete="CASCADE")
