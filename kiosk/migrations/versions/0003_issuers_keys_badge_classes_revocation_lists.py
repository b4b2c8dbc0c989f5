"""The badge cache's trust part: issuers, their keys, badge classes and revocation lists

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'issuer',
        sa.Column('id', sa.String(length=512), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('version', sa.String(length=8), nullable=False),
        sa.Column('key_ids', sa.Text(), nullable=True),
        sa.Column('revocation_list', sa.String(length=512), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'issuer_key',
        sa.Column('id', sa.String(length=600), nullable=False),
        sa.Column('owner', sa.String(length=512), nullable=False),
        sa.Column('kid', sa.String(length=300), nullable=True),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('material', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('issuer_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issuer_key_owner'), ['owner'], unique=False)
    op.create_table(
        'badge_class',
        sa.Column('id', sa.String(length=512), nullable=False),
        sa.Column('issuer_id', sa.String(length=512), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['credential_id'], ['credential.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'revocation_list',
        sa.Column('id', sa.String(length=512), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('issuer_id', sa.String(length=512), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('revocation_list')
    op.drop_table('badge_class')
    with op.batch_alter_table('issuer_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issuer_key_owner'))
    op.drop_table('issuer_key')
    op.drop_table('issuer')
