"""On-hand stock kept beside the ledger by a trigger; append-only history enforced by triggers;
the ledger's covering index for sums dropped

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The SQL is written out here, not imported from the models: a migration is a snapshot.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

HISTORY = ("stock_movement", "distribution", "void")


def upgrade():
    # on-hand is no longer summed from the ledger, so its covering index has no reader left
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_credential_qty')
    op.create_table(
        'stock_on_hand',
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('on_hand', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['credential_id'], ['credential.id']),
        sa.PrimaryKeyConstraint('credential_id'),
    )
    op.execute(
        "INSERT INTO stock_on_hand (credential_id, on_hand) "
        "SELECT credential_id, sum(qty) FROM stock_movement GROUP BY credential_id"
    )
    op.execute(
        """CREATE TRIGGER stock_on_hand_follows_ledger AFTER INSERT ON stock_movement
    BEGIN
        INSERT INTO stock_on_hand (credential_id, on_hand) VALUES (NEW.credential_id, NEW.qty)
        ON CONFLICT (credential_id) DO UPDATE SET on_hand = on_hand + excluded.on_hand;
    END"""
    )
    for table in HISTORY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER {table}_is_append_only_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only history'); END"""
            )


def downgrade():
    for table in HISTORY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_is_append_only_{verb}")
    op.execute("DROP TRIGGER IF EXISTS stock_on_hand_follows_ledger")
    op.drop_table('stock_on_hand')
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_credential_qty', ['credential_id', 'qty'])
