"""Award keys are looked up by key only: the index on award_key.award_id goes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Nothing reads award keys by award (awards are never deleted or renumbered), and keeping that
index up to date cost a new kiosk's first pull of a big district a third of its time.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_award_key_award_id', table_name='award_key')


def downgrade():
    op.create_index('ix_award_key_award_id', 'award_key', ['award_id'], unique=False)
