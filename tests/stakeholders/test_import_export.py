"""The registry's spreadsheets: formula escaping on export, readable headers, yes/no cells,
and an import confirmation that only its own uploader can use."""

import csv
import datetime
import io
import os
import re
import tempfile
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from stakeholders.models import Stakeholder
from stakeholders.resources import HEADERS
from stakeholders.spreadsheets import (
    SharedPreviewStorage,
    _preview_signer,
    escape_formula,
    header_key,
    unescape_formula,
    unsign_preview_name,
)
from tests.conftest import member_of
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:stakeholders_stakeholder_import")
PROCESS_IMPORT = reverse("admin:stakeholders_stakeholder_process_import")
EXPORT = reverse("admin:stakeholders_stakeholder_export")
CSV, XLSX = "0", "1"  # indexes into IMPORT_EXPORT_FORMATS

READABLE = (
    "ID,Name,Kind,Category,Sites,Lead function,Location,Influence,Interest,At risk,Active,Notes"
)
FORMULAE = [
    '==HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+255 700 100 291",
    "-2+3",
    "@SUM(A1:A2)",
    "\tcmd",
    "\rcmd",
]


@pytest.fixture(autouse=True)
def own_temp_folder(monkeypatch, tmp_path):
    """Previews are kept in the temporary folder until confirmed: use one per test."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def upload(text, name="stakeholders.csv"):
    file = io.BytesIO(text.encode())
    file.name = name
    return file


def rows(*lines, header=READABLE):
    return upload("\n".join([header, *lines]))


def dry_run(client, file, fmt=CSV):
    return client.post(IMPORT, {"import_file": file, "format": fmt, "resource": "0"})


def confirm(client, preview):
    return client.post(
        PROCESS_IMPORT, {**preview.context["confirm_form"].initial, "resource": "0"}
    )


def export(client, fmt=CSV):
    selected = {f"stakeholderresource_{name}": "on" for name in HEADERS}
    return downloaded(client.post(EXPORT, {"format": fmt, "resource": "0", **selected}))


def downloaded(response):
    """A response as the browser ends up with it: a streamed file is read to its end (the
    test client closes it then) and its bytes kept in `content`, so a test reads every
    download alike."""
    if not response.streaming:
        return response
    return HttpResponse(
        b"".join(response.streaming_content),
        status=response.status_code,
        headers=dict(response.items()),
    )


def tamper(signed):
    return signed[:-1] + ("A" if signed[-1] != "A" else "B")


def preview_stored(preview, user):
    """Whether the preview's file waits in the shared store for its confirmation."""
    signed = preview.context["confirm_form"].initial["import_file_name"]
    storage = SharedPreviewStorage(name=unsign_preview_name(signed, user=user))
    try:
        storage.read()
    except FileNotFoundError:
        return False
    return True


class TestFormulaEscaping:
    @pytest.mark.parametrize("value", [*FORMULAE, "=", "-"])
    def test_a_cell_a_spreadsheet_would_run_gets_one_quote(self, value):
        assert escape_formula(value) == "'" + value
        assert unescape_formula(escape_formula(value)) == value

    @pytest.mark.parametrize("value", ["Mwanzo council", "", "'quoted", " =1", 3, None, True])
    def test_anything_else_is_left_alone(self, value):
        assert escape_formula(value) == value
        assert unescape_formula(value) == value

    def test_a_carriage_return_read_back_as_a_line_feed_loses_its_quote(self):
        assert unescape_formula("'\ncmd") == "\ncmd"

    def test_the_librarys_own_stripping_is_off(self):
        assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is False

    def test_csv_export_escapes_every_text_column(self, client, admin_member, site):
        for value in FORMULAE:
            StakeholderFactory(name=value, location=value, notes=value, sites=[site])
        client.force_login(admin_member)

        response = export(client)

        assert response.status_code == 200
        table = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert sorted(row["Name"] for row in table) == sorted("'" + value for value in FORMULAE)
        for row in table:
            assert row["Location"] == row["Notes"] == row["Name"]

    def test_xlsx_export_writes_text_not_formulae(self, client, admin_member, site):
        for value in FORMULAE:
            StakeholderFactory(name=value, notes=value, sites=[site])
        client.force_login(admin_member)

        response = export(client, fmt=XLSX)

        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in sheet[1]]
        for column in ("Name", "Notes"):
            cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
            assert len(cells) == len(FORMULAE)
            for cell in cells:
                assert cell.data_type == "s", cell.value
                assert cell.value.startswith("'"), cell.value

    @pytest.mark.parametrize("fmt,name", [(CSV, "export.csv"), (XLSX, "export.xlsx")])
    def test_an_exported_file_imports_unchanged(self, client, admin_member, site, fmt, name):
        for value in FORMULAE:
            StakeholderFactory(name=value, location=value, notes=value, sites=[site])
        # A workbook reads a carriage return back as a line feed; the quote goes all the same.
        # A CSV file's comes back as it was.
        newline = "\n" if fmt == XLSX else "\r"
        before = {
            s.pk: tuple(v.replace("\r", newline) for v in (s.name, s.location, s.notes))
            for s in Stakeholder.objects.all()
        }
        client.force_login(admin_member)
        exported = export(client, fmt=fmt)
        file = io.BytesIO(exported.content)
        file.name = name

        preview = dry_run(client, file, fmt=fmt)
        assert not preview.context["result"].has_errors()
        assert not preview.context["result"].has_validation_errors()
        assert confirm(client, preview).status_code == 302

        after = {s.pk: (s.name, s.location, s.notes) for s in Stakeholder.objects.all()}
        assert after == before


class TestHeaders:
    def test_export_uses_readable_headers(self, client, admin_member, site):
        StakeholderFactory(sites=[site])
        client.force_login(admin_member)
        assert export(client).content.decode().splitlines()[0] == READABLE
        sheet = openpyxl.load_workbook(io.BytesIO(export(client, fmt=XLSX).content)).active
        assert ",".join(cell.value for cell in sheet[1]) == READABLE

    def test_the_preview_shows_readable_headers(self, client, admin_member, site):
        client.force_login(admin_member)
        preview = dry_run(
            client, rows(f",Industry forum,group,Industry peers,{site.name},,,3,3,0,1,")
        )
        assert preview.context["result"].diff_headers == list(HEADERS.values())
        assert "lead_function" not in preview.content.decode()

    @pytest.mark.parametrize(
        "header",
        [
            READABLE,
            "id,name,kind,category,sites,lead_function,location,influence,interest,at_risk,"
            "active,notes",
            " id , NAME,Kind , CATEGORY,sites, Lead_Function ,location,Influence, interest ,"
            "AT RISK,ACTIVE,notes ",
        ],
        ids=["readable", "field names", "any case and spaces"],
    )
    def test_import_takes_readable_or_old_headers(self, client, admin_member, site, header):
        client.force_login(admin_member)
        preview = dry_run(
            client,
            rows(
                f",Ilembo police post,organisation,Public security providers,{site.name},"
                "Legal,Ilembo,4,2,1,0,Checkpoint",
                header=header,
            ),
        )
        assert not preview.context["result"].has_validation_errors()
        confirm(client, preview)

        police = Stakeholder.objects.get()
        assert police.name == "Ilembo police post"
        assert police.lead_function.name == "Legal"
        assert (police.influence, police.interest) == (4, 2)
        assert police.at_risk and not police.active
        assert list(police.sites.all()) == [site]

    def test_an_id_under_the_readable_header_still_needs_editing_rights(
        self, client, uncleared_admin, site, defender
    ):
        client.force_login(uncleared_admin)
        preview = dry_run(
            client, rows(f"{defender.pk},Renamed,person,Local communities,{site.name},,,3,3,1,1,")
        )
        assert preview.context["result"].has_validation_errors()
        assert "No stakeholder with id" in preview.content.decode()
        defender.refresh_from_db()
        assert defender.name == "Baraka Mwaipopo"
        assert Stakeholder.objects.count() == 1

    @pytest.mark.parametrize("header", ["Lead function", "lead_function", " LEAD  FUNCTION "])
    def test_header_key(self, header):
        assert header_key(header) == "lead function"


class TestYesNo:
    @pytest.mark.parametrize(
        "word,expected",
        [("yes", True), ("YES", True), ("True", True), (" 1 ", True), ("no", False)]
        + [("FALSE", False), ("0", False)],
    )
    def test_yes_no_words_are_understood(self, client, admin_member, site, word, expected):
        client.force_login(admin_member)
        preview = dry_run(
            client,
            rows(f",Neema Sanga,person,Local communities,{site.name},,,2,5,{word},{word},"),
        )
        assert not preview.context["result"].has_validation_errors()
        confirm(client, preview)
        neema = Stakeholder.objects.get()
        assert neema.at_risk is expected
        assert neema.active is expected

    def test_another_word_is_refused_on_its_row_and_nothing_is_imported(
        self, client, admin_member, site
    ):
        client.force_login(admin_member)
        preview = dry_run(
            client,
            rows(
                f",Good row,organisation,Industry peers,{site.name},,,3,3,no,yes,",
                f",Neema Sanga,person,Local communities,{site.name},,,2,5,maybe,1,",
            ),
        )

        result = preview.context["result"]
        assert [row.number for row in result.invalid_rows] == [2]
        errors = result.invalid_rows[0].field_specific_errors
        assert errors["At risk"] == [
            "“maybe” is not a yes/no value. Use 1 or 0, yes or no, true or false."
        ]
        assert "is not a yes/no value" in preview.content.decode()
        values = dict(zip(result.diff_headers, result.invalid_rows[0].values, strict=True))
        assert values["Name"] == "Neema Sanga"  # the bad row shows what the file says
        assert values["At risk"] == "maybe"
        assert preview.context.get("confirm_form") is None
        assert Stakeholder.objects.count() == 0

    def test_an_empty_cell_takes_the_default_on_a_new_row(self, client, admin_member, site):
        client.force_login(admin_member)
        confirm(
            client,
            dry_run(client, rows(f",Industry forum,group,Industry peers,{site.name},,,3,3,,,")),
        )
        forum = Stakeholder.objects.get()
        assert forum.at_risk is False
        assert forum.active is True

    def test_an_empty_cell_keeps_the_value_on_an_update(
        self, client, admin_member, site, defender
    ):
        defender.active = False
        defender.save()
        client.force_login(admin_member)
        preview = dry_run(
            client,
            rows(f"{defender.pk},Baraka M.,person,Local communities,{site.name},,,3,3,,,"),
        )
        assert not preview.context["result"].has_validation_errors()
        confirm(client, preview)
        defender.refresh_from_db()
        assert defender.name == "Baraka M."
        assert defender.at_risk is True
        assert defender.active is False


@pytest.fixture
def other_admin(site):
    """A second administrator, cleared at the same site."""
    return member_of(
        site, cleared=True, roles=["Administrator"], username="otheradmin", is_staff=True
    )


@pytest.fixture
def good_file(site):
    return rows(f",Industry forum,group,Industry peers,{site.name},,,3,3,0,1,")


class TestConfirmation:
    def test_the_uploader_confirms_their_preview(self, client, admin_member, good_file):
        client.force_login(admin_member)
        preview = dry_run(client, good_file)
        assert preview_stored(preview, admin_member)

        response = confirm(client, preview)

        assert response.status_code == 302
        assert Stakeholder.objects.get().name == "Industry forum"
        assert not preview_stored(preview, admin_member)

    def test_the_preview_waits_in_the_database_for_any_app_server(
        self, client, admin_member, good_file, monkeypatch, tmp_path
    ):
        """Behind a load balancer the confirmation may reach another server, with another
        temporary folder (and another process's memory): the preview is in the database."""
        client.force_login(admin_member)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        preview = dry_run(client, good_file)
        assert list(tmp_path.iterdir()) == []
        signed = preview.context["confirm_form"].initial["import_file_name"]
        name = unsign_preview_name(signed, user=admin_member)
        another_server = DatabaseCache(settings.CACHES["import_previews"]["LOCATION"], {})
        assert another_server.get(f"preview:{name}") == good_file.getvalue()
        assert confirm(client, preview).status_code == 302
        assert Stakeholder.objects.get().name == "Industry forum"

    def test_an_unconfirmed_preview_expires(self, client, admin_member, good_file):
        client.force_login(admin_member)
        preview = dry_run(client, good_file)
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
            client.force_login(admin_member)  # a day later: a new session
            response = confirm(client, preview)
        assert response.status_code == 302
        assert response["Location"] == IMPORT
        assert Stakeholder.objects.count() == 0
        assert "has expired" in client.get(IMPORT).content.decode()

    def test_the_file_name_goes_out_signed(self, client, admin_member, good_file):
        client.force_login(admin_member)
        preview = dry_run(client, good_file)
        signed = preview.context["confirm_form"].initial["import_file_name"]
        assert unsign_preview_name(signed, user=admin_member) != signed
        assert f'value="{signed}"' in preview.content.decode()

    def test_another_user_cannot_confirm_someone_elses_preview(
        self, client, admin_member, other_admin, good_file
    ):
        client.force_login(admin_member)
        preview = dry_run(client, good_file)

        client.force_login(other_admin)
        response = confirm(client, preview)

        assert response.status_code == 400
        assert "not one you uploaded" in response.content.decode()
        assert preview_stored(preview, admin_member)  # not deleted
        assert Stakeholder.objects.count() == 0

        client.force_login(admin_member)
        assert confirm(client, preview).status_code == 302
        assert Stakeholder.objects.count() == 1

    @pytest.mark.parametrize(
        "forge",
        [
            lambda name, user: name,  # the bare name, unsigned
            lambda name, user: tamper(_preview_signer(user).sign(name)),
            lambda name, user: _preview_signer(user).sign(name).replace(name, "tmpother"),
            lambda name, user: _preview_signer(user).sign(f"../{name}"),  # even if signed
            lambda name, user: _preview_signer(user).sign(".."),
            lambda name, user: f"../../{name}",
            lambda name, user: "",
        ],
        ids=["unsigned", "tampered", "renamed", "dotdot-path", "dotdot", "path", "empty"],
    )
    def test_a_forged_name_is_refused_and_no_file_is_touched(self, client, admin_member, forge):
        with tempfile.NamedTemporaryFile(delete=False) as victim:
            victim.write(READABLE.encode())
        name = os.path.basename(victim.name)
        try:
            client.force_login(admin_member)
            response = client.post(
                PROCESS_IMPORT,
                {
                    "import_file_name": forge(name, admin_member),
                    "original_file_name": "stakeholders.csv",
                    "format": CSV,
                    "resource": "0",
                },
            )
            assert response.status_code == 400
            assert os.path.exists(victim.name)
            assert 'name="confirm"' not in response.content.decode()
        finally:
            os.remove(victim.name)

    def test_a_second_confirmation_says_the_preview_is_gone(self, client, admin_member, good_file):
        client.force_login(admin_member)
        preview = dry_run(client, good_file)
        confirm(client, preview)

        response = confirm(client, preview)

        assert response.status_code == 302
        assert response["Location"] == IMPORT
        assert Stakeholder.objects.count() == 1
        page = client.get(IMPORT)
        assert "already been imported" in page.content.decode()

    def test_get_is_not_allowed(self, client, admin_member):
        client.force_login(admin_member)
        assert client.get(PROCESS_IMPORT).status_code == 405


class TestImportPage:
    def test_the_page_explains_the_file(self, client, admin_member, site, other_site):
        client.force_login(admin_member)
        response = client.get(IMPORT)
        assert response.status_code == 200
        content = response.content.decode()
        for text in [
            "Lead function",
            "Public security providers",  # a category
            "Community relations / social performance",  # a function
            site.name,
            "<code>organisation</code>",
            "1 (low) to 5 (high)",
            "<code>yes</code>",
            "nothing of the file is imported",
        ]:
            assert text in content, text
        assert other_site.name not in content  # only the user's own sites

    def test_the_error_table_scrolls_in_its_own_box(self, client, admin_member, site):
        client.force_login(admin_member)
        preview = dry_run(
            client, rows(f",Bad,organisation,Industry peers,{site.name},,,9,3,maybe,1,")
        )
        content = preview.content.decode()
        assert '<div class="import-table-box"' in content
        assert content.index("import-table-box") < content.index('class="import-preview"')

    def test_the_template_has_no_inline_style_or_script(self):
        template = Path(settings.BASE_DIR, "templates/admin/stakeholders/stakeholder/import.html")
        source = template.read_text()
        assert "style=" not in source
        assert "<script" not in source
        assert not re.search(r"\son[a-z]+=", source)


class TestImportHistory:
    def test_one_history_entry_per_row_changed_naming_the_import(self, client, admin_member, site):
        council = StakeholderFactory(name="Council", sites=[site], location="North")
        police = StakeholderFactory(name="Police post", sites=[site], location="Centre")
        before = {council.pk: council.history.count(), police.pk: police.history.count()}
        client.force_login(admin_member)
        file = upload(
            "\n".join(
                [
                    READABLE,
                    f"{council.pk},Village council,organisation,{council.category.name},"
                    f"{site.name},{council.lead_function.name},North,3,3,no,yes,",
                    f"{police.pk},Police post,organisation,{police.category.name},"
                    f"{site.name},{police.lead_function.name},Centre,3,3,no,yes,",
                    f",New committee,group,{council.category.name},{site.name},"
                    f"{council.lead_function.name},East,2,4,no,yes,",
                ]
            ),
            name="registry-2026.csv",
        )
        response = confirm(client, dry_run(client, file))
        assert response.status_code == 302
        renamed = council.history.latest()
        assert council.history.count() == before[council.pk] + 1
        assert (renamed.name, renamed.history_user) == ("Village council", admin_member)
        assert renamed.history_change_reason == "Import of registry-2026.csv"
        assert police.history.count() == before[police.pk]  # unchanged: no entry
        created = Stakeholder.objects.get(name="New committee")
        assert created.history.get().history_change_reason == "Import of registry-2026.csv"
        assert (created.assessments.get().influence, created.assessments.get().interest) == (2, 4)


class TestStoredPreviews:
    """An uploaded file (at-risk names and all) waits only as long as it may be confirmed."""

    def test_a_file_with_errors_is_not_kept(self, client, admin_member, site):
        client.force_login(admin_member)
        bad = rows(f",Baraka Mwaipopo,person,No such category,{site.name},,,3,3,1,1,")
        preview = dry_run(client, bad)
        assert preview.context["result"].has_validation_errors()
        assert "confirm_form" not in preview.context
        assert previews_stored() == 0

    def test_an_expired_preview_is_deleted_by_the_next_upload(
        self, client, admin_member, good_file, site
    ):
        client.force_login(admin_member)
        dry_run(client, good_file)
        assert previews_stored() == 1
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
            client.force_login(admin_member)
            dry_run(client, rows(f",Another forum,group,Industry peers,{site.name},,,3,3,0,1,"))
        assert previews_stored() == 1  # the new one only


def previews_stored():
    from django.db import connection

    with connection.cursor() as cursor:
        table = connection.ops.quote_name(settings.CACHES["import_previews"]["LOCATION"])
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - the setting's name
        return cursor.fetchone()[0]
