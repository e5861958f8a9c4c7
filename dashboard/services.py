"""Writes for the dashboard: remembering the site a user chose."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dashboard.models import DashboardChoice
from dashboard.selectors import dashboard_site_list
from stakeholders.services import require_actor


@transaction.atomic
def dashboard_site_choose(*, user, site):
    """Remember `site` as the one the user's dashboard shows, across sessions. Only one of
    the user's own sites (any for a superuser) may be chosen. A preference, not a record:
    no history is kept of it."""
    require_actor(user)
    if not dashboard_site_list(user=user).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You are not a member of this site."))
    choice, _created = DashboardChoice.objects.update_or_create(user=user, defaults={"site": site})
    return choice
