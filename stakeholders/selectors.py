"""Reads: what may this user see. Every page, export, count and admin path goes through here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Lower, RowNumber
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from stakeholders import history, redaction
from stakeholders.mapping import MapCell, StakeholderMap
from stakeholders.models import (
    RATING_MAX,
    RATING_MIN,
    Assessment,
    Contact,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
    VulnerableGroup,
    is_community,
)

# An id is at most this many digits: a longer one cannot be a row, and would overflow.
MAX_ID_DIGITS = 18


def parse_id(value):
    """The id a query-string value names, as an int; None when it names none: not a
    string, empty, anything but ASCII digits (a sign, a space, "²"), or more than
    MAX_ID_DIGITS digits. Whether the user may see that row is for the selectors."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    if len(value) > MAX_ID_DIGITS:
        return None
    return int(value)


def site_list(*, user):
    """The sites the user belongs to (every site for a superuser), by name (then id, so
    that two sites of one name keep their order): site pickers, the dashboard's and the
    report's sites and the perceptions page's default site all read this order."""
    if user.is_superuser:
        sites = Site.objects.all()
    else:
        sites = Site.objects.filter(memberships__user=user)
    return sites.order_by("name", "pk")


def stakeholder_base(*, user):
    """Stakeholders of the user's sites, annotated with whether their identity may be shown,
    with the sites shown limited to the user's own."""
    return (
        Stakeholder.objects.visible_to(user)
        .with_identity_visibility(user)
        .select_related("category", "lead_function")
        .prefetch_related(Prefetch("sites", queryset=site_list(user=user)))
    )


def stakeholder_list(
    *,
    user,
    search="",
    category=None,
    site=None,
    lead_function=None,
    kind="",
    at_risk=None,
    active=None,
    vulnerable_group=None,
    influence=None,
    interest=None,
):
    """The registry as this user may see it, filtered and ordered.

    Search matches identity fields (name, location, notes, contacts) only on stakeholders
    whose identity the user may see, and hidden stakeholders sort after the others by
    number, so neither a search hit nor a position in the list gives a hidden name away.
    `site` narrows it to one of the user's sites: another site's gives nothing.
    """
    stakeholders = stakeholder_base(user=user)
    if category is not None:
        stakeholders = stakeholders.filter(category=category)
    if site is not None:
        at_site = Stakeholder.sites.through.objects.filter(stakeholder=OuterRef("pk"), site=site)
        if not user.is_superuser:
            # Another site's number answers nothing, not even the stakeholders it shares
            # with the user's own sites: which sites exist and share whom is not theirs.
            at_site = at_site.filter(site__in=SiteMembership.objects.site_ids(user))
        stakeholders = stakeholders.filter(Exists(at_site))
    if lead_function is not None:
        stakeholders = stakeholders.filter(lead_function=lead_function)
    if kind:
        stakeholders = stakeholders.filter(kind=kind)
    if at_risk is not None:
        stakeholders = stakeholders.filter(at_risk=at_risk)
    if active is not None:
        stakeholders = stakeholders.filter(active=active)
    if vulnerable_group is not None:
        stakeholders = stakeholders.filter(
            Exists(
                Stakeholder.vulnerable_groups.through.objects.filter(
                    stakeholder=OuterRef("pk"), vulnerablegroup=vulnerable_group
                )
            )
        )
    if influence is not None:
        stakeholders = stakeholders.filter(influence=influence)
    if interest is not None:
        stakeholders = stakeholders.filter(interest=interest)
    if search:
        contact_match = Exists(
            Contact.objects.filter(stakeholder=OuterRef("pk")).filter(
                Q(name__icontains=search) | Q(role__icontains=search)
            )
        )
        identity_match = (
            Q(name__icontains=search)
            | Q(location__icontains=search)
            | Q(notes__icontains=search)
            | contact_match
        )
        stakeholders = stakeholders.filter(Q(identity_visible=True) & identity_match)
    return stakeholders.annotate(
        sort_name=Case(When(identity_visible=True, then=Lower("name")), default=Value(""))
    ).order_by(F("identity_visible").desc(), "sort_name", "pk")


# How many stakeholders a search-as-you-type lookup answers with at most.
LOOKUP_LIMIT = 20


def stakeholder_lookup(*, user, search="", communities=False, site=None):
    """The first stakeholders of the registry, as `stakeholder_list` orders and searches it
    (a hidden identity is never matched by a search, only listed by its placeholder), for
    the list filters' search-as-you-type; only local communities with `communities`, only
    one of the user's sites' with `site` (another site's, nothing)."""
    stakeholders = stakeholder_list(user=user, search=search, site=site)
    if communities:
        stakeholders = stakeholders.filter(is_community())
    return stakeholders.prefetch_related(None)[:LOOKUP_LIMIT]


def stakeholder_get(*, user, pk):
    """One stakeholder the user may see, or 404 (never 403: another site's records do not
    exist for this user)."""
    return get_object_or_404(stakeholder_base(user=user), pk=pk)


def stakeholder_page_get(*, user, pk):
    """`stakeholder_get` for the stakeholder's own page: with its contacts and vulnerable
    groups read (none, and no query, where it has none), and whether it has assessments
    and history (`has_assessments`, `has_history`, `has_contact_history`: `assessment_list`
    and `stakeholder_history` read none where it has none)."""
    here = OuterRef("pk")
    stakeholder = get_object_or_404(
        stakeholder_base(user=user).annotate(
            has_contacts=Exists(Contact.objects.filter(stakeholder=here)),
            has_vulnerable_groups=Exists(
                Stakeholder.vulnerable_groups.through.objects.filter(stakeholder=here)
            ),
            has_assessments=Exists(Assessment.objects.filter(stakeholder=here)),
            has_history=Exists(Stakeholder.history.filter(id=here)),
            has_contact_history=Exists(Contact.history.filter(stakeholder_id=here)),
        ),
        pk=pk,
    )
    contacts, groups = Contact.objects.all(), VulnerableGroup.objects.all()
    prefetch_related_objects(
        [stakeholder],
        Prefetch("contacts", queryset=contacts if stakeholder.has_contacts else contacts.none()),
        Prefetch(
            "vulnerable_groups",
            queryset=groups if stakeholder.has_vulnerable_groups else groups.none(),
        ),
    )
    return stakeholder


def can_change_stakeholder(*, user, stakeholder):
    """Whether the user may change this stakeholder (read through `stakeholder_base`): their
    role allows it, and an at-risk one only where they are cleared. A missing annotation
    counts as not cleared."""
    return user.has_perm("stakeholders.change_stakeholder") and redaction.identity_visible(
        stakeholder
    )


def stakeholder_admin_queryset(*, user):
    """What the Django admin lists and edits: a staff member maintains only the stakeholders
    whose identity they may see. At-risk stakeholders are maintained by cleared users."""
    return stakeholder_base(user=user).filter(identity_visible=True)


def cleared_site_list(*, user):
    """The sites where the user is cleared (every site for a superuser)."""
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user, memberships__cleared=True)


def user_list(*, user):
    """The accounts an administrator sees: every one for a superuser; otherwise the
    members of their sites and users placed at no site yet, superusers excluded."""
    User = get_user_model()
    users = User.objects.order_by("username")
    if user.is_superuser:
        return users
    at_my_sites = SiteMembership.objects.filter(user=OuterRef("pk"), site__in=site_list(user=user))
    anywhere = SiteMembership.objects.filter(user=OuterRef("pk"))
    return users.filter(is_superuser=False).filter(Exists(at_my_sites) | ~Exists(anywhere))


def manageable_user_list(*, user):
    """The accounts an administrator may edit (password, username, e-mail, active flag,
    groups, staff status, memberships): every one for a superuser. Otherwise other users
    who are not superusers, belong to no site outside the administrator's own, hold no
    clearance where the administrator is not cleared, and hold no permission the
    administrator lacks. Users placed at no site yet are included, so they can be brought
    in. Anyone else is left to a superuser: taking over their account would give the
    administrator what they were not given."""
    User = get_user_model()
    if user.is_superuser:
        return User.objects.all()
    elsewhere = SiteMembership.objects.filter(user=OuterRef("pk")).exclude(
        site__in=site_list(user=user)
    )
    cleared_beyond = SiteMembership.objects.filter(user=OuterRef("pk"), cleared=True).exclude(
        site__in=cleared_site_list(user=user)
    )
    mine = permission_ids(user=user)
    rights_beyond = Permission.objects.filter(
        Q(group__user=OuterRef("pk")) | Q(user=OuterRef("pk"))
    ).exclude(pk__in=mine)
    return (
        User.objects.filter(is_superuser=False)
        .exclude(pk=user.pk)
        .exclude(Exists(elsewhere))
        .exclude(Exists(cleared_beyond))
        .exclude(Exists(rights_beyond))
    )


def colleague_list(*, user):
    """The accounts whose names this user may read where a record says who did something
    (histories, assessments): everyone for a superuser; otherwise the people of their own
    sites, and superusers, who act for every site. Another site's staff stay unnamed."""
    User = get_user_model()
    if user.is_superuser:
        return User.objects.all()
    at_my_sites = SiteMembership.objects.filter(user=OuterRef("pk"), site__in=site_list(user=user))
    return User.objects.filter(Exists(at_my_sites) | Q(is_superuser=True))


def permission_ids(*, user):
    """The ids of the permissions a user holds, through their groups or directly."""
    return list(
        Permission.objects.filter(Q(group__user=user) | Q(user=user))
        .values_list("pk", flat=True)
        .distinct()
    )


def assignable_group_list(*, user):
    """The roles an administrator may hand out: those that grant nothing they lack."""
    if user.is_superuser:
        return Group.objects.all()
    beyond = Permission.objects.filter(group=OuterRef("pk")).exclude(
        pk__in=permission_ids(user=user)
    )
    return Group.objects.exclude(Exists(beyond))


def membership_list(*, user):
    """The site memberships an administrator sees: those of their own sites."""
    return SiteMembership.objects.filter(site__in=site_list(user=user))


def stakeholder_other_sites(*, stakeholders, user):
    """The sites of these stakeholders that the user is not part of, in one query. Queried
    afresh: a stakeholder read through `stakeholder_base` has its sites prefetched down to
    the user's own."""
    return (
        Site.objects.filter(stakeholders__in=stakeholders)
        .exclude(pk__in=site_list(user=user))
        .distinct()
    )


class NamesReadOnce:
    """Stands for one queryset of a history's `named` (the rows it may name, of one model)
    across the several histories of one page. `history.entries` reads the names a history
    needs with `queryset.filter(pk__in=ids)`, one query a model and a history; this reads,
    the first time it is asked, every id that the page's histories will ask for (`wanted`),
    and answers the later asks from what it read. A row the page has read already is taken
    as it is (`know`) when the queryset names every row of its model (reference data). The
    rows are the queryset's own: who and what may be named is unchanged."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.wanted = set()
        self.asked = set()
        self.rows = {}

    def know(self, row):
        query = self.queryset.query
        every_row = not query.where and not query.is_sliced and query.combinator is None
        if every_row and isinstance(row, self.queryset.model) and row.pk is not None:
            self.rows[row.pk] = row
            self.asked.add(row.pk)

    def filter(self, *, pk__in):
        ids = set(pk__in)
        if not ids <= self.asked:
            reading = (ids | self.wanted) - self.asked
            self.rows.update((row.pk, row) for row in self.queryset.filter(pk__in=reading))
            self.asked |= reading
        return [self.rows[pk] for pk in ids if pk in self.rows]


def history_names_read_once(named, histories, known=()):
    """`named` (model: queryset, as `history.entries` takes it) with each queryset a
    `NamesReadOnce` wanting every id that `histories` name: (records, named) pairs, the
    records of one history and the `named` it is given (this one, or part of it). `known`:
    rows the page has read already. Give the histories their part of the result."""
    read_once = {model: NamesReadOnce(queryset) for model, queryset in named.items()}
    user_model = get_user_model()
    for records, its_named in histories:
        for record in records:
            if user_model in its_named and record.history_user_id is not None:
                read_once[user_model].wanted.add(record.history_user_id)
            for model_field in type(record).tracked_fields:
                if model_field.is_relation and model_field.related_model in its_named:
                    value = getattr(record, model_field.attname)
                    if value is not None:
                        read_once[model_field.related_model].wanted.add(value)
    for row in known:
        if type(row) in read_once:
            read_once[type(row)].know(row)
    return read_once


def may_have(record, flag):
    """Whether a section of a record's page may have rows: False only where the record was
    read with the `flag` annotation and it says none (an empty section costs no query)."""
    return getattr(record, flag, True) is not False


def stakeholder_history(*, user, stakeholder, limit=30, known=()):
    """The change history of a stakeholder the user may see (read through
    `stakeholder_get`), its contacts' included, newest first. Identity fields, contact
    changes and the reasons given (free text that may describe the person) are "Protected"
    for a user who may not see the identity, in every entry, including those written before
    it was marked at risk. Other sites and their staff are not named. The rows the entries
    name are read once for the stakeholder's and its contacts' (`history_names_read_once`),
    and none of the reference rows the page has read already (`known`: its category, lead
    function, vulnerable groups); a stakeholder read by `stakeholder_page_get` without
    history reads none."""
    hidden = not redaction.identity_visible(stakeholder)
    named = {
        get_user_model(): colleague_list(user=user),
        Site: site_list(user=user),
        StakeholderCategory: StakeholderCategory.objects.all(),
        Function: Function.objects.all(),
        VulnerableGroup: VulnerableGroup.objects.all(),
    }
    own = []
    if may_have(stakeholder, "has_history"):
        own = list(
            stakeholder.history.select_related("history_user").order_by("-history_date", "-pk")[
                : limit + 1
            ]
        )
    # Each contact's records together, newest first, as its own history.
    by_contact = {}
    if may_have(stakeholder, "has_contact_history"):
        contact_records = Contact.history.filter(stakeholder_id=stakeholder.pk).select_related(
            "history_user"
        )
        for record in contact_records.order_by("-history_date", "-pk")[: limit * 3]:
            by_contact.setdefault(record.id, []).append(record)
    contact_records = [record for records in by_contact.values() for record in records]
    named = history_names_read_once(named, [(own, named), (contact_records, named)], known)
    result = history.entries(
        own,
        redacted=Stakeholder.IDENTITY_FIELDS if hidden else (),
        named=named,
        hide_reasons=hidden,
    )[:limit]
    result += history.entries(
        contact_records,
        redacted=("name", "role", "phone", "email") if hidden else (),
        excluded=("stakeholder",),
        named=named,
        hide_reasons=hidden,
        per_object=True,
        subject=lambda record: (
            _("contact %(name)s")
            % {"name": redaction.PROTECTED if hidden else (record.name or "")}
        ),
    )
    result.sort(key=lambda entry: entry.date, reverse=True)
    return result[:limit]


def assessment_list(*, user, stakeholder, limit=10):
    """The latest assessments of a stakeholder read through `stakeholder_get`, each with
    `assessed_by`: the author's name if `colleague_list` lets this user read it. Their
    reasons are free text that may name or describe the person: "Protected" when the
    viewer may not see the identity."""
    if not may_have(stakeholder, "has_assessments"):
        return []
    assessments = list(
        Assessment.objects.filter(stakeholder=stakeholder)
        .select_related("author")
        .annotate(author_shown=Exists(colleague_list(user=user).filter(pk=OuterRef("author_id"))))[
            :limit
        ]
    )
    hidden = not redaction.identity_visible(stakeholder)
    for assessment in assessments:
        assessment.assessed_by = history.person(assessment.author, shown=assessment.author_shown)
        if hidden and assessment.reason:
            assessment.reason = redaction.PROTECTED
    return assessments


MAP_CELL_POINTS = 6


def stakeholder_map(*, user, site, category=None, lead_function=None):
    """The influence x interest grid of a site's active stakeholders: each cell's count and
    up to MAP_CELL_POINTS of its stakeholders (shown ones first, by name, as this user may
    see them). Two queries, however many stakeholders the site has: a crowded cell shows
    its count and links to the registry filtered to it."""
    stakeholders = stakeholder_list(
        user=user, site=site, category=category, lead_function=lead_function, active=True
    )
    counts = {
        (row["influence"], row["interest"]): row["n"]
        for row in stakeholders.order_by().values("influence", "interest").annotate(n=Count("pk"))
    }
    ranked = stakeholders.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("influence"), F("interest")],
            order_by=[F("identity_visible").desc(), F("sort_name").asc(), F("pk").asc()],
        )
    )
    points = {}
    for stakeholder in ranked.filter(rank__lte=MAP_CELL_POINTS).prefetch_related(None):
        points.setdefault((stakeholder.influence, stakeholder.interest), []).append(stakeholder)
    rows = [
        [
            MapCell(
                influence=influence,
                interest=interest,
                count=counts.get((influence, interest), 0),
                points=points.get((influence, interest), []),
            )
            for interest in range(RATING_MIN, RATING_MAX + 1)
        ]
        for influence in range(RATING_MAX, RATING_MIN - 1, -1)
    ]
    return StakeholderMap(rows=rows, total=sum(counts.values()))


def history_names(*, user):
    """Which related rows a history shown to this user may name: their own sites, their
    colleagues (and superusers), roles and reference data. Anything else shows as
    "(not shown)" or is left out."""
    return {
        Site: site_list(user=user),
        StakeholderCategory: StakeholderCategory.objects.all(),
        Function: Function.objects.all(),
        VulnerableGroup: VulnerableGroup.objects.all(),
        Group: Group.objects.all(),
        get_user_model(): colleague_list(user=user),
    }
