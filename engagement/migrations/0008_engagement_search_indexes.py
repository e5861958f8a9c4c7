"""Indexes for the engagement list's free-text search (`engagement.search`), which keeps the
meaning of `icontains` (a substring, whatever its case) over purpose, summary and outcomes.

- PostgreSQL: the `pg_trgm` extension (trusted since PostgreSQL 13: the database's owner may
  create it) and a GIN trigram index on each field, on the expression Django's `icontains`
  compares (`UPPER("field"::text)`).
- SQLite 3.34 or later with FTS5: an FTS5 table with the `trigram` tokenizer over the
  three fields, reading its text from `engagement_engagement` (external content), filled
  here and kept in step by triggers on insert, update and delete. Without FTS5 or the
  trigram tokenizer nothing is made and the search reads the rows (`icontains`).

Each database skips what is the other's. Undone, the indexes, the table and its triggers
are dropped (the extension is left: other objects may use it).
"""

from django.db import migrations

FIELDS = ("purpose", "summary", "outcomes")

TABLE = "engagement_engagement"
INDEX = "engagement_engagement_search"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {INDEX} USING fts5("
    f"{', '.join(FIELDS)}, content='{TABLE}', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO {INDEX}({INDEX}) VALUES ('rebuild')",
    f"CREATE TRIGGER {INDEX}_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {INDEX}(rowid, {', '.join(FIELDS)}) "
    f"VALUES (new.id, {', '.join(f'new.{field}' for field in FIELDS)}); END",
    f"CREATE TRIGGER {INDEX}_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {INDEX}({INDEX}, rowid, {', '.join(FIELDS)}) "
    f"VALUES ('delete', old.id, {', '.join(f'old.{field}' for field in FIELDS)}); END",
    f"CREATE TRIGGER {INDEX}_update AFTER UPDATE OF id, {', '.join(FIELDS)} ON {TABLE} BEGIN "
    f"INSERT INTO {INDEX}({INDEX}, rowid, {', '.join(FIELDS)}) "
    f"VALUES ('delete', old.id, {', '.join(f'old.{field}' for field in FIELDS)}); "
    f"INSERT INTO {INDEX}(rowid, {', '.join(FIELDS)}) "
    f"VALUES (new.id, {', '.join(f'new.{field}' for field in FIELDS)}); END",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {INDEX}_insert",
    f"DROP TRIGGER IF EXISTS {INDEX}_delete",
    f"DROP TRIGGER IF EXISTS {INDEX}_update",
    f"DROP TABLE IF EXISTS {INDEX}",
]

POSTGRESQL_CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f'CREATE INDEX IF NOT EXISTS engagement_{field}_trgm_idx ON {TABLE} '
    f'USING gin ((UPPER("{field}"::text)) gin_trgm_ops)'
    for field in FIELDS
]

POSTGRESQL_DROP = [f"DROP INDEX IF EXISTS engagement_{field}_trgm_idx" for field in FIELDS]


def _sqlite_has_trigram(connection):
    """FTS5 is compiled in and its trigram tokenizer exists (SQLite 3.34)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()")
        version = tuple(int(part) for part in cursor.fetchone()[0].split(".")[:2])
        cursor.execute("PRAGMA compile_options")
        options = {row[0] for row in cursor.fetchall()}
    return version >= (3, 34) and "ENABLE_FTS5" in options


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statements = POSTGRESQL_CREATE
    elif connection.vendor == "sqlite" and _sqlite_has_trigram(connection):
        statements = SQLITE_CREATE
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statements = POSTGRESQL_DROP
    elif connection.vendor == "sqlite":
        statements = SQLITE_DROP
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0007_engagement_list_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
