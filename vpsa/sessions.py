"""Sessions that end after a while without activity, and after a working day at most,
without losing a form being typed: `static/js/session.js` keeps the session alive while a
form is being filled in (`keepalive`), and when it has ended all the same, keeps the page
as it is until the user has logged in again in another tab (see the README's "Sessions").
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

LAST_SEEN = "vpsa_last_seen"
STARTED = "vpsa_started"


class IdleSessionMiddleware:
    """Ends a session idle for SESSION_IDLE_MINUTES, or older than SESSION_COOKIE_AGE,
    before the view runs: the user is logged out (LoginRequiredMiddleware, after this, then
    sends them to the login page, with where they were going) and told why. A request in
    time counts as activity, written at most every SESSION_KEEPALIVE_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = int(time.time())
        started = session.get(STARTED)
        last_seen = session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
            self.end(
                request,
                _("Your session ended after %(minutes)d minutes without activity.")
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
        elif started is not None and now - started > settings.SESSION_COOKIE_AGE:
            self.end(
                request,
                _("Your session ended: sessions last %(hours)g hours at most.")
                % {"hours": settings.SESSION_COOKIE_AGE / 3600},
            )
        else:
            if started is None:
                session[STARTED] = now
            if last_seen is None or now - last_seen >= settings.SESSION_KEEPALIVE_SECONDS:
                session[LAST_SEEN] = now

    def end(self, request, message):
        logout(request)
        messages.info(request, _("%(why)s Log in again to go on.") % {"why": message})


def start(sender, request, user, **kwargs):
    """At login: the session's start and first activity, written with the login itself
    (so a session's first pages write nothing more)."""
    now = int(time.time())
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now


@login_not_required
@never_cache
@require_safe
def keepalive(request):
    """Asked by `session.js` while a form is being typed in: 204 while the session lasts
    (the middleware has counted the request as activity), with a fresh CSRF token for the
    page's forms (a login in another tab changes it); 401 once it has ended."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    response = HttpResponse(status=204)
    response["X-CSRF-Token"] = get_token(request)
    return response


def session_settings(request):
    """For the templates: what `session.js` needs to know."""
    return {
        "session_keepalive": {
            "url": reverse("keepalive"),
            "login_url": reverse("login"),
            "ping_seconds": settings.SESSION_KEEPALIVE_SECONDS,
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
        }
    }
