"""Change history: who changed what, when, from what to what (django-simple-history).

Services say who acts and why (`recorded`), the library writes the rows. Reading the
history back goes through `entries`, which turns records into the changes a person reads
and redacts the fields a viewer may not see.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from stakeholders import redaction

# Bookkeeping columns every record carries; a change of these alone is not news.
UNTRACKED = {"created_at", "updated_at"}


class AuditedHistory(HistoricalRecords):
    """HistoricalRecords that a service can drive: `recorded` writes one entry for a change
    spanning a row and its many-to-many fields, and a save that touched only fields the
    history leaves out (a user's last login, a password) writes none."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if self.cls is sender:
            sender._audited_history = self

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= set(self.excluded_fields) | UNTRACKED:
            return
        super().post_save(instance, created, using=using, **kwargs)


@contextmanager
def recorded(instance, *, actor, reason="", created=False):
    """Inside the block, saves and many-to-many changes of `instance` write no history;
    leaving it writes one entry with the final state, by `actor`, for `reason`."""
    instance.skip_history_when_saving = True
    try:
        yield instance
    finally:
        del instance.skip_history_when_saving
    instance._history_user = actor
    instance._change_reason = reason[:100] if reason else None
    type(instance)._audited_history.create_historical_record(instance, "+" if created else "~")


def stamp(instance, *, actor, reason=""):
    """Say who makes the next plain save or delete of `instance`, and why."""
    instance._history_user = actor
    instance._change_reason = reason[:100] if reason else None
    return instance


PROTECTED = redaction.PROTECTED
NOT_SHOWN = gettext_lazy("(not shown)")
UNKNOWN = gettext_lazy("(unknown)")
RESTRICTED_THEN = gettext_lazy("Restricted at the time: its content is not shown.")


@dataclass
class Change:
    label: str
    old: object
    new: object


def person(user, *, shown):
    """How a history names the user who acted: their name, "(not shown)" for another
    site's staff, "(unknown)" where none was recorded."""
    if user is None:
        return UNKNOWN
    if not shown:
        return NOT_SHOWN
    return user.get_full_name() or user.get_username()


@dataclass
class Entry:
    date: object
    who: str
    action_code: str
    action: str
    reason: str
    subject: str = ""
    changes: list = field(default_factory=list)


ACTIONS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}


def _shown(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def entries(
    records,
    *,
    redacted=(),
    redacted_for=None,
    subject=None,
    named=None,
    excluded=(),
    hide_reasons=False,
    sealed=None,
    per_object=False,
):
    """Readable entries for historical `records` of one object, newest first.

    `records` is ordered newest first; each is compared with the next one in the list, so
    pass one more record than is shown (the extra one is only compared against). With
    `per_object`, the records may be of several objects of one model, each compared with the
    next one of the same object (all the names read in one query a model). Fields in
    `redacted` show "Protected" instead of their values, and so do those that
    `redacted_for(record)` names for the entry of `record`; that entry shows the previous
    record's values too, so decide per object, not per record (a plan line that ever named
    a hidden stakeholder has its note protected in every entry). `subject(record)` names
    what the entry is about (a contact, say). `named` maps a related model to the queryset of rows
    whose names this viewer may read; other related rows show as "not shown", so a history
    never names another site or a hidden stakeholder. The user who acted is named only if
    `named` lets this viewer read them (pass the user model's queryset; without it, nobody
    is named). `hide_reasons` shows a reason given as "Protected". A change of nothing
    tracked (a password) is listed when it gives a reason. `sealed(record)` says a record
    was written while the viewer could not have read it (restricted at the time): its entry
    shows only when and that it changed, and the next entry does not show what it was.
    """
    records = list(records)
    named = named or {}
    _prefetch_m2m(records)
    names = _names(records, named)
    User = get_user_model()

    def entry(record, *, reason, changes=()):
        return Entry(
            date=record.history_date,
            who=person(record.history_user, shown=(User, record.history_user_id) in names),
            action_code=record.history_type,
            action=ACTIONS[record.history_type],
            reason=reason,
            subject=subject(record) if subject else "",
            changes=list(changes),
        )

    older = {}
    if per_object:
        last_seen = {}
        for index in reversed(range(len(records))):
            key = getattr(records[index], records[index].instance_type._meta.pk.attname)
            older[index] = last_seen.get(key)
            last_seen[key] = index
    else:
        older = {index: index + 1 for index in range(len(records) - 1)}

    result = []
    for index, record in enumerate(records):
        previous = records[older[index]] if older.get(index) is not None else None
        if sealed and (sealed(record) or (previous is not None and sealed(previous))):
            result.append(entry(record, reason=RESTRICTED_THEN))
            continue
        changes = []
        model = record.instance_type
        hidden = (*redacted, *redacted_for(record)) if redacted_for else redacted
        for model_field in _tracked_fields(record):
            name = model_field.name
            if name in excluded:
                continue
            new = _value(record, model_field, names)
            if previous is not None:
                old = _value(previous, model_field, names)
                if old == new:
                    continue
            elif record.history_type != "+":
                continue
            else:
                old = None
                if new in (None, "", [], False) and record.history_type == "+":
                    continue
            if name in hidden:
                old_shown = PROTECTED if old not in (None, "") else "—"
                new_shown = PROTECTED if new not in (None, "") else "—"
            else:
                old_shown, new_shown = _shown(old), _shown(new)
            label = capfirst(model._meta.get_field(name).verbose_name)
            changes.append(Change(label=label, old=old_shown, new=new_shown))
        if record.history_type == "~" and not changes and not record.history_change_reason:
            continue
        reason = record.history_change_reason or ""
        shown_reason = PROTECTED if hide_reasons and reason else reason
        result.append(entry(record, reason=shown_reason, changes=changes))
    return result


def _names(records, named):
    """{(model, pk): name} for the related rows the records mention, one query a model."""
    wanted = {}
    for record in records:
        for model_field in _tracked_fields(record):
            if not model_field.is_relation:
                continue
            ids = wanted.setdefault(model_field.related_model, set())
            if model_field.many_to_many:
                ids.update(_m2m_ids(record, model_field))
            elif getattr(record, model_field.attname) is not None:
                ids.add(getattr(record, model_field.attname))
    User = get_user_model()
    if User in named:
        wanted.setdefault(User, set()).update(
            record.history_user_id for record in records if record.history_user_id
        )
    names = {}
    for model, ids in wanted.items():
        queryset = named.get(model, model._default_manager.none())
        for row in queryset.filter(pk__in=ids):
            # People by their name, as everywhere else in the app.
            names[(model, row.pk)] = person(row, shown=True) if model is User else str(row)
    return names


def _prefetch_m2m(records):
    """Read the many-to-many rows of all the records in one query a field."""
    if not records:
        return
    history_model = type(records[0])
    for model_field in getattr(history_model, "_history_m2m_fields", []):
        m2m_model = getattr(history_model, model_field.name).model
        column = f"{model_field.m2m_reverse_field_name()}_id"
        rows = m2m_model.objects.filter(history__in=records).values_list("history_id", column)
        by_record = {}
        for history_id, target_id in rows:
            by_record.setdefault(history_id, []).append(target_id)
        for record in records:
            record.__dict__.setdefault("_m2m_ids", {})[model_field.name] = sorted(
                by_record.get(record.pk, [])
            )


def _m2m_ids(record, model_field):
    return record.__dict__.get("_m2m_ids", {}).get(model_field.name, [])


def _tracked_fields(record):
    model = record.instance_type
    tracked = {f.name for f in record.__class__.tracked_fields}
    m2m = list(getattr(type(record), "_history_m2m_fields", []))
    concrete = [
        model._meta.get_field(name)
        for name in tracked
        if name not in UNTRACKED and name != model._meta.pk.name
    ]
    concrete.sort(key=lambda f: f.creation_counter)
    return concrete + m2m


def _value(record, model_field, names):
    if model_field.many_to_many:
        target = model_field.related_model
        # Targets this viewer may not read are left out, not counted: "(not shown)" would
        # tell that a stakeholder is shared with another site, and with how many.
        shown = [
            names[(target, pk)] for pk in _m2m_ids(record, model_field) if (target, pk) in names
        ]
        return ", ".join(str(name) for name in shown) or None
    if model_field.is_relation:
        pk = getattr(record, model_field.attname)
        if pk is None:
            return None
        return str(names.get((model_field.related_model, pk), NOT_SHOWN))
    value = getattr(record, model_field.attname)
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    return value
