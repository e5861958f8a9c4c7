from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """For the load balancer: answers 200 when this app server can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def locked_out(request, original_response, credentials):
    """What a login refused for too many failures answers (django-axes calls it): 429, and
    how long to wait. It does not say whether the account exists."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


@login_not_required
@cache_control(public=True, max_age=60 * 60 * 24)
@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on their own; send them to the SVG every page links."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def admin_view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" link, in place of Django's contenttypes shortcut, which
    answers a redirect for any existing record and a 404 for a missing one, and so tells
    anyone with an id whether another site's record exists.

    The record is looked up through its ModelAdmin's own queryset, already scoped to the
    user's sites and clearance, and must be one the user may view or change; anything else
    (another site's, hidden, missing, unregistered, a malformed or out-of-range id) gets
    one and the same 404. Wrapped in `admin.site.admin_view` in urls.py: staff only.
    """
    try:
        content_type = ContentType.objects.get_for_id(int(content_type_id))
    except (ValueError, ContentType.DoesNotExist):
        raise Http404 from None
    model_admin = admin.site._registry.get(content_type.model_class())
    if model_admin is None or not model_admin.view_on_site:
        raise Http404
    obj = model_admin.get_object(request, object_id)
    if (
        obj is None
        or not hasattr(obj, "get_absolute_url")
        or not model_admin.has_view_or_change_permission(request, obj)
    ):
        raise Http404
    return HttpResponseRedirect(obj.get_absolute_url())
