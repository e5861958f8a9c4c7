"""Attachments of an engagement: upload (POST only, on the engagement's page) and the one
way a stored file leaves the server, a download checked against the engagement's access
rules."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from engagement import selectors, services
from engagement.forms import AttachmentForm
from stakeholders.forms import add_service_errors

logger = logging.getLogger(__name__)


@require_POST
def attachment_add(request, pk):
    """Attach a file to an engagement. One the user may not see answers 404; one they may
    see but not change, 403. A refused file (its type, its size) shows the form again with
    the reason and what was typed; nothing is stored."""
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    if not selectors.can_add_attachment(user=request.user, engagement=engagement):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_create(
                actor=request.user,
                engagement=engagement,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was attached.") % {"name": attachment.name})
            return redirect(engagement.get_absolute_url() + "#attachments-heading")
    return render(
        request,
        "engagement/attachment_form.html",
        {"page": "engagements", "engagement": engagement, "form": form},
    )


@require_safe
def attachment_download(request, pk):
    """The stored file, as a download under its safe name and with its detected type, to
    those who may see its engagement (404 for anyone else, as for a missing one). The
    headers keep a browser from running or sniffing it, and any cache from keeping it."""
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s: its file %s is missing.", attachment.pk, attachment.file.name)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
