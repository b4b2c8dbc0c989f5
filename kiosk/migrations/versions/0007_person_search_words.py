"""The manual lookup: the words each person is found under (person_word), made for everyone
already in the cache

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

A person is found by any word of their name, their employee number or their email, without
accents or case (kiosk/domain/search_words.py). The table has no rowid: its primary key
(word, person_id) is the index the lookup reads by range. The words of the people already
cached are worked out here, a few thousand people at a time.
"""
import sqlalchemy as sa
from alembic import op

from kiosk.domain.search_words import words_for_person

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CHUNK = 5000  # people read at a time


def upgrade():
    op.create_table(
        'person_word',
        sa.Column('word', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('word', 'person_id'),
        sqlite_with_rowid=False,
    )

    conn = op.get_bind()
    after = 0
    while True:
        people = conn.execute(sa.text(
            "SELECT id, employee_id, name, email FROM person WHERE id > :after "
            "ORDER BY id LIMIT :chunk"), {"after": after, "chunk": CHUNK}).all()
        if not people:
            break
        rows = sorted((word, person_id) for person_id, employee_id, name, email in people
                      for word in words_for_person(name or "", employee_id, email or ""))
        if rows:
            conn.execute(sa.text("INSERT INTO person_word (word, person_id) VALUES (:w, :p)"),
                         [{"w": word, "p": person_id} for word, person_id in rows])
        after = people[-1][0]


def downgrade():
    op.drop_table('person_word')
