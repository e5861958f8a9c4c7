import pytest
from django.core.exceptions import ValidationError

from stakeholders.models import Stakeholder
from stakeholders.services import stakeholder_create
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_creates_a_stakeholder_with_its_sites_contacts_and_default_lead_function(site):
    category = CategoryFactory(code="public-security-providers")
    police = stakeholder_create(
        sites=[site],
        name="Ilembo police post",
        kind=Stakeholder.Kind.ORGANISATION,
        category=category,
        contacts=[{"name": "Hassan Kombo", "role": "Officer in charge"}],
    )
    assert list(police.sites.all()) == [site]
    assert police.lead_function == category.default_lead_function
    assert police.contacts.get().role == "Officer in charge"


def test_refuses_no_site_and_bad_ratings_and_writes_nothing(site):
    category = CategoryFactory()
    with pytest.raises(ValueError, match="at least one site"):
        stakeholder_create(sites=[], name="Nowhere", kind="group", category=category)
    with pytest.raises(ValidationError, match="influence"):
        stakeholder_create(sites=[site], name="Loud", kind="group", category=category, influence=9)
    assert not Stakeholder.objects.exists()


def test_a_bad_contact_rolls_the_whole_stakeholder_back(site):
    with pytest.raises(ValidationError, match="email"):
        stakeholder_create(
            sites=[site],
            name="Council",
            kind="group",
            category=CategoryFactory(),
            contacts=[{"name": "Halima", "email": "not-an-address"}],
        )
    assert not Stakeholder.objects.exists()
