"""The engagement list's free-text search: which engagements contain a term in their purpose,
summary or outcomes, as Django's `icontains` decides (a substring, whatever its case).

Every search of engagements (the list, "my function", their exports) goes through
`matching`, so the rule and the way it is made fast are in one place:

- PostgreSQL: the plain `icontains` condition, which the `pg_trgm` GIN indexes of migration
  0008 serve (`UPPER(column) LIKE UPPER('%term%')`); the planner picks them for a rare term
  and the list's date order for a common one.
- SQLite: migration 0008 keeps an FTS5 `trigram` index of the three fields
  (`engagement_engagement_search`, an external-content table kept in step by triggers). A
  term of three characters or more that appears in fewer than `COMMON_MATCHES` engagements
  is looked up there, then checked with `icontains` (the index folds the case of every
  letter, `LIKE` only of ASCII ones: the check keeps the results those of `icontains`). A
  common term is left to `icontains`, which finds a page of it by reading a few rows in
  date order, where the index would hand back all its matches. Shorter terms (the
  trigram index cannot find them) and a database without the index (a SQLite without FTS5
  or its trigram tokenizer) use `icontains` alone.

The term is user input: it reaches the database only as a query parameter, and the index
gets it as one quoted FTS5 phrase (double quotes doubled), so `OR`, `NEAR(`, `*`, `-` or a
quote are text to find, never query syntax.

On SQLite, a migration that remakes `engagement_engagement` (Django does so for most
changes of its columns) drops the index's triggers with the old table: such a migration
must create them again and rebuild the index (as 0008 does); `tests/engagement/
test_search.py` finds an edited engagement only while they are in place.
"""

from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

SEARCH_FIELDS = ("purpose", "summary", "outcomes")

# The SQLite index (migration 0008) and the shortest term it can find.
SQLITE_INDEX = "engagement_engagement_search"
INDEXED_LENGTH = 3
# The ids of the engagements whose text holds a phrase; whether it holds in some number of
# them (it stops counting there, so a common term costs no more than a rare one).
SQLITE_FOUND = (
    "SELECT rowid FROM engagement_engagement_search WHERE engagement_engagement_search MATCH %s"
)
SQLITE_FOUND_AT_LEAST = (
    "SELECT COUNT(*) >= %s FROM (SELECT 1 FROM engagement_engagement_search"
    " WHERE engagement_engagement_search MATCH %s LIMIT %s)"
)

# A term found in at least this many engagements (of all sites) is searched by reading the
# list in its order, not through the index: the index hands back every match, about 1.3 ms
# a thousand for the count and as much for the page (measured with a million engagements),
# where a common term fills a page, and the count's limit, from the first rows read. A
# term common elsewhere but rare in what the user sees still reads all their rows, as it
# did without the index (PostgreSQL's planner, misled the same way, does the same).
COMMON_MATCHES = 50_000

# Whether the index exists, by database alias and name (it does once migrated, for good).
_indexed = {}


def matching(queryset, term):
    """The engagements of `queryset` whose purpose, summary or outcomes contain `term`."""
    contains = Q()
    for field in SEARCH_FIELDS:
        contains |= Q(**{f"{field}__icontains": term})
    connection = connections[queryset.db]
    if (
        connection.vendor != "sqlite"
        or len(term) < INDEXED_LENGTH
        or not _sqlite_index_exists(connection)
    ):
        return queryset.filter(contains)
    phrase = '"' + term.replace('"', '""') + '"'
    if _sqlite_matches_at_least(connection, phrase, COMMON_MATCHES):
        return queryset.filter(contains)
    # The term reaches the index as a parameter, one phrase: text to find, never syntax.
    found = RawSQL(SQLITE_FOUND, [phrase])  # noqa: S611 - no user input in the SQL
    return queryset.filter(Q(pk__in=found) & contains)


def _sqlite_index_exists(connection):
    key = (connection.alias, connection.settings_dict["NAME"])
    if not _indexed.get(key):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SQLITE_INDEX]
            )
            _indexed[key] = cursor.fetchone() is not None
    return _indexed[key]


def _sqlite_matches_at_least(connection, phrase, number):
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_FOUND_AT_LEAST, [number, phrase, number])
        return bool(cursor.fetchone()[0])
