"""The district hand-out log, a person's page, exceptions that name the person

Revision ID: h0007
Revises: h0006
Create Date: 2027-01-08

**The log's indexes.** ``GET /hand-outs`` reads ``hub_hand_out`` newest first by the keyset
(``handed_out_at``, ``id``) and never by OFFSET, so a page deep in a million hand-outs costs
what the first does. One index for the whole log, and one for each filter that narrows it by
equality (building, pin credential, person), each ending in the key, so the page is read in
order from the index and stops after 51 rows; two partial ones for "manual only" and "voided
only" (rare rows: a scan of the whole log to find 50 of them would read most of it); and the
receipt (a link from an exception opens the log on one receipt).

**The person's name: a join, not a copy.** A hand-out carries the employee number the kiosk
reported, not the name. The name is the district's roster's (``hub_award.person_name``), read
for the 50 rows of a page by employee number (``ix_hub_award_employee_id``), and for the CSV a
chunk at a time. Copying the name into each hand-out would need the kiosks' events to carry it
(hand-outs against an award the district does not know have none to copy), would go stale when
the roster corrects a name, and would rewrite up to a million rows here. Only a search by name
needs more than the join: ``hub_person_word`` holds the words each person is found under (as
the kiosk's manual lookup finds a person: kiosk/domain/search_words.py), a typed word is a
range on its primary key, and the hand-outs of the few people found are read through
``ix_hub_hand_out_log_person``. It is filled here from the awards already imported, and kept by
every roster import after (services/badge_data.py, services/people.py: ``refresh_words``).

**Exceptions about a person.** ``hub_exception.employee_id`` (indexed) names the person an
exception about a hand-out is about (duplicate, revoked or unknown award), for their page; it
is filled here for those already open or resolved, from the hand-outs their details name.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'h0007'
down_revision = 'h0006'
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade():
    op.create_index('ix_hub_hand_out_log', 'hub_hand_out', ['handed_out_at', 'id'])
    op.create_index('ix_hub_hand_out_log_building', 'hub_hand_out',
                    ['building_id', 'handed_out_at', 'id'])
    op.create_index('ix_hub_hand_out_log_credential', 'hub_hand_out',
                    ['credential', 'handed_out_at', 'id'])
    op.create_index('ix_hub_hand_out_log_person', 'hub_hand_out',
                    ['employee_id', 'handed_out_at', 'id'])
    op.create_index('ix_hub_hand_out_receipt', 'hub_hand_out', ['receipt'])
    manual, voided = sa.text("manual_reason <> ''"), sa.text("voided_at IS NOT NULL")
    op.create_index('ix_hub_hand_out_log_manual', 'hub_hand_out', ['handed_out_at', 'id'],
                    postgresql_where=manual, sqlite_where=manual)
    op.create_index('ix_hub_hand_out_log_voided', 'hub_hand_out', ['handed_out_at', 'id'],
                    postgresql_where=voided, sqlite_where=voided)
    op.create_table(
        'hub_person_word',
        sa.Column('word', sa.String(length=64), nullable=False),
        sa.Column('employee_id', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('word', 'employee_id'),
    )
    op.create_index('ix_hub_person_word_employee_id', 'hub_person_word', ['employee_id'])
    op.add_column('hub_exception', sa.Column('employee_id', sa.String(length=64),
                                             nullable=True))
    op.create_index('ix_hub_exception_employee_id', 'hub_exception', ['employee_id'])
    _fill_words()
    _fill_exception_people()


def _fill_words():
    from kiosk.domain.search_words import words_for_person

    bind = op.get_bind()
    words = sa.table('hub_person_word', sa.column('word'), sa.column('employee_id'))
    rows = bind.execute(sa.text("SELECT DISTINCT employee_id, person_name, email FROM hub_award "
                                "ORDER BY employee_id"))
    person, seen = None, set()  # in employee order: one person's words at a time in memory
    batch: list[dict[str, str]] = []
    for employee_id, name, email in rows:
        if employee_id != person:
            person, seen = employee_id, set()
        for word in words_for_person(name or "", employee_id, email or ""):
            if word not in seen:
                seen.add(word)
                batch.append({"word": word, "employee_id": employee_id})
        if len(batch) >= CHUNK:
            op.bulk_insert(words, batch)
            batch = []
    if batch:
        op.bulk_insert(words, batch)


def _fill_exception_people():
    bind = op.get_bind()
    found = bind.execute(sa.text(
        "SELECT id, details FROM hub_exception "
        "WHERE kind IN ('duplicate', 'revoked_award', 'unknown_award')")).all()
    for exception_id, details in found:
        try:
            read = json.loads(details or "{}")
        except ValueError:
            continue
        ids = read.get("distribution_ids") or [read.get("distribution_id")]
        ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
        if not ids:
            continue
        employee = bind.execute(sa.text("SELECT employee_id FROM hub_hand_out WHERE id = :id"),
                                {"id": ids[0]}).scalar()
        if employee:
            bind.execute(sa.text("UPDATE hub_exception SET employee_id = :e WHERE id = :id"),
                         {"e": employee, "id": exception_id})


def downgrade():
    op.drop_index('ix_hub_exception_employee_id', table_name='hub_exception')
    with op.batch_alter_table('hub_exception') as batch:
        batch.drop_column('employee_id')
    op.drop_index('ix_hub_person_word_employee_id', table_name='hub_person_word')
    op.drop_table('hub_person_word')
    for name in ('ix_hub_hand_out_log_voided', 'ix_hub_hand_out_log_manual',
                 'ix_hub_hand_out_receipt', 'ix_hub_hand_out_log_person',
                 'ix_hub_hand_out_log_credential', 'ix_hub_hand_out_log_building',
                 'ix_hub_hand_out_log'):
        op.drop_index(name, table_name='hub_hand_out')
