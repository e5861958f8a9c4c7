from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from stakeholders.models import Site, SiteMembership, Stakeholder, StakeholderCategory

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_creates_a_demo_site_with_every_category_and_a_user_per_role(settings):
    settings.DEBUG = True
    output = seed()

    site = Site.objects.get()
    covered = set(Stakeholder.objects.filter(sites=site).values_list("category", flat=True))
    assert covered == set(StakeholderCategory.objects.values_list("pk", flat=True))
    assert Stakeholder.objects.filter(at_risk=True).exists()
    assert Stakeholder.objects.filter(contacts__isnull=False).exists()
    users = get_user_model().objects.all()
    assert {group.name for user in users for group in user.groups.all()} == {
        "Administrator",
        "Security manager",
        "Community liaison officer",
        "Reviewer",
    }
    assert SiteMembership.objects.filter(site=site).count() == 4
    assert "reviewer" in output and "vpsa-demo" in output
    assert get_user_model().objects.get(username="security").check_password("vpsa-demo")


def test_running_it_again_adds_nothing_and_keeps_changed_passwords(settings):
    settings.DEBUG = True
    seed()
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed-by-the-admin")
    user.save()
    counts = (Site.objects.count(), Stakeholder.objects.count(), SiteMembership.objects.count())

    output = seed()

    assert counts == (
        Site.objects.count(),
        Stakeholder.objects.count(),
        SiteMembership.objects.count(),
    )
    user.refresh_from_db()
    assert user.check_password("changed-by-the-admin")
    assert "(unchanged)" in output


def test_if_empty_leaves_a_database_with_sites_alone(settings, site):
    settings.DEBUG = True
    output = seed("--if-empty")
    assert "no demo data added" in output
    assert Stakeholder.objects.count() == 0


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        seed()
    assert not Site.objects.exists()


def test_dry_run_writes_nothing(settings):
    settings.DEBUG = True
    output = seed("--dry-run")
    assert "would be added" in output
    assert "14 stakeholder(s)" in output
    assert not Site.objects.exists()
    assert not get_user_model().objects.exists()
    # Nor a file: the attachments' rows are rolled back, and their files never stored.
    folder = Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])
    assert not folder.exists() or not any(path.is_file() for path in folder.rglob("*"))


def test_the_demo_year_has_history_assessments_and_vulnerable_groups(settings):
    settings.DEBUG = True
    seed()
    setup = get_user_model().objects.get(username="demo-setup")
    assert setup.is_superuser and not setup.has_usable_password()
    assert Site.objects.get().history.get().history_user == setup

    rehema = Stakeholder.objects.get(name="Rehema Nzowa")
    assert rehema.at_risk
    marked = rehema.history.latest()
    assert marked.history_user.username == "clo"
    assert marked.prev_record.at_risk is False

    miners = Stakeholder.objects.get(name__startswith="Ntatu")
    assert miners.assessments.count() == 3
    latest = miners.assessments.first()
    assert (miners.influence, miners.interest) == (latest.influence, latest.interest)
    assert {group.code for group in miners.vulnerable_groups.all()} == {"youth", "other"}
    assert miners.vulnerable_group_note
