"""Revocation and status lists found under the URL they were published at, too

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14

A badge names its issuer's list by a URL (``revocationList``, ``statusListCredential``, the
``id`` of a 1EdTechRevocationList entry); the cache filed each list under its own ``id`` only,
so a list published at another URL than its id was never found, and the badge passed as "not
revoked". ``revocation_list_url`` files a list under the URL it was published at as well: the
``--url`` of its import (on the kiosk or the hub) or the list's own ``url``.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'revocation_list_url',
        sa.Column('url', sa.String(length=512), nullable=False),
        sa.Column('list_id', sa.String(length=512), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('url'),
    )


def downgrade():
    op.drop_table('revocation_list_url')
