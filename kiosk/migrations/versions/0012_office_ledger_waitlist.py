"""The office (issue 13): adjustments with a reason, each pin's low-stock threshold, and the
waitlist's call-backs and closing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

- ``stock_movement.reason``: why an adjustment was made (damaged, lost, found, returned to the
  district, other); "" for every other movement, and for every movement before.
- ``ix_stock_movement_pin``: a pin's movements in order (the ledger's pages, a period's sums).
- ``pin_threshold``: at or under how many pins a pin is low, per pin (office or admin).
- ``waitlist_entry``: when and by whom an entry was closed, and why (handed out; removed with a
  reason and a note). Entries closed before this were all fulfilled by a hand-out: their
  closing time is not known and stays empty.
- ``waitlist_contact``: each call-back to a person waiting (who, when, note), append-only.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # stock_movement is append-only (triggers refuse UPDATE and DELETE, 0002): adding a column
    # with a default rewrites no row and keeps the triggers; no batch (it would copy the table
    # and drop them)
    op.add_column('stock_movement', sa.Column('reason', sa.String(length=32), nullable=False,
                                              server_default=''))
    op.create_index('ix_stock_movement_pin', 'stock_movement', ['credential_id', 'at', 'id'])
    op.create_table(
        'pin_threshold',
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('low_at', sa.Integer(), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['credential_id'], ['credential.id']),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('credential_id'),
    )
    # plain columns, no batch: a batch copies the table, and SQLite's partial indexes on it
    # (one waiting entry a person and pin, the queue) must stay as they are
    op.add_column('waitlist_entry', sa.Column('closed_at', sa.DateTime(), nullable=True))
    op.add_column('waitlist_entry', sa.Column('closed_by', sa.Integer(), nullable=True))
    op.add_column('waitlist_entry', sa.Column('close_reason', sa.String(length=32),
                                              nullable=False, server_default=''))
    op.add_column('waitlist_entry', sa.Column('close_note', sa.Text(), nullable=False,
                                              server_default=''))
    op.create_table(
        'waitlist_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entry.id']),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_waitlist_contact_entry', 'waitlist_contact', ['entry_id', 'at'])
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"""CREATE TRIGGER waitlist_contact_is_append_only_{verb.lower()} BEFORE {verb}
        ON waitlist_contact
        BEGIN SELECT RAISE(ABORT, 'waitlist_contact is append-only history'); END""")


def downgrade():
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS waitlist_contact_is_append_only_{verb}")
    op.drop_index('ix_waitlist_contact_entry', table_name='waitlist_contact')
    op.drop_table('waitlist_contact')
    for column in ('close_note', 'close_reason', 'closed_by', 'closed_at'):
        op.drop_column('waitlist_entry', column)
    op.drop_table('pin_threshold')
    op.drop_index('ix_stock_movement_pin', table_name='stock_movement')
    op.drop_column('stock_movement', 'reason')
