"""The database table of the `import_previews` cache (settings.CACHES), where an import
preview's file waits for its confirmation: made here so that `migrate` on release is all a
deployment runs (createcachetable skips a table that exists)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
