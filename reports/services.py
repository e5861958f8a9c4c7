"""The one write path of the reports: the lessons learned of a site and period."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reports import selectors
from reports.models import LessonsLearned
from stakeholders.history import stamp
from stakeholders.services import require_actor


@transaction.atomic
def lessons_save(*, actor, site, start, end, text) -> LessonsLearned:
    """Write (or rewrite) the lessons learned of the site and period. Only those whose
    role may change them, at one of their sites; the history keeps every version."""
    require_actor(actor, "reports.change_lessonslearned")
    if not selectors.can_write_lessons(user=actor, site=site):
        raise PermissionDenied(_("You may not write the lessons learned of this site."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the lessons learned, or leave the page.")})
    lessons = (
        LessonsLearned.objects.select_for_update()
        .filter(site=site, starts_on=start, ends_on=end)
        .first()
    )
    if lessons is None:
        lessons = LessonsLearned(site=site, starts_on=start, ends_on=end, created_by=actor)
    elif lessons.text == text:
        return lessons
    lessons.text = text
    lessons.updated_by = actor
    lessons.full_clean()
    stamp(lessons, actor=actor).save()
    return lessons
