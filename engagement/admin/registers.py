"""The commitments and concerns registers: every row the user may see across their sites,
changed through the services. Rows are added on their engagement, and go only with it."""

from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from engagement import selectors, services
from engagement.admin.forms import (
    CommitmentAdminForm,
    ConcernAdminForm,
    engagement_stakeholders,
    form_class,
    member_choices,
)
from engagement.admin.shared import (
    CountedOnceChangeList,
    EngagementHistoryMixin,
    KeysFirstPaginator,
    RegisterSitesFilter,
    may_change_engagement,
)
from engagement.models import Commitment, Concern
from stakeholders import redaction
from stakeholders.admin.base import (
    ScopedLookupsMixin,
    ServiceErrorsMixin,
    adopt,
    form_data,
)
from stakeholders.models import SiteMembership, Stakeholder


class RegisterAdmin(
    ServiceErrorsMixin, ScopedLookupsMixin, EngagementHistoryMixin, admin.ModelAdmin
):
    """A register of rows that hang on an engagement. Lookups through the engagement or
    the people named would filter by what the user may not see (`?engagement__concerns__type=`)
    and the count would tell it exists."""

    # As the app's own lists: a page a slow link carries, drawn quickly.
    list_per_page = 25
    readonly_fields = ["engagement", "engagement_site"]
    # A register at scale: a page's rows read by their keys, the list counted once.
    paginator = KeysFirstPaginator
    show_full_result_count = False  # counted by CountedOnceChangeList when narrowed

    def get_changelist(self, request, **kwargs):
        return CountedOnceChangeList

    def at_own_sites(self, request, rows):
        """`rows` (as the selector decided them) narrowed by each row's own copy of its
        engagement's site to the user's sites, named one by one. Who may see a row is still
        decided through its engagement; the copy lets the database start from the rows of
        those sites (an index in the list's order) rather than from every row. The sites
        are named rather than read in a subquery, whose size SQLite cannot tell (it then
        reads the whole table)."""
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return rows.none()
        if user.is_superuser:
            return rows
        sites = SiteMembership.objects.filter(user=user).values_list("site", flat=True)
        return rows.filter(site__in=list(sites))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Not `site`: that is the row's own copy of it, which the admin would read first (and
    # once a row, past the engagement the changelist reads with each row).
    @admin.display(description=_("site"), ordering="engagement__site__name")
    def engagement_site(self, row):
        return row.engagement.site


@admin.register(Commitment)
class CommitmentAdmin(RegisterAdmin):
    private_relations = ("engagement", "owner")
    list_display = [
        "description_short",
        "engagement",
        "engagement_site",
        "owner",
        "lead_function",
        "due_on",
        "status",
        "overdue",
    ]
    # Due dates by period, not a date hierarchy: that reads every year of a site's ten
    # years of commitments on each page (as the engagement changelist found).
    list_filter = [
        "status",
        RegisterSitesFilter,
        "lead_function",
        ("due_on", admin.DateFieldListFilter),
    ]
    search_fields = ["description", "closing_note"]
    fields = [
        "engagement",
        "engagement_site",
        "description",
        "owner",
        "lead_function",
        "due_on",
        "status",
        "closing_note",
        "closed_on",
    ]

    def get_queryset(self, request):
        return self.at_own_sites(request, selectors.commitment_list(user=request.user))

    def get_form(self, request, obj=None, change=False, **kwargs):
        owners = member_choices(user=request.user).none()
        if obj is not None:
            engagement = obj.engagement
            owners = member_choices(
                user=request.user,
                site=engagement.site,
                cleared=True if engagement.restricted else None,
            )
        kwargs["form"] = form_class(CommitmentAdminForm, owner_choices=owners)
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None):
        """Its owner, or whoever may change its engagement."""
        return super().has_change_permission(request, obj) and (
            obj is None
            or obj.owner_id == request.user.pk
            or may_change_engagement(request, obj.engagement)
        )

    @admin.display(description=_("what"), ordering="description")
    def description_short(self, commitment):
        text = commitment.description
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, commitment):
        """Past its due date at the site (in the site's own time zone) and not closed."""
        return not commitment.is_closed and commitment.due_on < commitment.engagement.site.today()

    def save_model(self, request, obj, form, change):
        data = form_data(form, services.COMMITMENT_FIELDS)
        adopt(obj, services.commitment_update(actor=request.user, commitment=obj, data=data))


@admin.register(Concern)
class ConcernAdmin(RegisterAdmin):
    """Allegations first, then the newest. An allegation is listed, searched, counted and
    opened only by users cleared at its engagement's site (`selectors.concern_list`)."""

    private_relations = ("engagement", "stakeholder", "created_by")
    list_display = [
        "type",
        "status",
        "severity",
        "engagement",
        "engagement_site",
        "raised_by",
        "referred_to",
        "referred_on",
    ]
    list_filter = ["type", "status", "severity", RegisterSitesFilter]
    search_fields = ["description", "response", "outcome", "referred_to"]
    fields = [
        "engagement",
        "engagement_site",
        "type",
        "stakeholder",
        "description",
        "response",
        "satisfaction",
        "severity",
        "status",
        "referred_to",
        "referred_on",
        "outcome",
    ]

    def get_queryset(self, request):
        """The selector reads each source with whether its identity may be shown."""
        concerns = self.at_own_sites(request, selectors.concern_list(user=request.user))
        return concerns.annotate(
            allegation_first=Case(
                When(type__in=Concern.ALLEGATIONS, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )

    def get_ordering(self, request):
        return ["allegation_first", "-created_at", "-pk"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        choices = Stakeholder.objects.none()
        if obj is not None:
            choices = engagement_stakeholders(user=request.user, engagement=obj.engagement)
        kwargs["form"] = form_class(ConcernAdminForm, stakeholder_choices=choices)
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_change_engagement(request, obj.engagement)
        )

    @admin.display(description=_("raised by"))
    def raised_by(self, concern):
        if concern.stakeholder is None:
            return "—"
        return redaction.display_name(concern.stakeholder)

    def save_model(self, request, obj, form, change):
        data = form_data(form, services.CONCERN_FIELDS)
        adopt(obj, services.concern_update(actor=request.user, concern=obj, data=data))
