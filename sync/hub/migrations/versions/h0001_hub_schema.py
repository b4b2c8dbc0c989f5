"""The district hub's schema: staff, buildings, kiosks, events, badge data, the change log,
stock, reconciliation

Revision ID: h0001
Revises: 
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hub_building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_key')
    )
    op.create_table('hub_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('has_pin', sa.Boolean(), nullable=False),
    sa.Column('pin_name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_key')
    )
    op.create_table('hub_document',
    sa.Column('id', sa.String(length=600), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('hub_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_pins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_key')
    )
    op.create_table('hub_award',
    sa.Column('id', sa.String(length=512), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('building', sa.String(length=200), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Text(), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['hub_credential.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hub_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_award_employee_id'), ['employee_id'], unique=False)

    op.create_table('hub_change',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('from_building_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.ForeignKeyConstraint(['from_building_id'], ['hub_building.id'], ),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('hub_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('credential', sa.String(length=300), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_table('hub_enrollment_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('kiosk_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['hub_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    op.create_table('hub_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('kiosk_id', sa.String(length=36), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by', sa.String(length=120), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hub_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_exception_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_hub_exception_status'), ['status'], unique=False)

    op.create_table('hub_kiosk',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('clock_offset_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['hub_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('hub_kiosk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_kiosk_building_id'), ['building_id'], unique=False)

    op.create_table('hub_stock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('credential', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref', 'kind', name='uq_hub_stock_ref_kind')
    )
    with op.batch_alter_table('hub_stock', schema=None) as batch_op:
        batch_op.create_index('ix_hub_stock_building_pin', ['building_id', 'credential'], unique=False)

    op.create_table('hub_waitlist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'employee_id', 'credential', name='uq_hub_waitlist_person')
    )
    op.create_table('hub_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=36), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=120), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['hub_kiosk.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('hub_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=36), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_text', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('chain', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.ForeignKeyConstraint(['kiosk_id'], ['hub_kiosk.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hub_event', schema=None) as batch_op:
        batch_op.create_index('ix_hub_event_kiosk_seq', ['kiosk_id', 'seq'], unique=False)

    op.create_table('hub_hand_out',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=36), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.String(length=512), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.String(length=300), nullable=False),
    sa.Column('handed_out_at', sa.DateTime(), nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('staff', sa.String(length=120), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['hub_building.id'], ),
    sa.ForeignKeyConstraint(['kiosk_id'], ['hub_kiosk.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hub_hand_out', schema=None) as batch_op:
        batch_op.create_index('ix_hub_hand_out_person_pin', ['employee_id', 'credential'], unique=False)



def downgrade():
    with op.batch_alter_table('hub_hand_out', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_hand_out_person_pin')

    op.drop_table('hub_hand_out')
    with op.batch_alter_table('hub_event', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_event_kiosk_seq')

    op.drop_table('hub_event')
    op.drop_table('hub_bundle')
    op.drop_table('hub_waitlist')
    with op.batch_alter_table('hub_stock', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_stock_building_pin')

    op.drop_table('hub_stock')
    with op.batch_alter_table('hub_kiosk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_kiosk_building_id'))

    op.drop_table('hub_kiosk')
    with op.batch_alter_table('hub_exception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_exception_status'))
        batch_op.drop_index(batch_op.f('ix_hub_exception_key'))

    op.drop_table('hub_exception')
    op.drop_table('hub_enrollment_code')
    op.drop_table('hub_count')
    op.drop_table('hub_change')
    with op.batch_alter_table('hub_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_award_employee_id'))

    op.drop_table('hub_award')
    op.drop_table('hub_user')
    op.drop_table('hub_document')
    op.drop_table('hub_credential')
    op.drop_table('hub_building')
