"""District sync: the outbox's hash chain, stock the district sends (by its reference), and
hand-outs at other buildings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Columns are added with plain ALTER TABLE (no table copy), so that the append-only triggers on
stock_movement stay in place. Events already in the outbox are chained here, in seq order.
"""
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(prev_hash, event_id, seq, kind, payload, created_at):
    body = json.dumps({"id": event_id, "seq": seq, "kind": kind, "payload": payload,
                       "created_at": created_at}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


def upgrade():
    op.add_column('outbox_event', sa.Column('created_text', sa.String(length=40),
                                            nullable=False, server_default=''))
    op.add_column('outbox_event', sa.Column('prev_hash', sa.String(length=64), nullable=False,
                                            server_default=''))
    op.add_column('outbox_event', sa.Column('hash', sa.String(length=64), nullable=False,
                                            server_default=''))
    op.add_column('outbox_event', sa.Column('sent_at', sa.DateTime(), nullable=True))
    op.add_column('stock_movement', sa.Column('ref', sa.String(length=64), nullable=True))
    op.create_index('uq_stock_movement_ref', 'stock_movement', ['ref'], unique=True)
    op.create_table(
        'remote_hand_out',
        sa.Column('distribution_id', sa.String(length=36), nullable=False),
        sa.Column('building', sa.String(length=200), nullable=False),
        sa.Column('employee_id', sa.String(length=64), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.String(length=512), nullable=False),
        sa.Column('receipt', sa.String(length=20), nullable=False),
        sa.Column('staff', sa.String(length=120), nullable=False),
        sa.Column('handed_out_at', sa.DateTime(), nullable=False),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['credential_id'], ['credential.id']),
        sa.PrimaryKeyConstraint('distribution_id'),
    )
    op.create_index('ix_remote_hand_out_person_pin', 'remote_hand_out',
                    ['employee_id', 'credential_id'], unique=False)

    conn = op.get_bind()
    prev = GENESIS
    rows = conn.execute(sa.text(
        "SELECT id, seq, kind, payload, created_at FROM outbox_event ORDER BY seq")).all()
    for event_id, seq, kind, payload, created_at in rows:
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        text = created_at.replace(tzinfo=UTC).isoformat(timespec="microseconds")
        digest = _hash(prev, event_id, seq, kind, json.loads(payload), text)
        conn.execute(sa.text("UPDATE outbox_event SET created_text = :t, prev_hash = :p, "
                             "hash = :h WHERE id = :i"),
                     {"t": text, "p": prev, "h": digest, "i": event_id})
        prev = digest


def downgrade():
    op.drop_index('ix_remote_hand_out_person_pin', table_name='remote_hand_out')
    op.drop_table('remote_hand_out')
    op.drop_index('uq_stock_movement_ref', table_name='stock_movement')
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_column('sent_at')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('created_text')
