"""What an uploaded attachment is, told from its content, and how it is stored.

The type is read from the bytes, never from the file's name or the browser's content
type: a web page or a program named `minutes.pdf` is refused. Accepted are PDF, PNG,
JPEG and WebP images, and office documents (Word, Excel and PowerPoint as .docx, .xlsx,
.pptx; OpenDocument text, spreadsheets and presentations). Images are decoded and saved
again as a new image, so no location, camera or other metadata (EXIF, XMP, ICC profile,
PNG text chunks) survives. Files are stored under a random name in the "attachments"
storage (`settings.STORAGES`), which no URL serves: `engagement.views.attachments`
serves them, to those who may see their engagement.

Nothing here touches the database; `engagement.services.attachment_create` applies these
checks and writes the row.
"""

import io
import posixpath
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, storages
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

STORAGE_ALIAS = "attachments"

# Longest file name kept (the extension included); longer ones are shortened.
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple  # the first is the one given when the name has none of these
    label: str


PDF = FileType("application/pdf", (".pdf",), "PDF")
PNG = FileType("image/png", (".png",), "PNG")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), "JPEG")
WEBP = FileType("image/webp", (".webp",), "WebP")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    "Word",
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel"
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    "PowerPoint",
)
ODT = FileType("application/vnd.oasis.opendocument.text", (".odt",), "OpenDocument text")
ODS = FileType(
    "application/vnd.oasis.opendocument.spreadsheet", (".ods",), "OpenDocument spreadsheet"
)
ODP = FileType(
    "application/vnd.oasis.opendocument.presentation", (".odp",), "OpenDocument presentation"
)

IMAGES = {"PNG": PNG, "JPEG": JPEG, "WEBP": WEBP}
OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
OPENDOCUMENT = {file_type.content_type: file_type for file_type in (ODT, ODS, ODP)}
ACCEPTED = (PDF, PNG, JPEG, WEBP, DOCX, XLSX, PPTX, ODT, ODS, ODP)

# The `accept` hint of the upload field: browsers offer these first; the server decides.
ACCEPT = ",".join(
    [ext for file_type in ACCEPTED for ext in file_type.extensions]
    + [file_type.content_type for file_type in ACCEPTED]
)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# An office document has a few hundred parts at most; a zip with more is not one.
ZIP_MAX_MEMBERS = 5000


def accepted_types_text():
    return _(
        "PDF, images (PNG, JPEG, WebP) and office documents (Word, Excel, PowerPoint, "
        "OpenDocument)"
    )


def refused(message):
    return ValidationError({"file": message}, code="invalid")


@dataclass
class CheckedFile:
    """An upload that passed the checks: its type, and the content to store (the upload
    itself, or an image saved again without its metadata)."""

    file_type: FileType
    content: File
    size: int


def check(upload, *, max_bytes) -> CheckedFile:
    """The upload's type by its content, within `max_bytes`; a ValidationError (on
    "file") with a message saying why otherwise. Images come back saved again without
    metadata."""
    size = upload.size
    if size is None:
        raise refused(_("The file could not be read."))
    if size == 0:
        raise refused(_("The file is empty."))
    if size > max_bytes:
        raise refused(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return CheckedFile(PDF, upload, size)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        file_type, content = clean_image(upload)
        return CheckedFile(file_type, content, content.size)
    if head.startswith(ZIP_SIGNATURE):
        return CheckedFile(office_document(upload), upload, size)
    if head.startswith(OLE_SIGNATURE):
        raise refused(
            _(
                "Old Office files (.doc, .xls, .ppt) are not accepted: save it as .docx, "
                ".xlsx, .pptx or PDF and upload that."
            )
        )
    raise refused(
        _("This kind of file is not accepted, whatever its name says. Accepted: %(types)s.")
        % {"types": accepted_types_text()}
    )


def office_document(upload) -> FileType:
    """The type of an office document: a zip holding an Office Open XML package (Word,
    Excel, PowerPoint) or an OpenDocument. Only the zip's directory is read, nothing is
    unpacked (but OpenDocument's few-byte `mimetype`), so a zip bomb costs nothing."""
    not_a_document = refused(
        _("This zip file is not an office document. Accepted: %(types)s.")
        % {"types": accepted_types_text()}
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise not_a_document
            names = [member.filename for member in members]
            if any(posixpath.basename(name).lower() == "vbaproject.bin" for name in names):
                raise refused(
                    _(
                        "Documents with macros are not accepted: save it without macros "
                        "(.docx, .xlsx, .pptx) or as PDF."
                    )
                )
            if "[Content_Types].xml" in names:
                for prefix, file_type in OOXML_PARTS.items():
                    if any(name.startswith(prefix) for name in names):
                        return file_type
                raise not_a_document
            first = members[0] if members else None
            if first is not None and first.filename == "mimetype" and first.file_size <= 100:
                mimetype = archive.read(first).decode("ascii", "replace").strip()
                if mimetype in OPENDOCUMENT:
                    return OPENDOCUMENT[mimetype]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise not_a_document from None
    finally:
        upload.seek(0)
    raise not_a_document


def clean_image(upload) -> tuple[FileType, ContentFile]:
    """Decode the image and save it again as a new image of its own type: its pixels only,
    turned upright as its EXIF orientation said, with no EXIF (location, camera), XMP, ICC
    profile or text chunks. A damaged image, or one of more pixels than Pillow's
    `Image.MAX_IMAGE_PIXELS` (a decompression bomb), is refused."""
    damaged = refused(_("The image is damaged or not an image this site accepts."))
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; twice that, it raises. Both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(IMAGES)) as probe:
                file_type = IMAGES.get(probe.format)
                if file_type is None:
                    raise damaged
                probe.verify()
            upload.seek(0)
            with Image.open(upload, formats=[probe.format]) as image:
                if getattr(image, "n_frames", 1) > 1:
                    raise refused(_("Animated images are not accepted."))
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _plain(upright, file_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused(
            _("The image has too many pixels (at most %(pixels)s are accepted).")
            % {"pixels": f"{Image.MAX_IMAGE_PIXELS:,}"}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise damaged from None
    finally:
        upload.seek(0)
    out = io.BytesIO()
    if file_type is JPEG:
        pixels.save(out, "JPEG", quality=90, optimize=True)
    elif file_type is PNG:
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "WEBP", quality=90)
    return file_type, ContentFile(out.getvalue())


def _plain(image, file_type):
    """A new image holding only the pixels of `image` (no `info`, so nothing of the
    original's metadata can be carried into the saved file)."""
    modes = {"L", "RGB"} if file_type is JPEG else {"L", "LA", "RGB", "RGBA"}
    if image.mode not in modes:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha and file_type is not JPEG else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def safe_name(name, file_type) -> str:
    """The name the file is offered under when downloaded: no folders, no control
    characters, only letters, digits, `-`, `_` and `.`, at most NAME_MAX_LENGTH characters,
    with an extension matching its detected type (the name's own if it is one of the
    type's, e.g. `.jpeg`)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = "." + extension.lower()
    if extension not in file_type.extensions:
        extension = file_type.extensions[0]
    stem = stem.strip().lstrip(".")
    try:
        stem = get_valid_filename(stem)
    except SuspiciousFileOperation:
        stem = ""
    stem = stem.strip("._-")[: NAME_MAX_LENGTH - len(extension)].rstrip("._-")
    return (stem or "attachment") + extension


def stored_name(instance, filename):
    """Where a file is stored within the attachments storage: a random name (no trace of
    the uploaded name or type), in a folder per month of upload."""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage whose files have no URL: the only way out is the download view,
    which checks who asks (`Attachment.get_absolute_url`)."""

    def url(self, name):
        raise ValueError(
            "Attachments have no public URL; link to Attachment.get_absolute_url, the "
            "access-checked download."
        )


class AttachmentStorage(LazyObject):
    """The "attachments" storage of `settings.STORAGES`, looked up at each use, so a
    changed STORAGES (a test's temporary folder) takes effect at once."""

    @property
    def _wrapped(self):
        return storages[STORAGE_ALIAS]

    @_wrapped.setter
    def _wrapped(self, value):
        pass  # nothing cached: see the property

    def _setup(self):
        pass


attachment_storage_instance = AttachmentStorage()


def attachment_storage():
    """The storage of `Attachment.file` (a callable, so migrations name it, not a path)."""
    return attachment_storage_instance
