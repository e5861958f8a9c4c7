import pytest
from django.urls import reverse

from tests.factories import ContactFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(site):
    council = StakeholderFactory(
        name="Mwanzo village council", location="4 km north of the pit", sites=[site]
    )
    ContactFactory(stakeholder=council, name="Halima Mwakyusa", role="Village chairperson")
    return council


def test_shows_the_entry_its_contacts_and_its_categorys_objectives(client, member, council):
    client.force_login(member)
    response = client.get(council.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mwanzo village council" in content
    assert "Halima Mwakyusa" in content
    assert "Village chairperson" in content
    assert "4 km north of the pit" in content
    assert "Confidence in the public security / judicial system" in content
    assert "Table 4E.2" in content


def test_anonymous_is_sent_to_login(client, council):
    response = client.get(council.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_sites_stakeholder_is_not_found(client, outsider, council):
    client.force_login(outsider)
    response = client.get(council.get_absolute_url())
    assert response.status_code == 404
    assert "nothing you have access to" in response.content.decode()
    assert "Mwanzo" not in response.content.decode()


def test_an_unknown_id_is_not_found(client, member):
    client.force_login(member)
    assert client.get(reverse("stakeholders:detail", args=[999999])).status_code == 404


def test_an_uncleared_member_sees_no_identity_of_an_at_risk_stakeholder(client, member, defender):
    client.force_login(member)
    response = client.get(defender.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for secret in ["Baraka", "Mwanzo village", "Meets off site", "700 100 291"]:
        assert secret not in content
    assert f"Protected stakeholder S-{defender.pk:04d}" in content
    assert "shown only to users cleared at their site" in content


def test_a_cleared_member_sees_the_at_risk_stakeholder_in_full(client, cleared_member, defender):
    client.force_login(cleared_member)
    content = client.get(defender.get_absolute_url()).content.decode()
    for detail in ["Baraka Mwaipopo", "Mwanzo village", "Meets off site", "+255 700 100 291"]:
        assert detail in content


def test_only_the_users_own_sites_are_listed(client, member, council, other_site):
    council.sites.add(other_site)
    client.force_login(member)
    content = client.get(council.get_absolute_url()).content.decode()
    assert "Kisima Ridge Gold Mine" in content
    assert "Far Valley Copper" not in content
