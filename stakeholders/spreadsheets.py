"""Spreadsheet helpers shared by every CSV/XLSX import and export (the registry today, the
engagements later): formula escaping, readable headers, yes/no cells and the signed name
of an import preview's file.
"""

import os
import re
from uuid import uuid4

from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.forms import ConfirmImportForm
from import_export.tmp_storages import BaseStorage

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (OWASP, "CSV injection"); a leading single quote makes it plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """A text cell that a spreadsheet would run as a formula, made plain text with a
    leading `'`. Anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo `escape_formula`, so an exported file imports unchanged. Reading a file turns
    a carriage return into a line feed, so a quote before a line feed goes too."""
    if (
        isinstance(value, str)
        and value[:1] == "'"
        and value[1:].startswith((*FORMULA_TRIGGERS, "\n"))
    ):
        return value[1:]
    return value


def header_key(header):
    """A header as compared on import: case, surrounding spaces and `_` do not matter."""
    return re.sub(r"[\s_]+", " ", str(header if header is not None else "")).strip().casefold()


def prepare_dataset(dataset, headers):
    """Normalise an imported dataset in place, once, before its rows are read: each header
    that names a column (by its readable header or its field name, see `header_key`)
    becomes the field name, and escaped formula cells lose their `'`.

    `headers` maps field names to readable headers."""
    known = {}
    for name, label in headers.items():
        known[header_key(name)] = name
        known[header_key(label)] = name
    if dataset.headers:
        dataset.headers = [known.get(header_key(header), header) for header in dataset.headers]
    for index in range(len(dataset)):
        dataset[index] = [unescape_formula(cell) for cell in dataset[index]]


class YesNoWidget(widgets.BooleanWidget):
    """A yes/no cell: 1/0, yes/no or true/false in any case. An empty cell is None (the
    field then keeps its value, the model's default on a new row); any other word is an
    error on its row, never a silent "no"."""

    WORDS = {"1": True, "yes": True, "true": True, "0": False, "no": False, "false": False}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        word = str(value if value is not None else "").strip().casefold()
        if not word:
            return None
        if word not in self.WORDS:
            raise ValueError(
                _("“%(value)s” is not a yes/no value. Use 1 or 0, yes or no, true or false.")
                % {"value": value}
            )
        return self.WORDS[word]


# The name of an import preview's stored file goes to the browser and comes back with
# the confirmation, signed for the user who uploaded it.
PREVIEW_SALT = "stakeholders.spreadsheets.import-preview"


def _preview_signer(user):
    return signing.Signer(salt=f"{PREVIEW_SALT}:{user.pk}")


def sign_preview_name(name, *, user):
    return _preview_signer(user).sign(os.path.basename(name))


def unsign_preview_name(value, *, user):
    """The file name signed by `sign_preview_name` for this user; ValidationError for
    another user's name, a forged or altered one, or anything but a bare file name."""
    refused = ValidationError(
        gettext_lazy(
            "This import preview cannot be confirmed: it is not one you uploaded, or it was "
            "altered. Upload the file again."
        ),
        code="invalid",
    )
    if user is None or user.pk is None:
        raise refused
    try:
        name = _preview_signer(user).unsign(value or "")
    except signing.BadSignature:
        raise refused from None
    if not name or name in (".", "..") or name != os.path.basename(name) or "\\" in name:
        raise refused
    return name


class SharedPreviewStorage(BaseStorage):
    """The uploaded file of an import preview, kept until the preview is confirmed, in the
    database (the `import_previews` cache) rather than in one app server's temporary
    folder: behind a load balancer the confirmation may reach another server than the
    upload did. An unconfirmed preview expires after PREVIEW_HOURS; a missing one raises
    FileNotFoundError, as a missing temporary file did (the admin then says it has gone)."""

    CACHE = "import_previews"
    PREVIEW_HOURS = 24

    def key(self):
        return f"preview:{self.name}"

    def save(self, data):
        if not self.name:
            self.name = uuid4().hex
        self.purge_expired()
        caches[self.CACHE].set(self.key(), data, self.PREVIEW_HOURS * 60 * 60)

    def read(self):
        data = caches[self.CACHE].get(self.key())
        if data is None:
            raise FileNotFoundError(self.name)
        return data

    def remove(self):
        caches[self.CACHE].delete(self.key())

    @classmethod
    def purge_expired(cls):
        """Delete the previews past their time, which the cache itself deletes only when
        it is full: an upload nobody confirmed (a file with errors, a page left) is not
        kept a day longer than a preview may wait."""
        cache = caches[cls.CACHE]
        connection = connections[router.db_for_write(cache.cache_model_class)]
        table = connection.ops.quote_name(cache._table)
        with connection.cursor() as cursor:
            # The table's name is the cache's own setting, quoted; nothing comes from a user.
            cursor.execute(
                f"DELETE FROM {table} WHERE expires < %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))],
            )


class SignedConfirmImportForm(ConfirmImportForm):
    """The confirm step of an import, answering only to the user whose preview it was:
    the file name is signed when the form is shown and checked when it comes back, before
    the library reads (and deletes) the file."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if self.initial.get("import_file_name"):
            self.initial["import_file_name"] = sign_preview_name(
                self.initial["import_file_name"], user=user
            )

    def clean_import_file_name(self):
        return unsign_preview_name(self.cleaned_data["import_file_name"], user=self.user)
