import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission

from stakeholders.models import EngagementObjective, Function, StakeholderCategory

reference_data = importlib.import_module("stakeholders.migrations.0002_reference_data")
roles = importlib.import_module("stakeholders.migrations.0003_roles")

pytestmark = pytest.mark.django_db

EXPECTED_CATEGORIES = {
    "Local communities": 4,
    "Public security providers": 5,
    "Host-country government (including national human rights commissions)": 2,
    "Civil society: NGOs and human rights defenders": 2,
    "Industry peers": 3,
    "Home-country embassy": 3,
}


def test_the_six_categories_of_table_4e2_with_their_objectives_in_order():
    categories = StakeholderCategory.objects.prefetch_related("objectives")
    assert {c.name: c.objectives.count() for c in categories} == EXPECTED_CATEGORIES
    assert [c.name for c in categories] == list(EXPECTED_CATEGORIES)
    for category in categories:
        assert "Table 4E.2" in category.source
        assert category.default_lead_function is not None
        assert category.description
        orders = [objective.order for objective in category.objectives.all()]
        assert orders == sorted(orders) == list(range(1, len(orders) + 1))


def test_objectives_keep_the_guidance_wording_with_the_excerpts_defects_corrected():
    texts = set(EngagementObjective.objects.values_list("text", flat=True))
    assert "Exploring issues of capacity, expertise and application of standards" in texts
    assert (
        "Establishing regular lines of communication and sharing analysis as appropriate "
        "(i.e. without putting individuals or groups at risk)" in texts
    )
    ngos = StakeholderCategory.objects.get(code="ngos-human-rights-defenders")
    assert ngos.description.startswith("Local and international NGOs are invaluable sources")
    assert not StakeholderCategory.objects.filter(name__icontains="provides").exists()
    government = StakeholderCategory.objects.get(code="host-country-government")
    assert [o.text for o in government.objectives.all()] == [
        "Consulting Human Rights Commissions or equivalent bodies",
        "Discussing the need for proper investigation of allegations of abuse",
    ]
    vetting = EngagementObjective.objects.get(text__icontains="vetting private security")
    assert "identify and vet private security companies" in vetting.guidance


def test_the_local_community_objectives_are_the_four_perception_indicators():
    indicators = EngagementObjective.objects.exclude(indicator="")
    assert {o.category.code for o in indicators} == {"local-communities"}
    assert sorted(indicators.values_list("indicator", flat=True)) == sorted(
        EngagementObjective.Indicator.values
    )


def test_functions_and_default_lead_functions():
    assert list(Function.objects.values_list("name", flat=True)) == [
        "Security",
        "Community relations / social performance",
        "Legal",
        "Government affairs",
        "Human resources",
        "Operations",
        "Management",
    ]
    lead = {
        c.code: c.default_lead_function.code
        for c in StakeholderCategory.objects.select_related("default_lead_function")
    }
    assert lead["public-security-providers"] == "security"
    assert lead["local-communities"] == "community-relations"
    assert lead["home-country-embassy"] == "government-affairs"


def test_roles_are_groups_with_model_permissions():
    def codenames(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    reviewer = codenames("Reviewer")
    assert reviewer and all(code.startswith("view_") for code in reviewer)
    assert "view_stakeholder" in reviewer
    assert {"add_stakeholder", "change_stakeholder"} <= codenames("Security manager")
    assert {"add_stakeholder", "change_stakeholder"} <= codenames("Community liaison officer")
    assert "delete_stakeholder" not in codenames("Security manager")
    admin = codenames("Administrator")
    assert {"change_engagementobjective", "add_sitemembership", "change_user"} <= admin
    assert "add_site" not in admin  # new sites are a superuser's decision


def test_running_the_data_migrations_again_duplicates_and_overwrites_nothing():
    category = StakeholderCategory.objects.get(code="industry-peers")
    category.description = "Edited by an administrator."
    category.save()
    category.objectives.filter(order=3).delete()
    reviewer = Group.objects.get(name="Reviewer")
    reviewer.permissions.remove(Permission.objects.get(codename="view_contact"))
    counts = (
        StakeholderCategory.objects.count(),
        EngagementObjective.objects.count(),
        Function.objects.count(),
        Group.objects.count(),
    )

    reference_data.load_reference_data(global_apps, None)
    roles.create_roles(global_apps, None)

    assert counts == (
        StakeholderCategory.objects.count(),
        EngagementObjective.objects.count(),
        Function.objects.count(),
        Group.objects.count(),
    )
    category.refresh_from_db()
    assert category.description == "Edited by an administrator."
    assert category.objectives.count() == 2
    assert not reviewer.permissions.filter(codename="view_contact").exists()
