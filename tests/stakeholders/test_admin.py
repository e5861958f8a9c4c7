import io

import openpyxl
import pytest
from django.urls import reverse

from stakeholders.models import Site, Stakeholder
from tests.factories import StakeholderFactory
from tests.stakeholders.test_import_export import downloaded

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:stakeholders_stakeholder_changelist")
IMPORT = reverse("admin:stakeholders_stakeholder_import")
PROCESS_IMPORT = reverse("admin:stakeholders_stakeholder_process_import")
EXPORT = reverse("admin:stakeholders_stakeholder_export")
CSV, XLSX = "0", "1"  # indexes into IMPORT_EXPORT_FORMATS

# The old field-name headers: files written before the readable headers still import.
HEADER = (
    "id,name,kind,category,sites,lead_function,location,influence,interest,at_risk,active,notes"
)
READABLE_HEADER = (
    "ID,Name,Kind,Category,Sites,Lead function,Location,Influence,Interest,At risk,Active,Notes"
)


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


def csv_file(*rows, name="stakeholders.csv"):
    upload = io.BytesIO("\n".join([HEADER, *rows]).encode())
    upload.name = name
    return upload


def dry_run(client, upload, fmt=CSV):
    return client.post(IMPORT, {"import_file": upload, "format": fmt, "resource": "0"})


def export(client):
    selected = {f"stakeholderresource_{column}": "on" for column in HEADER.split(",")}
    return downloaded(client.post(EXPORT, {"format": CSV, "resource": "0", **selected}))


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(PROCESS_IMPORT, {**form.initial, "resource": "0"})


class TestScoping:
    def test_staff_see_only_their_sites_stakeholders(
        self, client, admin_member, council, other_site
    ):
        StakeholderFactory(name="Far valley chiefs", sites=[other_site])
        client.force_login(admin_member)
        response = client.get(CHANGELIST)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Mwanzo village council" in content
        assert "Far valley chiefs" not in content
        assert "Far Valley Copper" not in content  # not even in the site filter

    def test_another_sites_stakeholder_cannot_be_opened(self, client, admin_member, other_site):
        far = StakeholderFactory(name="Far valley chiefs", sites=[other_site])
        client.force_login(admin_member)
        url = reverse("admin:stakeholders_stakeholder_change", args=[far.pk])
        response = client.get(url, follow=True)
        assert "Far valley chiefs" not in response.content.decode()

    def test_uncleared_staff_never_see_an_at_risk_stakeholders_name(
        self, client, uncleared_admin, defender, council
    ):
        client.force_login(uncleared_admin)
        pages = [
            client.get(CHANGELIST),
            client.get(CHANGELIST, {"q": "Baraka"}),
            client.get(reverse("admin:stakeholders_stakeholder_change", args=[defender.pk])),
            client.get(reverse("admin:stakeholders_stakeholder_history", args=[defender.pk])),
            client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": "stakeholders",
                    "model_name": "contact",
                    "field_name": "stakeholder",
                    "term": "Bar",
                },
            ),
            export(client),
        ]
        for response in pages:
            assert b"Baraka Mwaipopo" not in response.content
            assert b"Baraka M." not in response.content
        assert "0 stakeholders" in pages[1].content.decode()
        assert b"Mwanzo village council" in pages[0].content

    def test_cleared_staff_maintain_at_risk_stakeholders(self, client, admin_member, defender):
        client.force_login(admin_member)
        response = client.get(reverse("admin:stakeholders_stakeholder_change", args=[defender.pk]))
        assert response.status_code == 200
        assert "Baraka Mwaipopo" in response.content.decode()

    def test_a_superuser_sees_everything(self, client, superuser, defender, other_site):
        StakeholderFactory(name="Far valley chiefs", sites=[other_site])
        client.force_login(superuser)
        content = client.get(CHANGELIST).content.decode()
        assert "Baraka Mwaipopo" in content
        assert "Far valley chiefs" in content

    def test_saving_keeps_the_sites_the_editor_cannot_see(
        self, client, admin_member, council, other_site
    ):
        council.sites.add(other_site)
        client.force_login(admin_member)
        url = reverse("admin:stakeholders_stakeholder_change", args=[council.pk])
        response = client.post(
            url,
            {
                "name": "Mwanzo village council (renamed)",
                "kind": "group",
                "category": council.category_id,
                "sites": [admin_member.site_memberships.get().site_id],
                "lead_function": council.lead_function_id,
                "location": "",
                "influence": 4,
                "interest": 5,
                "active": "on",
                "notes": "",
                "contacts-TOTAL_FORMS": 0,
                "contacts-INITIAL_FORMS": 0,
                "assessments-TOTAL_FORMS": 0,
                "assessments-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        council.refresh_from_db()
        assert council.name == "Mwanzo village council (renamed)"
        assert set(council.sites.all()) == {admin_member.site_memberships.get().site, other_site}

    def test_a_reviewer_without_staff_status_cannot_enter_the_admin(self, client, reviewer):
        client.force_login(reviewer)
        response = client.get(CHANGELIST)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


class TestImport:
    def test_a_good_file_is_previewed_then_imported(self, client, admin_member, site):
        client.force_login(admin_member)
        upload = csv_file(
            f",Ilembo police post,Organisation,Public security providers,{site.name},,"
            "Ilembo trading centre,4,3,0,1,",
            f",Neema Sanga,person,local communities,{site.name},Community relations / social "
            "performance,,2,5,1,1,Chairwoman of the savings group",
        )

        preview = dry_run(client, upload)

        assert preview.status_code == 200
        assert not preview.context["result"].has_errors()
        assert not preview.context["result"].has_validation_errors()
        assert Stakeholder.objects.count() == 0  # a preview writes nothing

        done = confirm(client, preview)

        assert done.status_code == 302
        police = Stakeholder.objects.get(name="Ilembo police post")
        assert police.lead_function.code == "security"  # the category's default
        assert list(police.sites.all()) == [site]
        neema = Stakeholder.objects.get(name="Neema Sanga")
        assert neema.at_risk and neema.kind == Stakeholder.Kind.PERSON

    def test_an_xlsx_file_is_imported(self, client, admin_member, site):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(HEADER.split(","))
        sheet.append(
            [None, "Industry forum", "group", "Industry peers", site.name, None, None, 3, 3, 0, 1]
        )
        upload = io.BytesIO()
        workbook.save(upload)
        upload.seek(0)
        upload.name = "stakeholders.xlsx"
        client.force_login(admin_member)

        preview = dry_run(client, upload, fmt=XLSX)
        assert not preview.context["result"].has_validation_errors()
        confirm(client, preview)

        assert Stakeholder.objects.get().name == "Industry forum"

    def test_a_bad_row_is_reported_by_number_and_nothing_is_imported(
        self, client, admin_member, site
    ):
        client.force_login(admin_member)
        upload = csv_file(
            f",Good row,organisation,Industry peers,{site.name},,,3,3,0,1,",
            f",Too influential,organisation,Industry peers,{site.name},,,7,3,0,1,",
            ",No such category,organisation,Miners,Kisima Ridge Gold Mine,,,3,3,0,1,",
            ",Foreign site,organisation,Industry peers,Far Valley Copper,,,3,3,0,1,",
        )

        response = dry_run(client, upload)

        content = response.content.decode()
        result = response.context["result"]
        assert result.has_validation_errors()
        assert [row.number for row in result.invalid_rows] == [2, 3, 4]
        assert "less than or equal to 5" in content
        assert "Unknown stakeholder category “Miners”" in content
        assert "Unknown site(s) “Far Valley Copper”" in content
        assert "confirm_form" not in response.context or response.context["confirm_form"] is None
        assert Stakeholder.objects.count() == 0

    def test_an_id_the_user_cannot_edit_is_an_error_not_a_new_row(
        self, client, uncleared_admin, site, defender
    ):
        client.force_login(uncleared_admin)
        upload = csv_file(f"{defender.pk},Renamed,person,Local communities,{site.name},,,3,3,1,1,")
        response = dry_run(client, upload)
        assert response.context["result"].has_validation_errors()
        assert "No stakeholder with id" in response.content.decode()
        assert "Baraka" not in response.content.decode()
        defender.refresh_from_db()
        assert defender.name == "Baraka Mwaipopo"

    def test_updating_keeps_the_sites_the_importer_cannot_see(
        self, client, admin_member, site, council, other_site
    ):
        council.sites.add(other_site)
        client.force_login(admin_member)
        upload = csv_file(
            f"{council.pk},Mwanzo council,group,Local communities,{site.name},,,4,5,0,1,"
        )
        confirm(client, dry_run(client, upload))
        council.refresh_from_db()
        assert council.name == "Mwanzo council"
        assert set(council.sites.all()) == {site, other_site}

    def test_export_round_trips_through_import(self, client, admin_member, council, site):
        client.force_login(admin_member)
        exported = export(client)
        assert exported.status_code == 200
        text = exported.content.decode()
        assert text.splitlines()[0] == READABLE_HEADER
        assert "Mwanzo village council" in text
        upload = io.BytesIO(text.encode())
        upload.name = "roundtrip.csv"
        preview = dry_run(client, upload)
        assert not preview.context["result"].has_validation_errors()
        assert Site.objects.count() == 1
        assert Stakeholder.objects.count() == 1
