"""The print queue: who asked for a copy, who settled a job by hand, and the distribution index

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('settled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('settled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('settled_note', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key('fk_print_job_requested_by_id_staff_user', 'staff_user',
                                    ['requested_by_id'], ['id'])
        batch_op.create_foreign_key('fk_print_job_settled_by_id_staff_user', 'staff_user',
                                    ['settled_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_print_job_distribution_id'), ['distribution_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_distribution_id'))
        batch_op.drop_constraint('fk_print_job_settled_by_id_staff_user', type_='foreignkey')
        batch_op.drop_constraint('fk_print_job_requested_by_id_staff_user', type_='foreignkey')
        batch_op.drop_column('settled_note')
        batch_op.drop_column('settled_at')
        batch_op.drop_column('settled_by_id')
        batch_op.drop_column('requested_by_id')
