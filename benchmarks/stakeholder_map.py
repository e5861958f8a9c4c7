"""How long the stakeholder map takes to render for a site with 2,500 stakeholders.

    DEBUG=1 .venv/bin/python benchmarks/stakeholder_map.py

A plain script: it sets Django up itself on a throwaway SQLite database in a temporary
directory (DATABASE_URL is set before `django.setup()`, so no other database is touched),
migrates it, creates one site with STAKEHOLDERS stakeholders (bulk_create, one in ten at
risk), and asks for the map through the Django test client as a cleared member and as an
uncleared one. It prints the median render time of RUNS requests, the query count and the
response size. The temporary directory is removed at the end.
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STAKEHOLDERS = 2500
RUNS = 9


def setup_django(database_path):
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DATABASE_URL"] = f"sqlite:///{database_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpsa.settings")
    import django

    django.setup()
    # The figures go to stdout, where the access log would write a line for every request.
    logging.getLogger("vpsa.access").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def create_data():
    """One site, a cleared and an uncleared security manager, STAKEHOLDERS stakeholders
    spread over the grid, the categories and lead functions; returns the two users."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from stakeholders.models import (
        Function,
        Site,
        SiteMembership,
        Stakeholder,
        StakeholderCategory,
    )

    site = Site.objects.create(name="Benchmark Gold Mine", country="Tanzania")
    role = Group.objects.get(name="Security manager")
    users = []
    for username, cleared in [("cleared", True), ("uncleared", False)]:
        user = get_user_model().objects.create_user(username=username, password=None)
        user.groups.add(role)
        SiteMembership.objects.create(user=user, site=site, cleared=cleared)
        users.append(user)

    categories = list(StakeholderCategory.objects.all())
    functions = list(Function.objects.all())
    kinds = list(Stakeholder.Kind.values)
    stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(
            name=f"Stakeholder {index:05d}",
            kind=kinds[index % len(kinds)],
            category=categories[index % len(categories)],
            lead_function=functions[index % len(functions)],
            location=f"Village {index % 40}",
            influence=index % 5 + 1,
            interest=index // 5 % 5 + 1,
            at_risk=index % 10 == 0,
            active=index % 25 != 0,
        )
        for index in range(STAKEHOLDERS)
    )
    through = Stakeholder.sites.through
    through.objects.bulk_create(through(stakeholder=row, site=site) for row in stakeholders)
    return users


def measure(user):
    """(median seconds, queries, bytes, status) of the map page for this user."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost")  # a host DEBUG allows without ALLOWED_HOSTS
    client.force_login(user)
    url = reverse("stakeholders:map")
    response = client.get(url)  # warm up: template loading, the session, caches
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(times), len(queries), len(response.content), response.status_code


def main():
    with tempfile.TemporaryDirectory(prefix="vpsa-benchmark-") as directory:
        setup_django(Path(directory) / "benchmark.sqlite3")
        started = time.perf_counter()
        users = create_data()
        from stakeholders.models import Stakeholder

        print(
            f"{Stakeholder.objects.count():,} stakeholders at one site "
            f"({Stakeholder.objects.filter(active=True).count():,} active, "
            f"{Stakeholder.objects.filter(at_risk=True).count():,} at risk), "
            f"created in {time.perf_counter() - started:.2f} s"
        )
        print(f"Stakeholder map, median of {RUNS} requests through the test client:")
        for user in users:
            median, queries, size, status = measure(user)
            if status != 200:
                raise SystemExit(f"{user.username}: HTTP {status}")
            print(
                f"  {user.username:>9}: {median * 1000:6.1f} ms, {queries} queries, "
                f"{size / 1024:.1f} KiB"
            )
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
