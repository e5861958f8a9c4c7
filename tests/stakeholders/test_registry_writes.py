"""The registry's write pages: add, edit, re-assess, and a stakeholder's contacts.

Each view: it works (302 to the stakeholder, the row saved, a history record naming the
user); anonymous is sent to login; another site's member gets 404; a read-only reviewer
gets 403 and nothing changes; an uncleared member gets 403 on an at-risk stakeholder; an
invalid form re-renders with its error and writes nothing; a missing id is 404.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from stakeholders.models import Assessment, Contact, Stakeholder, VulnerableGroup
from tests.factories import CategoryFactory, ContactFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

MISSING = 999999


@pytest.fixture
def council(site):
    council = StakeholderFactory(
        name="Mwanzo village council",
        kind=Stakeholder.Kind.GROUP,
        location="4 km north of the pit",
        influence=3,
        interest=3,
        sites=[site],
    )
    ContactFactory(stakeholder=council, name="Halima Mwakyusa", role="Village chairperson")
    return council


def edit_data(stakeholder, **changes):
    """The edit form as a browser would post it for `stakeholder`, with `changes`; a false
    checkbox is left out, as a browser does. Sites default to all of the stakeholder's:
    pass `sites=` for one shared with a site the user is not part of."""
    data = {
        "name": stakeholder.name,
        "kind": stakeholder.kind,
        "category": stakeholder.category_id,
        "sites": [site.pk for site in stakeholder.sites.all()],
        "lead_function": stakeholder.lead_function_id or "",
        "location": stakeholder.location,
        "vulnerable_groups": [group.pk for group in stakeholder.vulnerable_groups.all()],
        "vulnerable_group_note": stakeholder.vulnerable_group_note,
        "at_risk": stakeholder.at_risk,
        "active": stakeholder.active,
        "notes": stakeholder.notes,
        **changes,
    }
    for flag in ("at_risk", "active"):
        if data[flag]:
            data[flag] = "on"
        else:
            del data[flag]
    return data


def add_data(site, **changes):
    return {
        "name": "Ilembo police post",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": CategoryFactory(code="public-security-providers").pk,
        "sites": [site.pk],
        "lead_function": "",
        "location": "Ilembo",
        "influence": 4,
        "interest": 2,
        "vulnerable_groups": [],
        "vulnerable_group_note": "",
        "active": "on",
        "notes": "",
        **changes,
    }


def state(stakeholder):
    """What a refused or invalid write must leave as it was."""
    stakeholder = Stakeholder.objects.get(pk=stakeholder.pk)
    return {
        "row": {
            field: getattr(stakeholder, field)
            for field in (
                "name",
                "kind",
                "category_id",
                "location",
                "influence",
                "interest",
                "vulnerable_group_note",
                "at_risk",
                "active",
                "notes",
            )
        },
        "sites": sorted(stakeholder.sites.values_list("pk", flat=True)),
        "groups": sorted(stakeholder.vulnerable_groups.values_list("pk", flat=True)),
        "contacts": sorted(stakeholder.contacts.values_list("pk", "name", "phone")),
        "assessments": stakeholder.assessments.count(),
        "history": stakeholder.history.count(),
        "contact_history": Contact.history.filter(stakeholder_id=stakeholder.pk).count(),
    }


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def assert_redirects_to(response, stakeholder):
    assert response.status_code == 302
    assert response["Location"] == stakeholder.get_absolute_url()


class TestAdd:
    url = reverse("stakeholders:add")

    def test_it_works(self, client, member, site):
        client.force_login(member)
        women = VulnerableGroup.objects.get(code="women")

        response = client.post(self.url, add_data(site, vulnerable_groups=[women.pk]))

        police = Stakeholder.objects.get(name="Ilembo police post")
        assert_redirects_to(response, police)
        assert list(police.sites.all()) == [site]
        assert list(police.vulnerable_groups.all()) == [women]
        assert (police.influence, police.interest) == (4, 2)
        assert police.lead_function is not None  # the category's default
        assert police.assessments.get().author == member
        record = police.history.get()
        assert record.history_type == "+"
        assert record.history_user == member
        page = client.get(response["Location"]).content.decode()
        assert "Stakeholder added to the registry." in page

    def test_the_form_offers_the_users_own_sites_only(self, client, member, site, other_site):
        client.force_login(member)
        response = client.get(self.url)
        assert response.status_code == 200
        assert list(response.context["form"].fields["sites"].queryset) == [site]
        assert "Far Valley Copper" not in response.content.decode()

    def test_anonymous_is_sent_to_login(self, client, site):
        assert_login_redirect(client.get(self.url))
        assert_login_redirect(client.post(self.url, add_data(site)))
        assert not Stakeholder.objects.exists()

    def test_a_reviewer_gets_403_and_nothing_is_added(self, client, reviewer, site):
        client.force_login(reviewer)
        assert client.get(self.url).status_code == 403
        assert client.post(self.url, add_data(site)).status_code == 403
        assert not Stakeholder.objects.exists()

    def test_another_sites_id_is_not_a_valid_choice(self, client, outsider, site):
        client.force_login(outsider)
        response = client.post(self.url, add_data(site))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Stakeholder.objects.exists()

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"influence": 9}, "less than or equal to 5"),
            ({"interest": 0}, "greater than or equal to 1"),
            ({"name": ""}, "This field is required"),
            ({"name": "Protected stakeholder S-0001"}, "is how a protected stakeholder is shown"),
            ({"name": "protected stakeholder s-42"}, "is how a protected stakeholder is shown"),
            ({"sites": []}, "This field is required"),
            ({"kind": "alien"}, "Select a valid choice"),
            ({"vulnerable_group_note": "Artisanal miners"}, "Mark “Other” as well"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_written(
        self, client, member, site, changes, error
    ):
        client.force_login(member)
        response = client.post(self.url, add_data(site, **changes))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert not Stakeholder.objects.exists()
        assert not Stakeholder.history.exists()
        assert not Assessment.objects.exists()

    def test_other_vulnerable_group_needs_a_note(self, client, member, site):
        client.force_login(member)
        other = VulnerableGroup.objects.get(code=VulnerableGroup.OTHER)
        response = client.post(self.url, add_data(site, vulnerable_groups=[other.pk]))
        assert response.status_code == 200
        assert "Say which group, since “Other” is marked." in response.content.decode()
        assert not Stakeholder.objects.exists()

        response = client.post(
            self.url,
            add_data(site, vulnerable_groups=[other.pk], vulnerable_group_note="Artisanal miners"),
        )
        assert response.status_code == 302
        assert Stakeholder.objects.get().vulnerable_group_note == "Artisanal miners"


class TestEdit:
    def url(self, stakeholder):
        return reverse("stakeholders:edit", args=[stakeholder.pk])

    def test_it_works(self, client, member, council):
        client.force_login(member)
        youth = VulnerableGroup.objects.get(code="youth")
        response = client.get(self.url(council))
        assert response.status_code == 200
        assert "Mwanzo village council" in response.content.decode()
        assert "influence" not in response.context["form"].fields  # re-assessed on its own

        response = client.post(
            self.url(council),
            edit_data(
                council,
                name="Mwanzo village council (new)",
                location="5 km north",
                notes="Meets monthly",
                vulnerable_groups=[youth.pk],
            ),
        )

        assert_redirects_to(response, council)
        council.refresh_from_db()
        assert council.name == "Mwanzo village council (new)"
        assert council.location == "5 km north"
        assert council.notes == "Meets monthly"
        assert list(council.vulnerable_groups.all()) == [youth]
        assert (council.influence, council.interest) == (3, 3)
        record = council.history.first()
        assert record.history_type == "~"
        assert record.history_user == member

    def test_a_stakeholder_shared_with_another_site_keeps_it(
        self, client, member, council, site, other_site
    ):
        council.sites.add(other_site)
        client.force_login(member)
        response = client.get(self.url(council))
        assert "Far Valley Copper" not in response.content.decode()

        response = client.post(self.url(council), edit_data(council, sites=[site.pk]))

        assert response.status_code == 302
        assert set(council.sites.all()) == {site, other_site}

    def test_unticking_its_own_site_hands_a_shared_stakeholder_over(
        self, client, member, council, other_site
    ):
        """The other site keeps it; the user, who can no longer see it, is sent to the
        registry rather than to a page that is now "not found"."""
        council.sites.add(other_site)
        client.force_login(member)

        response = client.post(self.url(council), edit_data(council, sites=[]), follow=True)

        assert response.redirect_chain == [(reverse("stakeholders:list"), 302)]
        assert response.status_code == 200
        assert list(council.sites.all()) == [other_site]
        content = response.content.decode()
        assert "Changes saved." in content
        assert "It is no longer at any of your sites." in content
        assert "Mwanzo village council" not in content

    def test_another_sites_id_in_sites_is_not_a_valid_choice(
        self, client, member, council, other_site
    ):
        client.force_login(member)
        before = state(council)
        response = client.post(self.url(council), edit_data(council, sites=[other_site.pk]))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert state(council) == before

    def test_anonymous_is_sent_to_login(self, client, council):
        before = state(council)
        assert_login_redirect(client.get(self.url(council)))
        assert_login_redirect(client.post(self.url(council), edit_data(council, name="X")))
        assert state(council) == before

    def test_another_sites_member_gets_404(self, client, outsider, council):
        client.force_login(outsider)
        before = state(council)
        assert client.get(self.url(council)).status_code == 404
        assert client.post(self.url(council), edit_data(council, name="X")).status_code == 404
        assert state(council) == before

    def test_a_reviewer_gets_403_and_nothing_changes(self, client, reviewer, council):
        client.force_login(reviewer)
        before = state(council)
        assert client.get(self.url(council)).status_code == 403
        assert client.post(self.url(council), edit_data(council, name="X")).status_code == 403
        assert state(council) == before

    def test_an_uncleared_member_gets_403_on_an_at_risk_stakeholder(
        self, client, member, defender
    ):
        client.force_login(member)
        before = state(defender)
        response = client.get(self.url(defender))
        assert response.status_code == 403
        assert "Baraka" not in response.content.decode()
        response = client.post(self.url(defender), edit_data(defender, name="Renamed"))
        assert response.status_code == 403
        assert state(defender) == before

    def test_a_cleared_member_edits_an_at_risk_stakeholder(self, client, cleared_member, defender):
        client.force_login(cleared_member)
        response = client.post(self.url(defender), edit_data(defender, location="Safe house"))
        assert_redirects_to(response, defender)
        defender.refresh_from_db()
        assert defender.location == "Safe house"
        assert defender.history.first().history_user == cleared_member

    def test_an_uncleared_member_may_mark_at_risk_and_then_can_no_longer_edit(
        self, client, member, council
    ):
        client.force_login(member)
        response = client.post(self.url(council), edit_data(council, at_risk=True))
        assert_redirects_to(response, council)
        council.refresh_from_db()
        assert council.at_risk
        assert council.history.first().history_user == member

        page = client.get(council.get_absolute_url()).content.decode()
        assert "Mwanzo village council" not in page
        assert f"Protected stakeholder S-{council.pk:04d}" in page
        assert self.url(council) not in page
        before = state(council)
        assert client.get(self.url(council)).status_code == 403
        response = client.post(self.url(council), edit_data(council, at_risk=False))
        assert response.status_code == 403
        assert state(council) == before

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"name": "Protected stakeholder S-0001"}, "is how a protected stakeholder is shown"),
            ({"name": ""}, "This field is required"),
            ({"category": ""}, "This field is required"),
            ({"sites": []}, "A stakeholder belongs to at least one site."),
            ({"vulnerable_group_note": "Artisanal miners"}, "Mark “Other” as well"),
            ({"vulnerable_groups": [MISSING]}, "Select a valid choice"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_written(
        self, client, member, council, changes, error
    ):
        client.force_login(member)
        before = state(council)
        response = client.post(self.url(council), edit_data(council, **changes))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert state(council) == before

    def test_other_vulnerable_group_without_a_note_is_refused(self, client, member, council):
        client.force_login(member)
        other = VulnerableGroup.objects.get(code=VulnerableGroup.OTHER)
        before = state(council)
        response = client.post(self.url(council), edit_data(council, vulnerable_groups=[other.pk]))
        assert response.status_code == 200
        assert "Say which group, since “Other” is marked." in response.content.decode()
        assert state(council) == before

    def test_a_missing_id_is_404(self, client, member):
        client.force_login(member)
        url = reverse("stakeholders:edit", args=[MISSING])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "X"}).status_code == 404


class TestAssess:
    @pytest.fixture(autouse=True)
    def today(self):
        with time_machine.travel(
            datetime.datetime(2025, 6, 10, 12, tzinfo=datetime.UTC), tick=False
        ):
            yield

    def url(self, stakeholder):
        return reverse("stakeholders:assess", args=[stakeholder.pk])

    def data(self, **changes):
        return {
            "assessed_on": "2025-06-01",
            "influence": 5,
            "interest": 2,
            "reason": "Elected district chair",
            **changes,
        }

    def test_it_works(self, client, member, council):
        client.force_login(member)
        response = client.get(self.url(council))
        assert response.status_code == 200
        assert response.context["form"]["influence"].value() == 3

        response = client.post(self.url(council), self.data())

        assert_redirects_to(response, council)
        council.refresh_from_db()
        assert (council.influence, council.interest) == (5, 2)
        assessment = council.assessments.get()
        assert assessment.assessed_on == datetime.date(2025, 6, 1)
        assert assessment.reason == "Elected district chair"
        assert assessment.author == member
        record = council.history.first()
        assert record.history_user == member
        assert record.history_change_reason == "Elected district chair"
        assert (record.influence, record.interest) == (5, 2)

    def test_an_older_assessment_is_kept_but_does_not_move_the_ratings(
        self, client, member, council
    ):
        client.force_login(member)
        client.post(self.url(council), self.data())
        client.post(self.url(council), self.data(assessed_on="2024-01-01", influence=1))
        council.refresh_from_db()
        assert (council.influence, council.interest) == (5, 2)
        assert council.assessments.count() == 2

    def test_anonymous_is_sent_to_login(self, client, council):
        before = state(council)
        assert_login_redirect(client.get(self.url(council)))
        assert_login_redirect(client.post(self.url(council), self.data()))
        assert state(council) == before

    def test_another_sites_member_gets_404(self, client, outsider, council):
        client.force_login(outsider)
        before = state(council)
        assert client.get(self.url(council)).status_code == 404
        assert client.post(self.url(council), self.data()).status_code == 404
        assert state(council) == before

    def test_a_reviewer_gets_403_and_nothing_changes(self, client, reviewer, council):
        client.force_login(reviewer)
        before = state(council)
        assert client.get(self.url(council)).status_code == 403
        assert client.post(self.url(council), self.data()).status_code == 403
        assert state(council) == before

    def test_an_uncleared_member_gets_403_on_an_at_risk_stakeholder(
        self, client, member, defender
    ):
        client.force_login(member)
        before = state(defender)
        assert client.get(self.url(defender)).status_code == 403
        assert client.post(self.url(defender), self.data()).status_code == 403
        assert state(defender) == before

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"influence": 9}, "less than or equal to 5"),
            ({"interest": 0}, "greater than or equal to 1"),
            ({"influence": "high"}, "Enter a whole number"),
            ({"assessed_on": "2025-06-11"}, "An assessment cannot be dated in the future."),
            ({"assessed_on": "not a date"}, "Enter a valid date"),
            ({"assessed_on": ""}, "This field is required"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_written(
        self, client, member, council, changes, error
    ):
        client.force_login(member)
        before = state(council)
        response = client.post(self.url(council), self.data(**changes))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert state(council) == before

    def test_a_missing_id_is_404(self, client, member):
        client.force_login(member)
        url = reverse("stakeholders:assess", args=[MISSING])
        assert client.get(url).status_code == 404
        assert client.post(url, self.data()).status_code == 404


class TestContactAdd:
    def url(self, stakeholder):
        return reverse("stakeholders:contact_add", args=[stakeholder.pk])

    def data(self, **changes):
        return {
            "name": "Juma Salim",
            "role": "Secretary",
            "phone": "+255 700 000 111",
            "email": "juma@example.org",
            **changes,
        }

    def test_it_works(self, client, member, council):
        client.force_login(member)
        assert client.get(self.url(council)).status_code == 200

        response = client.post(self.url(council), self.data())

        assert_redirects_to(response, council)
        contact = council.contacts.get(name="Juma Salim")
        assert (contact.role, contact.phone) == ("Secretary", "+255 700 000 111")
        record = contact.history.get()
        assert record.history_type == "+"
        assert record.history_user == member

    def test_anonymous_is_sent_to_login(self, client, council):
        before = state(council)
        assert_login_redirect(client.get(self.url(council)))
        assert_login_redirect(client.post(self.url(council), self.data()))
        assert state(council) == before

    def test_another_sites_member_gets_404(self, client, outsider, council):
        client.force_login(outsider)
        before = state(council)
        assert client.get(self.url(council)).status_code == 404
        assert client.post(self.url(council), self.data()).status_code == 404
        assert state(council) == before

    def test_a_reviewer_gets_403_and_nothing_changes(self, client, reviewer, council):
        client.force_login(reviewer)
        before = state(council)
        assert client.get(self.url(council)).status_code == 403
        assert client.post(self.url(council), self.data()).status_code == 403
        assert state(council) == before

    def test_an_uncleared_member_gets_403_on_an_at_risk_stakeholder(
        self, client, member, defender
    ):
        client.force_login(member)
        before = state(defender)
        assert client.get(self.url(defender)).status_code == 403
        assert client.post(self.url(defender), self.data()).status_code == 403
        assert state(defender) == before

    def test_a_cleared_member_adds_a_contact_to_an_at_risk_stakeholder(
        self, client, cleared_member, defender
    ):
        client.force_login(cleared_member)
        response = client.post(self.url(defender), self.data())
        assert_redirects_to(response, defender)
        assert defender.contacts.count() == 2

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"name": "Halima Mwakyusa"}, "This stakeholder already has a contact of that name."),
            ({"name": ""}, "This field is required"),
            ({"email": "not-an-address"}, "Enter a valid email address"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_written(
        self, client, member, council, changes, error
    ):
        client.force_login(member)
        before = state(council)
        response = client.post(self.url(council), self.data(**changes))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert state(council) == before

    def test_a_missing_id_is_404(self, client, member):
        client.force_login(member)
        url = reverse("stakeholders:contact_add", args=[MISSING])
        assert client.get(url).status_code == 404
        assert client.post(url, self.data()).status_code == 404


class TestContactEdit:
    def url(self, stakeholder, contact):
        return reverse("stakeholders:contact_edit", args=[stakeholder.pk, contact.pk])

    def data(self, **changes):
        return {
            "name": "Halima Mwakyusa",
            "role": "Former chairperson",
            "phone": "+255 700 000 222",
            "email": "",
            **changes,
        }

    def test_it_works(self, client, member, council):
        contact = council.contacts.get()
        client.force_login(member)
        response = client.get(self.url(council, contact))
        assert response.status_code == 200
        assert "Village chairperson" in response.content.decode()

        response = client.post(self.url(council, contact), self.data())

        assert_redirects_to(response, council)
        contact.refresh_from_db()
        assert (contact.role, contact.phone) == ("Former chairperson", "+255 700 000 222")
        record = contact.history.first()
        assert record.history_type == "~"
        assert record.history_user == member

    def test_anonymous_is_sent_to_login(self, client, council):
        contact = council.contacts.get()
        before = state(council)
        assert_login_redirect(client.get(self.url(council, contact)))
        assert_login_redirect(client.post(self.url(council, contact), self.data()))
        assert state(council) == before

    def test_another_sites_member_gets_404(self, client, outsider, council):
        contact = council.contacts.get()
        client.force_login(outsider)
        before = state(council)
        assert client.get(self.url(council, contact)).status_code == 404
        assert client.post(self.url(council, contact), self.data()).status_code == 404
        assert state(council) == before

    def test_a_reviewer_gets_403_and_nothing_changes(self, client, reviewer, council):
        contact = council.contacts.get()
        client.force_login(reviewer)
        before = state(council)
        assert client.get(self.url(council, contact)).status_code == 403
        assert client.post(self.url(council, contact), self.data()).status_code == 403
        assert state(council) == before

    def test_an_uncleared_member_gets_403_on_an_at_risk_stakeholders_contact(
        self, client, member, defender
    ):
        contact = defender.contacts.get()
        client.force_login(member)
        before = state(defender)
        response = client.get(self.url(defender, contact))
        assert response.status_code == 403
        assert "Baraka" not in response.content.decode()
        assert client.post(self.url(defender, contact), self.data()).status_code == 403
        assert state(defender) == before

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"name": "Juma Salim"}, "This stakeholder already has a contact of that name."),
            ({"name": ""}, "This field is required"),
            ({"email": "not-an-address"}, "Enter a valid email address"),
        ],
    )
    def test_invalid_input_is_shown_and_nothing_is_written(
        self, client, member, council, changes, error
    ):
        ContactFactory(stakeholder=council, name="Juma Salim")
        contact = council.contacts.get(name="Halima Mwakyusa")
        client.force_login(member)
        before = state(council)
        response = client.post(self.url(council, contact), self.data(**changes))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert state(council) == before

    def test_a_missing_id_is_404(self, client, member, council, site):
        contact = council.contacts.get()
        elsewhere = ContactFactory(stakeholder=StakeholderFactory(sites=[site]))
        client.force_login(member)
        for url in [
            reverse("stakeholders:contact_edit", args=[MISSING, contact.pk]),
            reverse("stakeholders:contact_edit", args=[council.pk, MISSING]),
            # Another stakeholder's contact is not found under this one.
            reverse("stakeholders:contact_edit", args=[council.pk, elsewhere.pk]),
        ]:
            assert client.get(url).status_code == 404, url
            assert client.post(url, self.data()).status_code == 404, url
        elsewhere.refresh_from_db()
        assert elsewhere.name != "Halima Mwakyusa"


class TestContactDelete:
    def url(self, stakeholder, contact):
        return reverse("stakeholders:contact_delete", args=[stakeholder.pk, contact.pk])

    def test_it_works(self, client, member, council):
        contact = council.contacts.get()
        client.force_login(member)

        response = client.post(self.url(council, contact))

        assert_redirects_to(response, council)
        assert not council.contacts.exists()
        record = Contact.history.filter(id=contact.pk).first()
        assert record.history_type == "-"
        assert record.history_user == member

    def test_get_is_not_allowed(self, client, member, council):
        contact = council.contacts.get()
        client.force_login(member)
        assert client.get(self.url(council, contact)).status_code == 405
        assert council.contacts.exists()

    def test_anonymous_is_sent_to_login(self, client, council):
        before = state(council)
        assert_login_redirect(client.post(self.url(council, council.contacts.get())))
        assert state(council) == before

    def test_another_sites_member_gets_404(self, client, outsider, council):
        client.force_login(outsider)
        before = state(council)
        assert client.post(self.url(council, council.contacts.get())).status_code == 404
        assert state(council) == before

    def test_a_reviewer_gets_403_and_nothing_changes(self, client, reviewer, council):
        client.force_login(reviewer)
        before = state(council)
        assert client.post(self.url(council, council.contacts.get())).status_code == 403
        assert state(council) == before

    def test_an_uncleared_member_gets_403_on_an_at_risk_stakeholders_contact(
        self, client, member, defender
    ):
        client.force_login(member)
        before = state(defender)
        assert client.post(self.url(defender, defender.contacts.get())).status_code == 403
        assert state(defender) == before

    def test_a_missing_id_is_404(self, client, member, council, site):
        contact = council.contacts.get()
        elsewhere = ContactFactory(stakeholder=StakeholderFactory(sites=[site]))
        client.force_login(member)
        for url in [
            reverse("stakeholders:contact_delete", args=[MISSING, contact.pk]),
            reverse("stakeholders:contact_delete", args=[council.pk, MISSING]),
            reverse("stakeholders:contact_delete", args=[council.pk, elsewhere.pk]),
        ]:
            assert client.post(url).status_code == 404, url
        assert Contact.objects.filter(pk__in=[contact.pk, elsewhere.pk]).count() == 2


class TestDetailControls:
    def controls(self, stakeholder):
        contact = stakeholder.contacts.first()
        return [
            reverse("stakeholders:edit", args=[stakeholder.pk]),
            reverse("stakeholders:assess", args=[stakeholder.pk]),
            reverse("stakeholders:contact_add", args=[stakeholder.pk]),
            reverse("stakeholders:contact_edit", args=[stakeholder.pk, contact.pk]),
        ]

    def test_a_member_who_may_change_sees_the_controls(self, client, member, council):
        client.force_login(member)
        content = client.get(council.get_absolute_url()).content.decode()
        for url in self.controls(council):
            assert url in content
        assert "Re-assess" in content
        assert "Add a contact" in content

    def test_a_reviewer_sees_none(self, client, reviewer, council):
        client.force_login(reviewer)
        response = client.get(council.get_absolute_url())
        assert response.status_code == 200
        content = response.content.decode()
        for url in self.controls(council):
            assert url not in content
        assert "Re-assess" not in content
        assert "Add a contact" not in content
        assert ">Edit<" not in content

    def test_an_uncleared_member_sees_none_on_an_at_risk_stakeholder(
        self, client, member, cleared_member, defender
    ):
        client.force_login(member)
        content = client.get(defender.get_absolute_url()).content.decode()
        for url in self.controls(defender):
            assert url not in content
        client.force_login(cleared_member)
        content = client.get(defender.get_absolute_url()).content.decode()
        for url in self.controls(defender):
            assert url in content

    def test_the_registry_offers_add_only_to_those_who_may(self, client, member, reviewer):
        add = reverse("stakeholders:add")
        client.force_login(member)
        assert add in client.get(reverse("stakeholders:list")).content.decode()
        client.force_login(reviewer)
        assert add not in client.get(reverse("stakeholders:list")).content.decode()


def test_ratings_posted_to_the_edit_form_are_ignored(client, member, council):
    """Influence and interest change only through a dated re-assessment."""
    client.force_login(member)
    response = client.post(
        reverse("stakeholders:edit", args=[council.pk]), edit_data(council, influence=5)
    )
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.influence == 3
    assert not council.assessments.exists()


def test_a_cleared_member_re_assesses_an_at_risk_stakeholder(client, cleared_member, defender):
    client.force_login(cleared_member)
    response = client.post(
        reverse("stakeholders:assess", args=[defender.pk]),
        {"assessed_on": "2020-01-01", "influence": 2, "interest": 5, "reason": "Threats"},
    )
    assert_redirects_to(response, defender)
    defender.refresh_from_db()
    assert (defender.influence, defender.interest) == (2, 5)
    assert defender.history.first().history_user == cleared_member
