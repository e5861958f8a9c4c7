"""The page benchmark, run on a tiny dataset as a smoke test: every page it measures
answers, and it prints a line for each. No timing is asserted."""

from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks import pages
from stakeholders.models import ExportLog

pytestmark = pytest.mark.django_db


def test_the_benchmark_measures_every_page_on_a_tiny_dataset(settings):
    settings.DEBUG = True
    call_command("seed_scale", sites=2, stakeholders=40, engagements=200, stdout=StringIO())
    out = StringIO()
    results = pages.run(repeats=1, out=out)
    printed = out.getvalue()
    measured = {(who, label): figures for who, label, figures in results}
    for who in ("member", "superuser"):
        for label in ("dashboard", "engagement list, page 200", "site report", "SEP page"):
            assert measured[(who, label)]["status"] == 200, (who, label)
        assert measured[(who, "admin: engagements")]["status"] == (302 if who == "member" else 200)
    # The site administrator (staff, not a superuser) is measured in the admin only,
    # where every changelist and change page opens for them.
    admin_pages = [label for who, label in measured if who == "site admin"]
    assert admin_pages and all(label.startswith("admin") for label in admin_pages)
    for label in admin_pages:
        assert measured[("site admin", label)]["status"] == 200, label
    assert "bare floor" in printed and "layout floor" in printed
    assert "CSV, the site's engagements" in printed and "XLSX" in printed
    assert ExportLog.objects.filter(kind="engagements").count() == 4
