"""Sessions kept on the hub; wrong PINs for names no login has are counted too

Revision ID: h0003
Revises: h0002
Create Date: 2026-12-12

``hub_session``: a logged-in browser. The signed cookie carries a random id and this row its
SHA-256; logging out (or idle logout) ends the row, so a copy of the cookie no longer logs
anyone in. Sessions from before this revision had no id: they end, and staff log in again.

``hub_login_guard``: wrong PINs given for a name no active login has, under a keyed hash of
the name (HMAC-SHA256 with the hub's secret key): such a name locks after as many wrong PINs as
a real one, so the lockout does not tell which names exist.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h0003'
down_revision = 'h0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['hub_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'hub_login_guard',
        sa.Column('name_digest', sa.String(length=64), nullable=False),
        sa.Column('failed_pins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name_digest'),
    )
    op.create_index(op.f('ix_hub_login_guard_locked_until'), 'hub_login_guard',
                    ['locked_until'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_hub_login_guard_locked_until'), table_name='hub_login_guard')
    op.drop_table('hub_login_guard')
    op.drop_table('hub_session')
