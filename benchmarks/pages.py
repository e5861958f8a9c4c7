"""How fast VPSA's pages, admin changelists and exports are on a company's data.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/scale.sqlite3 .venv/bin/python benchmarks/pages.py

Run it on a database filled by `manage.py seed_scale` (see README.md here). It asks for each
page through the Django test client, REPEATS times after one warm-up, as a member of the
first scale site (its cleared security manager), as its administrator (staff, not a
superuser: the admin pages only) and as a superuser, and prints the median,
the 95th percentile and the query count; then the time and peak memory of a full CSV and
XLSX export of the site's engagements and of the admin's export of the stakeholders; and,
in the same run, two floors (`benchmarks/floors.py`): a bare one (the rows of a list page
from one indexed query in a bare template) and a layout one (the same inside the app's
base layout), with each page's 95th percentile as a ratio to both.

It writes nothing but an export log entry per export and, if missing, the superuser
`scale-root` and the site administrator `scale-01-admin` (no usable password).
`--repeats N` changes the number of requests.
"""

import argparse
import logging
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpsa.settings")
    import django

    django.setup()
    # Loaded as an app server loads it (vpsa/wsgi.py freezes what loading made).
    import vpsa.wsgi  # noqa: F401

    # The table goes to stdout, where the access log would write a line for every request.
    logging.getLogger("vpsa.access").setLevel(logging.WARNING)


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Bench:
    def __init__(self, *, repeats, out):
        from django.test import Client

        self.client_class = Client
        self.repeats = repeats
        self.out = out
        self.results = []

    def measure(self, client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        response = client.get(url)  # warm-up
        status = response.status_code
        times = []
        queries = 0
        for _ in range(self.repeats):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                if getattr(response, "streaming", False):
                    for _chunk in response.streaming_content:
                        pass
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
            status = response.status_code
        return {
            "median": statistics.median(times),
            "p95": percentile(times, 0.95),
            "queries": queries,
            "status": status,
        }

    def page(self, who, client, label, url, floors):
        figures = self.measure(client, url)
        bare, layout = floors
        self.results.append((who, label, figures))
        self.out.write(
            f"{who:<10} {label:<44} {figures['median']:8.1f} {figures['p95']:8.1f} "
            f"{figures['queries']:4d}  {figures['status']}"
            f"  {figures['p95'] / bare:6.1f}× {figures['p95'] / layout:6.1f}×\n"
        )


def targets():
    """The objects the pages are asked about: the first scale site, its cleared security
    manager, a superuser, the community with the most engagements, a plan."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from engagement.models import Engagement
    from plans.models import Plan
    from stakeholders.models import Site, Stakeholder

    User = get_user_model()
    site = Site.objects.filter(name__startswith="Scale site").order_by("name").first()
    if site is None:
        raise SystemExit("No scale site here: run `manage.py seed_scale` on this database first.")
    member = User.objects.get(username=f"scale-{site.name.rsplit(' ', 1)[1]}-security")
    root, _created = User.objects.get_or_create(
        username="scale-root",
        defaults={"is_superuser": True, "is_staff": True, "password": "!"},
    )
    site_admin = site_administrator(site)
    community = (
        Stakeholder.objects.filter(sites=site, category__code="local-communities", at_risk=False)
        .annotate(n=Count("engagements"))
        .order_by("-n")
        .first()
    )
    engagement = Engagement.objects.filter(site=site).order_by("-date", "-pk").first()
    plan = Plan.objects.filter(site=site).order_by("-starts_on").first()
    return site, member, site_admin, root, community, engagement, plan


def site_administrator(site):
    """The site's administrator: staff (so the admin opens) but not a superuser, cleared at
    the site, in the Administrator role; added if missing (no usable password)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from stakeholders.models import SiteMembership

    user, _created = get_user_model().objects.get_or_create(
        username=f"scale-{site.name.rsplit(' ', 1)[1]}-admin",
        defaults={"is_staff": True, "password": "!"},
    )
    user.groups.add(Group.objects.get(name="Administrator"))
    SiteMembership.objects.get_or_create(user=user, site=site, defaults={"cleared": True})
    return user


def pages(site, community, engagement, plan):
    s = site.pk
    today = site.today()
    year = today.replace(month=1, day=1).isoformat()
    return [
        ("dashboard", f"/?site={s}"),
        ("engagement list, first page", f"/engagements/?site={s}"),
        ("engagement list, page 200", f"/engagements/?site={s}&page=200"),
        (
            "engagement list, filtered",
            f"/engagements/?site={s}&format=community_meeting&date_from={year}",
        ),
        ("engagement list, search", f"/engagements/?site={s}&q=water"),
        ("engagement detail", f"/engagements/{engagement.pk}/"),
        ("log an engagement (form)", f"/engagements/log/{s}/"),
        ("edit an engagement (form)", f"/engagements/{engagement.pk}/edit/"),
        ("stakeholder page of a community", f"/stakeholders/{community.pk}/"),
        ("perceptions", f"/engagements/perceptions/?site={s}"),
        ("SEP page", f"/plans/{plan.pk}/" if plan else "/plans/"),
        ("commitments register", f"/engagements/commitments/?site={s}"),
        ("concerns register", f"/engagements/concerns/?site={s}"),
        ("site report", f"/reports/?site={s}&date_from={year}&date_to={today.isoformat()}"),
        ("registry list", f"/stakeholders/?site={s}"),
        ("registry, search", f"/stakeholders/?site={s}&q=village"),
        ("registry, category", f"/stakeholders/?site={s}&category=1"),
        ("registry, at risk", f"/stakeholders/?site={s}&at_risk=yes"),
        ("admin: stakeholders", "/admin/stakeholders/stakeholder/"),
        ("admin: engagements", "/admin/engagement/engagement/"),
        ("admin: a stakeholder", f"/admin/stakeholders/stakeholder/{community.pk}/change/"),
        ("admin: an engagement", f"/admin/engagement/engagement/{engagement.pk}/change/"),
        ("admin: commitments", "/admin/engagement/commitment/"),
        ("admin: concerns", "/admin/engagement/concern/"),
    ]


def exports(bench, who, client, site):
    """The time and peak memory (Python allocations, and the process's peak resident size
    above where it stood) of full exports."""
    from stakeholders.resources import HEADERS

    jobs = [
        (
            "CSV, the site's engagements",
            "get",
            f"/engagements/export/engagements.csv?site={site.pk}",
        ),
        (
            "XLSX, the site's engagements",
            "get",
            f"/engagements/export/engagements.xlsx?site={site.pk}",
        ),
        ("admin CSV, all stakeholders", "post", "/admin/stakeholders/stakeholder/export/"),
    ]
    selected = {f"stakeholderresource_{name}": "on" for name in HEADERS}
    for label, method, url in jobs:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, {"format": "0", "resource": "0", **selected})
        size = 0
        if getattr(response, "streaming", False):
            for chunk in response.streaming_content:
                size += len(chunk)
        else:
            size = len(response.content)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        bench.out.write(
            f"{who:<10} {label:<44} {seconds:8.1f} s  {response.status_code}  "
            f"{size / 1e6:7.1f} MB file, Python peak {peak / 1e6:6.1f} MB, "
            f"peak RSS +{(rss_after - rss_before) / 1024:6.1f} MB\n"
        )


def run(*, repeats=30, out=sys.stdout, with_exports=True):
    """Measure everything, printing to `out`; returns [(who, page, figures), ...]. The
    floors' URLs are mounted for the run only."""
    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(
        ROOT_URLCONF="benchmarks.floors", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ):
        return _run(repeats=repeats, out=out, with_exports=with_exports)


def _run(*, repeats, out, with_exports):
    from django.db import connection

    bench = Bench(repeats=repeats, out=out)
    site, member, site_admin, root, community, engagement, plan = targets()
    out.write(
        f"{connection.vendor}, {site.name}, {repeats} requests per page after a warm-up "
        f"(milliseconds; ratios of the 95th percentile to the bare and layout floors)\n"
    )
    for who, user in (("member", member), ("site admin", site_admin), ("superuser", root)):
        client = bench.client_class()
        client.force_login(user)
        bare = bench.measure(client, f"/__floor/bare/?site={site.pk}")
        layout = bench.measure(client, f"/__floor/layout/?site={site.pk}")
        out.write(
            f"{'who':<10} {'page':<44} {'median':>8} {'p95':>8} {'SQL':>4}  HTTP   bare  layout\n"
        )
        out.write(
            f"{who:<10} {'bare floor':<44} {bare['median']:8.1f} {bare['p95']:8.1f} "
            f"{bare['queries']:4d}  {bare['status']}\n"
            f"{who:<10} {'layout floor':<44} {layout['median']:8.1f} {layout['p95']:8.1f} "
            f"{layout['queries']:4d}  {layout['status']}\n"
        )
        floors = (max(bare["p95"], 0.001), max(layout["p95"], 0.001))
        for label, url in pages(site, community, engagement, plan):
            # The site administrator is measured where they differ from the member: in
            # the admin, whose changelists scope every row to their sites.
            if who != "site admin" or label.startswith("admin"):
                bench.page(who, client, label, url, floors)
        if with_exports and who != "site admin":
            exports(bench, who, client, site)
    return bench.results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-exports", action="store_true")
    options = parser.parse_args()
    setup()
    run(repeats=options.repeats, with_exports=not options.no_exports)


if __name__ == "__main__":
    main()
