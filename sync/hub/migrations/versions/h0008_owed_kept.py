"""Who is still owed a pin, kept as the records change

Revision ID: h0008
Revises: h0007
Create Date: 2027-01-15

``hub_owed`` holds one row per person, pin credential and roster building for a person whose
award of it earns a pin (the credential has one, the award is not revoked) and who has not
been handed it anywhere. "What is still owed" counted these from every award and hand-out per
request, an anti-join that took 2.3 s at two million awards; now it counts rows kept by every
transaction that changes them (services/owed_count.py). Filled here from the awards and
hand-outs already stored, in one statement.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h0008'
down_revision = 'h0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_owed',
        sa.Column('employee_id', sa.String(length=64), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('building', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['credential_id'], ['hub_credential.id']),
        sa.PrimaryKeyConstraint('employee_id', 'credential_id', 'building'),
    )
    op.create_index('ix_hub_owed_building_pin', 'hub_owed', ['building', 'credential_id'])
    op.execute(
        "INSERT INTO hub_owed (employee_id, credential_id, building) "
        "SELECT DISTINCT a.employee_id, a.credential_id, a.building "
        "FROM hub_award a JOIN hub_credential c ON c.id = a.credential_id "
        "WHERE c.has_pin AND NOT a.revoked AND NOT EXISTS ("
        "SELECT 1 FROM hub_hand_out h WHERE h.employee_id = a.employee_id "
        "AND h.credential = c.name AND h.voided_at IS NULL)")


def downgrade():
    op.drop_index('ix_hub_owed_building_pin', table_name='hub_owed')
    op.drop_table('hub_owed')
