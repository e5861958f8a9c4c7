"""The history on a stakeholder's page: who changed what, from what to what, and what an
uncleared member or a member of one site only may read of it."""

import re

import pytest
from django.urls import reverse

from stakeholders import services
from stakeholders.models import Stakeholder, VulnerableGroup
from tests.conftest import member_of
from tests.factories import CategoryFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(member, site):
    return services.stakeholder_create(
        actor=member,
        sites=[site],
        data={
            "name": "Mwanzo village council",
            "kind": Stakeholder.Kind.GROUP,
            "category": CategoryFactory(),
            "location": "4 km north of the pit",
        },
    )


def history_of(client, user, stakeholder):
    client.force_login(user)
    response = client.get(stakeholder.get_absolute_url())
    assert response.status_code == 200
    return response.context["history"], response.content.decode()


def changes(entry):
    return {str(change.label): (str(change.old), str(change.new)) for change in entry.changes}


def history_html(content):
    """The history section of the page, tags removed and spaces collapsed."""
    section = content[content.index('id="history-heading"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


class TestEntries:
    def test_creation_names_the_user_and_the_first_values(self, client, member, council):
        entries, content = history_of(client, member, council)
        [created] = entries
        assert created.action_code == "+"
        assert created.who == member.get_full_name()
        shown = changes(created)
        assert shown["Name"] == ("—", "Mwanzo village council")
        assert shown["Location"] == ("—", "4 km north of the pit")
        assert shown["Sites"] == ("—", "Kisima Ridge Gold Mine")
        assert member.get_full_name() in content

    def test_a_change_shows_who_and_old_to_new(self, client, member, cleared_member, council):
        services.stakeholder_update(
            actor=cleared_member,
            stakeholder=council,
            data={"name": "Mwanzo council", "location": "5 km north"},
        )
        entries, content = history_of(client, member, council)
        changed = entries[0]
        assert changed.action_code == "~"
        assert changed.who == cleared_member.get_full_name()
        assert changes(changed) == {
            "Name": ("Mwanzo village council", "Mwanzo council"),
            "Location": ("4 km north of the pit", "5 km north"),
        }
        text = history_html(content)
        assert "Name : Mwanzo village council → Mwanzo council" in text
        assert cleared_member.get_full_name() in text

    def test_an_edit_through_the_page_is_recorded_with_its_user(
        self, client, member, council, site
    ):
        client.force_login(member)
        client.post(
            reverse("stakeholders:edit", args=[council.pk]),
            {
                "name": "Mwanzo council",
                "kind": council.kind,
                "category": council.category_id,
                "sites": [site.pk],
                "location": council.location,
                "active": "on",
            },
        )
        entries, _ = history_of(client, member, council)
        assert entries[0].who == member.get_full_name()
        assert changes(entries[0]) == {"Name": ("Mwanzo village council", "Mwanzo council")}

    def test_a_change_of_vulnerable_groups_is_listed(self, client, member, council):
        youth = VulnerableGroup.objects.get(code="youth")
        women = VulnerableGroup.objects.get(code="women")
        services.stakeholder_update(
            actor=member, stakeholder=council, data={}, vulnerable_groups=[women, youth]
        )
        services.stakeholder_update(
            actor=member, stakeholder=council, data={}, vulnerable_groups=[youth]
        )
        entries, _ = history_of(client, member, council)
        assert changes(entries[0]) == {"Vulnerable groups": ("Women, Youth", "Youth")}
        assert changes(entries[1]) == {"Vulnerable groups": ("—", "Women, Youth")}

    def test_a_re_assessment_shows_the_ratings_and_the_reason(self, client, member, council):
        services.assessment_create(
            actor=member, stakeholder=council, influence=5, interest=2, reason="Elected chair"
        )
        entries, content = history_of(client, member, council)
        assert entries[0].reason == "Elected chair"
        assert changes(entries[0]) == {"Influence": ("3", "5"), "Interest": ("3", "2")}
        assert "Elected chair" in content

    def test_contact_changes_are_listed_with_the_contact(self, client, member, council):
        contact = services.contact_create(
            actor=member, stakeholder=council, data={"name": "Halima Mwakyusa", "phone": "1"}
        )
        services.contact_update(actor=member, contact=contact, data={"phone": "2"})
        services.contact_delete(actor=member, contact=contact)

        entries, content = history_of(client, member, council)

        contact_entries = [entry for entry in entries if entry.subject]
        assert [entry.action_code for entry in contact_entries] == ["-", "~", "+"]
        assert all(entry.subject == "contact Halima Mwakyusa" for entry in contact_entries)
        assert all(entry.who == member.get_full_name() for entry in contact_entries)
        assert changes(contact_entries[1]) == {"Phone": ("1", "2")}
        text = history_html(content)
        assert "Changed · contact Halima Mwakyusa" in text
        assert "Deleted · contact Halima Mwakyusa" in text

    def test_a_reviewer_reads_the_history_too(self, client, reviewer, council):
        entries, _ = history_of(client, reviewer, council)
        assert len(entries) == 1


MARKERS = [
    "Marker-Old-Name-XYZ",
    "Marker-New-Name-XYZ",
    "Marker-Old-Location",
    "Marker-New-Location",
    "Marker-Old-Notes",
    "Marker-New-Notes",
    "Marker-Contact-Name",
    "Marker-Contact-Renamed",
    "Marker-Contact-Role",
    "555 0101",
    "555 0202",
]


class TestAtRisk:
    @pytest.fixture
    def informant(self, member, cleared_member, site):
        """Recorded not at risk, renamed, given a contact; then marked at risk."""
        informant = services.stakeholder_create(
            actor=member,
            sites=[site],
            data={
                "name": "Marker-Old-Name-XYZ",
                "kind": Stakeholder.Kind.PERSON,
                "category": CategoryFactory(),
                "location": "Marker-Old-Location",
                "notes": "Marker-Old-Notes",
            },
        )
        services.stakeholder_update(
            actor=member,
            stakeholder=informant,
            data={
                "name": "Marker-New-Name-XYZ",
                "location": "Marker-New-Location",
                "notes": "Marker-New-Notes",
            },
        )
        contact = services.contact_create(
            actor=member,
            stakeholder=informant,
            data={
                "name": "Marker-Contact-Name",
                "role": "Marker-Contact-Role",
                "phone": "555 0101",
            },
        )
        services.contact_update(
            actor=member,
            contact=contact,
            data={"name": "Marker-Contact-Renamed", "phone": "555 0202"},
        )
        services.stakeholder_update(actor=member, stakeholder=informant, data={"at_risk": True})
        return informant

    def test_an_uncleared_member_never_reads_a_name_it_had_before(self, client, member, informant):
        entries, content = history_of(client, member, informant)
        for marker in MARKERS:
            assert marker not in content, marker
        assert f"Protected stakeholder S-{informant.pk:04d}" in content
        # The entries are still there, with who and what, the values protected.
        assert [entry.action_code for entry in entries] == ["~", "~", "+", "~", "+"]
        assert all(entry.who == member.get_full_name() for entry in entries)
        renamed = entries[3]
        assert changes(renamed) == {
            "Name": ("Protected", "Protected"),
            "Location": ("Protected", "Protected"),
            "Notes": ("Protected", "Protected"),
        }
        assert changes(entries[0]) == {"At risk": ("no", "yes")}
        assert {str(entry.subject) for entry in entries[1:3]} == {"contact Protected"}
        assert "Changed · contact Protected" in history_html(content)

    def test_a_cleared_member_reads_every_value(self, client, cleared_member, informant):
        _, content = history_of(client, cleared_member, informant)
        for marker in MARKERS:
            assert marker in content, marker

    def test_a_deleted_contact_of_an_at_risk_stakeholder_stays_protected(
        self, client, member, cleared_member, informant
    ):
        services.contact_delete(actor=cleared_member, contact=informant.contacts.get())
        _, content = history_of(client, member, informant)
        for marker in MARKERS:
            assert marker not in content, marker
        assert "Deleted · contact Protected" in history_html(content)

    def test_the_at_risk_defender_fixture_too(self, client, member, cleared_member, defender):
        services.stakeholder_update(
            actor=cleared_member, stakeholder=defender, data={"location": "Safe house"}
        )
        _, content = history_of(client, member, defender)
        assert "Safe house" not in content
        assert "Mwanzo village" not in content
        assert "Baraka" not in content


class TestSites:
    def test_another_sites_name_never_appears_in_a_sites_change(
        self, client, member, superuser, council, site, other_site
    ):
        services.stakeholder_update(
            actor=superuser, stakeholder=council, data={}, sites=[site, other_site]
        )
        entries, content = history_of(client, member, council)
        # Sharing it with a site the member cannot see changes nothing they may read: not
        # even that it is shared, nor with how many sites.
        assert all("Sites" not in changes(entry) for entry in entries[:-1])
        assert "Far Valley Copper" not in content
        assert "Zambia" not in content
        assert "(not shown)" not in content

    def test_a_member_of_both_sites_sees_both(
        self, client, member, superuser, council, site, other_site
    ):
        member.site_memberships.create(site=other_site)
        services.stakeholder_update(
            actor=superuser, stakeholder=council, data={}, sites=[site, other_site]
        )
        entries, _ = history_of(client, member, council)
        assert set(changes(entries[0])["Sites"][1].split(", ")) == {
            "Far Valley Copper",
            "Kisima Ridge Gold Mine",
        }

    def test_the_other_sites_member_sees_this_site_as_not_shown(
        self, client, outsider, superuser, council, site, other_site
    ):
        services.stakeholder_update(
            actor=superuser, stakeholder=council, data={}, sites=[site, other_site]
        )
        entries, content = history_of(client, outsider, council)
        assert "Kisima Ridge Gold Mine" not in content
        assert "Sites" not in changes(entries[-1])
        assert changes(entries[0])["Sites"] == ("—", "Far Valley Copper")


def test_reasons_given_for_an_at_risk_stakeholder_are_protected_for_the_uncleared(
    client, member, cleared_member, defender
):
    services.assessment_create(
        actor=cleared_member,
        stakeholder=defender,
        influence=5,
        interest=5,
        reason="REASON-MARKER: spoke at the Mwanzo rally",
    )
    services.stakeholder_update(
        actor=cleared_member,
        stakeholder=defender,
        data={"location": "Elsewhere"},
        reason="HISTORY-MARKER: moved after threats",
    )
    client.force_login(member)
    content = client.get(defender.get_absolute_url()).content.decode()
    assert "REASON-MARKER" not in content
    assert "HISTORY-MARKER" not in content
    client.force_login(cleared_member)
    content = client.get(defender.get_absolute_url()).content.decode()
    assert "REASON-MARKER" in content
    assert "HISTORY-MARKER" in content


def test_another_sites_staff_are_not_named_in_contact_history(
    client, member, superuser, site, other_site
):
    shared = StakeholderFactory(sites=[site, other_site])
    far_clo = member_of(other_site, username="farclo", first_name="Farida", last_name="Far")
    services.contact_create(actor=far_clo, stakeholder=shared, data={"name": "Esther"})
    client.force_login(member)
    content = client.get(shared.get_absolute_url()).content.decode()
    assert "Esther" in content
    assert "Farida" not in content
    assert "farclo" not in content


def test_the_other_group_note_of_an_at_risk_stakeholder_is_protected(
    client, member, cleared_member, defender
):
    other = VulnerableGroup.objects.get(code="other")
    services.stakeholder_update(
        actor=cleared_member,
        stakeholder=defender,
        data={"vulnerable_group_note": "NOTE-MARKER widow of the late chief"},
        vulnerable_groups=[other],
    )
    client.force_login(member)
    content = client.get(defender.get_absolute_url()).content.decode()
    assert "NOTE-MARKER" not in content
    assert "Other: " in content
