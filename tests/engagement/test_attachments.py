"""Attachments on engagements: the type told by the content, images without their
metadata, safe names, a size limit, stored outside every served folder and downloaded
only by those who may see the engagement, with the history kept."""

import io
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from engagement import attachments, selectors, services
from engagement.demo import pdf_page
from engagement.models import Attachment, Engagement
from tests.conftest import member_of
from tests.factories import EngagementFactory, StakeholderFactory
from tests.vpsa.test_settings import BASE_DIR, PRODUCTION, manage

pytestmark = pytest.mark.django_db

MISSING = 987654
CAMERA = "MarkerCam X100"
PDF = pdf_page(["Minutes of the village meeting", "Present: 40, of which women: 12"])


@pytest.fixture(autouse=True)
def root(settings, tmp_path):
    """Every stored file goes to this test's own folder, never into the checkout."""
    folder = tmp_path / "attachments"
    settings.ATTACHMENTS_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "engagement.attachments.PrivateFileSystemStorage",
            "OPTIONS": {"location": folder, "base_url": None},
        },
    }
    return folder


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def jpeg_with_gps(size=(64, 48)):
    """A JPEG as a phone takes it: camera make and model, and where it was taken."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "MarkerPhone Inc"  # Make
    exif[0x0110] = CAMERA  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"  # GPSLatitudeRef
    gps[2] = (8.0, 54.0, 30.0)  # GPSLatitude
    gps[3] = "E"
    gps[4] = (33.0, 27.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_with_text(size=(32, 32)):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "MarkerAuthor Secret")
    info.add_text("Comment", "Taken at the MarkerPlace gate")
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def office_zip(*members, first=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name in members:
            archive.writestr(name, "<xml/>")
    return out.getvalue()


def upload(content, name):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def attach(actor, engagement, content=PDF, name="minutes.pdf", **fields):
    return services.attachment_create(
        actor=actor,
        engagement=engagement,
        upload=ContentFile(content, name=name),
        kind=fields.get("kind", Attachment.Kind.MINUTES),
        description=fields.get("description", ""),
    )


def add_url(engagement_or_pk):
    pk = getattr(engagement_or_pk, "pk", engagement_or_pk)
    return reverse("engagement:attachment_add", args=[pk])


def download_url(attachment_or_pk):
    pk = getattr(attachment_or_pk, "pk", attachment_or_pk)
    return reverse("engagement:attachment_download", args=[pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def internal(site, cleared_member, council):
    return EngagementFactory(site=site, created_by=cleared_member, stakeholders=[council])


@pytest.fixture
def restricted(site, cleared_member, defender):
    return EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[defender],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
    )


@pytest.fixture
def minutes(cleared_member, internal):
    return attach(cleared_member, internal, name="Minutes March.pdf")


@pytest.fixture
def secret_minutes(cleared_member, restricted):
    return attach(cleared_member, restricted, name="Minutes with the monitor.pdf")


class TestTheContentDecides:
    def test_a_pdf_is_stored_under_a_random_name_outside_the_checkout(
        self, root, member, internal
    ):
        attachment = attach(member, internal, name="Minutes March.pdf", description="Signed")
        assert attachment.name == "Minutes_March.pdf"
        assert attachment.content_type == "application/pdf"
        assert attachment.size == len(PDF)
        assert attachment.uploaded_by == member
        [path] = stored_files(root)
        assert path.read_bytes() == PDF
        assert re.fullmatch(r"[0-9a-f]{32}", path.name)
        assert "Minutes" not in attachment.file.name

    @pytest.mark.parametrize(
        ("content", "name"),
        [
            (b"<!doctype html><script>alert(document.cookie)</script>", "minutes.pdf"),
            (b"MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode", "minutes.pdf"),
            (b"#!/bin/sh\nrm -rf /\n", "attendance.png"),
            (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "photo.jpg"),
            (b"just some text", "notes.docx"),
        ],
        ids=["html-as-pdf", "exe-as-pdf", "script-as-png", "svg-as-jpeg", "text-as-docx"],
    )
    def test_a_forbidden_type_disguised_by_its_name_is_refused(
        self, root, member, internal, content, name
    ):
        with pytest.raises(ValidationError) as refused:
            attach(member, internal, content=content, name=name)
        assert "not accepted, whatever its name says" in str(refused.value)
        assert not Attachment.objects.exists()
        assert not Attachment.history.exists()
        assert stored_files(root) == []

    def test_a_jpeg_loses_its_location_and_camera(self, root, member, internal):
        original = jpeg_with_gps()
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had GPS
        attachment = attach(member, internal, content=original, name="IMG_0001.JPG")
        [path] = stored_files(root)
        stored = path.read_bytes()
        assert CAMERA.encode() not in stored
        assert b"Exif" not in stored
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert image.size == (64, 48)
            assert not image.getexif()
            assert "exif" not in image.info
        assert attachment.name == "IMG_0001.jpg"
        assert attachment.content_type == "image/jpeg"
        assert attachment.size == len(stored)

    def test_a_png_loses_its_text_chunks(self, root, member, internal):
        attach(member, internal, content=png_with_text(), name="flipchart.png")
        [path] = stored_files(root)
        assert b"Marker" not in path.read_bytes()
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert not image.text

    def test_an_image_that_is_not_one_of_its_kind_is_refused(self, root, member, internal):
        damaged = jpeg_with_gps()[:200]
        with pytest.raises(ValidationError, match="damaged or not an image"):
            attach(member, internal, content=damaged, name="photo.jpg")
        assert stored_files(root) == [] and not Attachment.objects.exists()

    def test_a_decompression_bomb_is_refused(self, root, member, internal, monkeypatch):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
        for size in [(40, 40), (100, 100)]:  # past the warning, past twice the limit
            with pytest.raises(ValidationError, match="too many pixels"):
                attach(member, internal, content=png_with_text(size), name="bomb.png")
        assert stored_files(root) == [] and not Attachment.objects.exists()

    @pytest.mark.parametrize(
        ("members", "first", "content_type", "extension"),
        [
            (["[Content_Types].xml", "word/document.xml"], None, attachments.DOCX, ".docx"),
            (["[Content_Types].xml", "xl/workbook.xml"], None, attachments.XLSX, ".xlsx"),
            (["[Content_Types].xml", "ppt/presentation.xml"], None, attachments.PPTX, ".pptx"),
            (
                ["content.xml"],
                ("mimetype", "application/vnd.oasis.opendocument.text"),
                attachments.ODT,
                ".odt",
            ),
        ],
        ids=["docx", "xlsx", "pptx", "odt"],
    )
    def test_office_documents_are_told_by_their_parts(
        self, member, internal, members, first, content_type, extension
    ):
        content = office_zip(*members, first=first)
        attachment = attach(member, internal, content=content, name="Attendance.bin")
        assert attachment.content_type == content_type.content_type
        assert attachment.name == "Attendance" + extension
        assert attachment.file.read() == content

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (office_zip("payload.exe", "readme.txt"), "not an office document"),
            (office_zip("[Content_Types].xml", "evil/thing.xml"), "not an office document"),
            (
                office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
                "macros are not accepted",
            ),
            (b"PK\x03\x04 a broken zip", "not an office document"),
            (attachments.OLE_SIGNATURE + b"\x00" * 600, "Old Office files"),
        ],
        ids=["plain-zip", "unknown-package", "macros", "broken-zip", "legacy-ole"],
    )
    def test_other_zips_and_old_office_files_are_refused(
        self, root, member, internal, content, message
    ):
        with pytest.raises(ValidationError, match=message):
            attach(member, internal, content=content, name="minutes.docx")
        assert stored_files(root) == [] and not Attachment.objects.exists()

    def test_over_the_size_limit_is_refused(self, root, settings, member, internal):
        settings.ATTACHMENT_MAX_BYTES = len(PDF) - 1
        with pytest.raises(ValidationError, match="files up to"):
            attach(member, internal)
        assert stored_files(root) == [] and not Attachment.objects.exists()
        settings.ATTACHMENT_MAX_BYTES = len(PDF)
        attach(member, internal)
        assert len(stored_files(root)) == 1

    def test_an_empty_file_is_refused(self, root, member, internal):
        with pytest.raises(ValidationError, match="empty"):
            attach(member, internal, content=b"")
        assert stored_files(root) == []


class TestSafeNames:
    @pytest.mark.parametrize(
        ("uploaded", "offered"),
        [
            ("../../etc/passwd", "passwd.pdf"),
            ("..\\..\\windows\\system32\\minutes.pdf", "minutes.pdf"),
            ("mi\x00nu\x1ftes\u202efdp.exe", "minutesfdp.pdf"),
            ("minutes\r\nContent-Type: text-html;.pdf", "minutesContent-Type_text-html.pdf"),
            ("report.pdf.exe", "report.pdf.pdf"),
            ("..", "attachment.pdf"),
            ("", "attachment.pdf"),
            ("Réunion à Mwanzo (final).PDF", "Réunion_à_Mwanzo_final.pdf"),
            ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        ],
    )
    def test_the_offered_name(self, member, internal, uploaded, offered):
        attachment = attach(member, internal, name=uploaded)
        assert attachment.name == offered
        assert len(attachment.name) <= attachments.NAME_MAX_LENGTH

    def test_the_extension_follows_the_content(self, member, internal):
        assert attach(member, internal, content=png_with_text(), name="scan.pdf").name == (
            "scan.png"
        )
        assert attach(member, internal, content=jpeg_with_gps(), name="a.jpeg").name == "a.jpeg"


class TestWhoMayAttach:
    def test_a_reviewer_is_refused(self, reviewer, internal, root):
        with pytest.raises(PermissionDenied):
            attach(reviewer, internal)
        assert stored_files(root) == [] and not Attachment.objects.exists()

    def test_an_uncleared_member_cannot_attach_to_a_restricted_engagement(
        self, member, restricted, root
    ):
        with pytest.raises(PermissionDenied):
            attach(member, restricted)
        assert stored_files(root) == []

    def test_nobody_acting_is_refused(self, internal, root):
        with pytest.raises(PermissionDenied):
            attach(None, internal)
        assert stored_files(root) == []

    def test_the_history_names_who_attached_it(self, member, internal):
        attachment = attach(member, internal)
        [record] = attachment.history.all()
        assert record.history_type == "+"
        assert record.history_user == member
        assert record.name == "minutes.pdf"


class TestUploadPage:
    def test_a_member_attaches_a_file(self, client, root, member, internal):
        client.force_login(member)
        response = client.post(
            add_url(internal),
            {
                "file": upload(jpeg_with_gps(), "IMG_0001.jpg"),
                "kind": "photo",
                "description": "Flip chart",
            },
        )
        assert response.status_code == 302
        assert response["Location"].startswith(internal.get_absolute_url())
        attachment = Attachment.objects.get()
        assert (attachment.engagement, attachment.kind, attachment.description) == (
            internal,
            "photo",
            "Flip chart",
        )
        assert attachment.history.get().history_user == member
        assert "IMG_0001.jpg was attached." in messages_of(response)
        [path] = stored_files(root)
        assert CAMERA.encode() not in path.read_bytes()
        page = client.get(internal.get_absolute_url())
        assert f'href="{download_url(attachment)}"' in page.content.decode()
        assert "Flip chart" in page.content.decode()

    def test_a_disguised_file_is_refused_on_the_page_keeping_what_was_typed(
        self, client, root, member, internal
    ):
        client.force_login(member)
        response = client.post(
            add_url(internal),
            {
                "file": upload(b"<html><script>alert(1)</script></html>", "minutes.pdf"),
                "kind": "minutes",
                "description": "Typed description 4f1",
            },
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "not accepted, whatever its name says" in body
        assert "Typed description 4f1" in body
        assert "nothing was stored" in body
        assert not Attachment.objects.exists()
        assert stored_files(root) == []

    def test_over_the_limit_is_refused_on_the_page(self, client, root, settings, member, internal):
        settings.ATTACHMENT_MAX_BYTES = 100
        client.force_login(member)
        response = client.post(add_url(internal), {"file": upload(PDF, "m.pdf"), "kind": "other"})
        assert response.status_code == 200
        assert "files up to 100\xa0bytes are accepted" in response.content.decode()
        assert not Attachment.objects.exists() and stored_files(root) == []

    def test_a_file_too_big_to_hold_in_memory_is_stored_too(
        self, client, root, settings, member, internal
    ):
        """Past FILE_UPLOAD_MAX_MEMORY_SIZE Django streams the upload to a temporary file,
        which the storage moves into place."""
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
        settings.FILE_UPLOAD_TEMP_DIR = str(root.parent)
        big = PDF + b"%" + b"0" * 4096 + b"\n"
        client.force_login(member)
        response = client.post(
            add_url(internal), {"file": upload(big, "big.pdf"), "kind": "other"}
        )
        assert response.status_code == 302
        [path] = stored_files(root)
        assert path.read_bytes() == big
        assert Attachment.objects.get().size == len(big)

    def test_without_a_file_the_form_says_so(self, client, member, internal):
        client.force_login(member)
        response = client.post(add_url(internal), {"kind": "other"})
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
        assert not Attachment.objects.exists()

    def test_a_reviewer_gets_403(self, client, root, reviewer, internal):
        client.force_login(reviewer)
        response = client.post(add_url(internal), {"file": upload(PDF, "m.pdf"), "kind": "other"})
        assert response.status_code == 403
        assert not Attachment.objects.exists() and stored_files(root) == []

    @pytest.mark.parametrize("who", ["outsider", "member"])
    def test_those_who_cannot_see_it_get_404(self, client, request, root, restricted, who):
        client.force_login(request.getfixturevalue(who))
        response = client.post(
            add_url(restricted), {"file": upload(PDF, "m.pdf"), "kind": "other"}
        )
        assert response.status_code == 404
        missing = client.post(add_url(MISSING), {"file": upload(PDF, "m.pdf"), "kind": "other"})
        assert missing.status_code == 404
        assert not Attachment.objects.exists() and stored_files(root) == []

    def test_get_is_405(self, client, member, internal):
        client.force_login(member)
        assert client.get(add_url(internal)).status_code == 405

    def test_anonymous_is_sent_to_log_in(self, client, internal):
        response = client.post(add_url(internal), {"kind": "other"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestDetailPage:
    def test_the_form_is_offered_to_those_who_may_attach(
        self, client, member, reviewer, minutes, internal
    ):
        client.force_login(member)
        body = client.get(internal.get_absolute_url()).content.decode()
        assert 'enctype="multipart/form-data"' in body
        assert f'action="{add_url(internal)}"' in body
        assert 'accept="' in body and "10.0\xa0MB" in body
        assert 'for="id_file"' in body
        assert "Minutes_March.pdf" in body
        client.force_login(reviewer)
        body = client.get(internal.get_absolute_url()).content.decode()
        assert "Minutes_March.pdf" in body  # read, not attach
        assert add_url(internal) not in body

    def test_query_count_stays_the_same_with_5_or_50_attachments(
        self, client, member, internal, django_assert_max_num_queries
    ):
        client.force_login(member)
        bound = None
        for count in (5, 50):
            while internal.attachments.count() < count:
                attach(member, internal, name=f"sheet-{internal.attachments.count()}.pdf")
            with django_assert_max_num_queries(bound or 60) as captured:
                response = client.get(internal.get_absolute_url())
            bound = bound or len(captured.captured_queries)
            assert response.content.decode().count(">sheet-") == count


class TestDownload:
    def test_a_member_downloads_it_as_an_attachment(self, client, member, minutes):
        client.force_login(member)
        response = client.get(download_url(minutes))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Minutes_March.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "default-src 'none'" in response["Content-Security-Policy"]

    def test_a_cleared_member_downloads_a_restricted_engagements_file(
        self, client, cleared_member, secret_minutes
    ):
        client.force_login(cleared_member)
        assert client.get(download_url(secret_minutes)).status_code == 200

    @pytest.mark.parametrize("who", ["outsider", "member"])
    def test_those_who_may_not_see_the_engagement_get_404(
        self, client, request, secret_minutes, who
    ):
        client.force_login(request.getfixturevalue(who))
        response = client.get(download_url(secret_minutes))
        assert response.status_code == 404
        assert b"monitor" not in response.content
        assert client.get(download_url(MISSING)).status_code == 404

    def test_an_outsider_gets_404_for_an_internal_one_too(self, client, outsider, minutes):
        client.force_login(outsider)
        assert client.get(download_url(minutes)).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client, minutes):
        response = client.get(download_url(minutes))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_a_file_gone_from_the_disk_is_404(self, client, member, minutes, root):
        for path in stored_files(root):
            path.unlink()
        client.force_login(member)
        assert client.get(download_url(minutes)).status_code == 404

    def test_post_is_405(self, client, member, minutes):
        client.force_login(member)
        assert client.post(download_url(minutes)).status_code == 405

    def test_the_selectors_scope_the_list(
        self, member, cleared_member, outsider, minutes, secret_minutes
    ):
        assert list(selectors.attachment_list(user=cleared_member)) == [minutes, secret_minutes]
        assert list(selectors.attachment_list(user=member)) == [minutes]
        assert list(selectors.attachment_list(user=outsider)) == []


class TestDeletion:
    def test_a_cleared_administrator_deletes_it_with_its_file(
        self, root, admin_member, minutes, django_capture_on_commit_callbacks
    ):
        assert len(stored_files(root)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            services.attachment_delete(actor=admin_member, attachment=minutes)
        assert not Attachment.objects.exists()
        assert stored_files(root) == []
        deleted = Attachment.history.get(history_type="-")
        assert deleted.history_user == admin_member
        assert deleted.name == "Minutes_March.pdf"

    @pytest.mark.parametrize("who", ["uncleared_admin", "member", "cleared_member"])
    def test_nobody_else_deletes_one(
        self, request, root, minutes, who, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
            services.attachment_delete(actor=request.getfixturevalue(who), attachment=minutes)
        assert Attachment.objects.filter(pk=minutes.pk).exists()
        assert len(stored_files(root)) == 1

    def test_deleting_the_engagement_removes_its_files_and_keeps_the_history(
        self, root, admin_member, minutes, internal, django_capture_on_commit_callbacks
    ):
        attach(admin_member, internal, content=png_with_text(), name="chart.png")
        with django_capture_on_commit_callbacks(execute=True):
            services.engagement_delete(actor=admin_member, engagement=internal)
        assert not Attachment.objects.exists()
        assert stored_files(root) == []
        deleted = Attachment.history.filter(history_type="-")
        assert {record.history_user for record in deleted} == {admin_member}
        assert deleted.count() == 2


class TestAdmin:
    def test_the_engagement_page_lists_its_attachments_read_only(
        self, client, admin_member, minutes, internal
    ):
        client.force_login(admin_member)
        response = client.get(reverse("admin:engagement_engagement_change", args=[internal.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert f'href="{download_url(minutes)}"' in body
        assert reverse("admin:engagement_attachment_delete", args=[minutes.pk]) in body
        assert 'name="attachments-0-description"' not in body
        assert 'type="file"' not in body

    def test_an_uncleared_admin_meets_a_restricted_engagements_attachment_nowhere(
        self, client, uncleared_admin, minutes, secret_minutes
    ):
        client.force_login(uncleared_admin)
        listing = client.get(reverse("admin:engagement_attachment_changelist"))
        assert listing.status_code == 200
        assert [row.pk for row in listing.context["cl"].result_list] == [minutes.pk]
        assert "monitor" not in listing.content.decode()
        searched = client.get(reverse("admin:engagement_attachment_changelist"), {"q": "monitor"})
        assert list(searched.context["cl"].result_list) == []
        for name in ("change", "delete", "history"):
            hidden = client.get(
                reverse(f"admin:engagement_attachment_{name}", args=[secret_minutes.pk])
            )
            missing = client.get(reverse(f"admin:engagement_attachment_{name}", args=[MISSING]))
            assert hidden.status_code == missing.status_code
            assert hidden.status_code in (302, 404)
        engagement = client.get(
            reverse("admin:engagement_engagement_change", args=[secret_minutes.engagement_id])
        )
        assert engagement.status_code in (302, 404)
        # An internal engagement's attachment: seen, but not deleted where uncleared.
        page = client.get(
            reverse("admin:engagement_engagement_change", args=[minutes.engagement_id])
        )
        assert download_url(minutes) in page.content.decode()
        assert reverse("admin:engagement_attachment_delete", args=[minutes.pk]) not in (
            page.content.decode()
        )
        refused = client.post(
            reverse("admin:engagement_attachment_delete", args=[minutes.pk]), {"post": "yes"}
        )
        assert refused.status_code == 403
        assert Attachment.objects.filter(pk=minutes.pk).exists()

    def test_an_admin_of_another_site_sees_none(self, client, other_site, minutes):
        far_admin = member_of(
            other_site, cleared=True, roles=["Administrator"], username="far", is_staff=True
        )
        client.force_login(far_admin)
        listing = client.get(reverse("admin:engagement_attachment_changelist"))
        assert list(listing.context["cl"].result_list) == []

    def test_the_admin_deletes_through_the_service(
        self, client, root, admin_member, minutes, django_capture_on_commit_callbacks
    ):
        client.force_login(admin_member)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:engagement_attachment_delete", args=[minutes.pk]),
                {"post": "yes"},
            )
        assert response.status_code == 302
        assert not Attachment.objects.exists() and stored_files(root) == []
        assert Attachment.history.get(history_type="-").history_user == admin_member

    def test_deleting_the_engagement_in_the_admin_still_works(
        self, client, root, admin_member, minutes, internal, django_capture_on_commit_callbacks
    ):
        client.force_login(admin_member)
        url = reverse("admin:engagement_engagement_delete", args=[internal.pk])
        confirm = client.get(url)
        assert confirm.status_code == 200
        assert "Attachments: 1" in confirm.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"post": "yes"})
        assert response.status_code == 302
        assert not Engagement.objects.filter(pk=internal.pk).exists()
        assert not Attachment.objects.exists() and stored_files(root) == []

    def test_changing_the_engagement_in_the_admin_keeps_its_attachments(
        self, client, admin_member, minutes, internal, council
    ):
        client.force_login(admin_member)
        url = reverse("admin:engagement_engagement_change", args=[internal.pk])
        form = client.get(url).context["adminform"].form
        data = {
            name: value
            for name, value in form.initial.items()
            if value is not None and name in form.fields
        }
        data.update(
            {
                "date": internal.date.isoformat(),
                "stakeholders": [council.pk],
                "objectives": [],
                "participants": [],
                "summary": "Changed in the admin",
                "commitments-TOTAL_FORMS": "0",
                "commitments-INITIAL_FORMS": "0",
                "concerns-TOTAL_FORMS": "0",
                "concerns-INITIAL_FORMS": "0",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        internal.refresh_from_db()
        assert internal.summary == "Changed in the admin"
        assert internal.attachments.get() == minutes


class TestSettings:
    def test_files_go_where_the_settings_say_and_the_default_is_git_ignored(self, root):
        assert attachments.attachment_storage().location == str(root)
        with pytest.raises(ValueError, match="no public URL"):
            attachments.attachment_storage().url("2025/01/0123")
        shown = manage("diffsettings", DEBUG="1")
        assert shown.returncode == 0, shown.stderr
        default = BASE_DIR / "var" / "attachments"
        assert f"ATTACHMENTS_ROOT = {default!r}" in shown.stdout
        assert "var/" in (BASE_DIR / ".gitignore").read_text().splitlines()

    def test_attachments_inside_a_served_folder_stop_start_up(self, tmp_path):
        static_root = tmp_path / "static"
        result = manage(
            "check",
            **PRODUCTION,
            STATIC_ROOT=str(static_root),
            ATTACHMENTS_ROOT=str(static_root / "attachments"),
        )
        assert result.returncode != 0
        assert "ATTACHMENTS_ROOT=" in result.stderr
        assert "served to anyone" in result.stderr

    def test_the_size_limit_comes_from_the_environment(self, tmp_path):
        shown = manage("diffsettings", DEBUG="1", ATTACHMENT_MAX_MB="3")
        assert shown.returncode == 0, shown.stderr
        assert "ATTACHMENT_MAX_BYTES = 3145728" in shown.stdout
        assert manage("check", DEBUG="1", ATTACHMENT_MAX_MB="0").returncode != 0
        refused = manage("check", DEBUG="1", ATTACHMENT_MAX_MB="ten")
        assert "ATTACHMENT_MAX_MB='ten' is not a whole number" in refused.stderr
