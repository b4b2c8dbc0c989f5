"""Sessions kept on the kiosk; wrong PINs for names no login has are counted too

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12

``staff_session``: a logged-in browser. The signed cookie carries a random id and this row its
SHA-256; logging out (or idle logout) ends the row, so a copy of the cookie no longer logs
anyone in. Sessions from before this revision had no id: they end, and staff log in again.

``login_guard``: wrong PINs given for a name no active login has, under a keyed hash of the
name (HMAC-SHA256 with the kiosk's secret key): such a name locks after as many wrong PINs as a
real one, so the lockout does not tell which names exist.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'login_guard',
        sa.Column('name_digest', sa.String(length=64), nullable=False),
        sa.Column('failed_pins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name_digest'),
    )
    op.create_index(op.f('ix_login_guard_locked_until'), 'login_guard', ['locked_until'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_login_guard_locked_until'), table_name='login_guard')
    op.drop_table('login_guard')
    op.drop_table('staff_session')
