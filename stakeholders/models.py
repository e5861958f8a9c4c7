import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register

from stakeholders import redaction
from stakeholders.history import AuditedHistory

RATING_MIN = 1
RATING_MAX = 5
RATING_VALIDATORS = [MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]


def validate_time_zone(name):
    if name not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(name)s” is not a time zone; use a name such as Africa/Dar_es_Salaam."),
            params={"name": name},
            code="time_zone",
        )


def validate_not_placeholder(name):
    """A real name never looks like the placeholder of a hidden one: re-importing a redacted
    export must not rename anyone "Protected stakeholder S-0042"."""
    if redaction.looks_like_placeholder(name):
        raise ValidationError(
            _("“%(name)s” is how a protected stakeholder is shown, not a name."),
            params={"name": name},
            code="placeholder",
        )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ReferenceItem(models.Model):
    """A short list of reference data, loaded by a data migration and matched on `code`."""

    code = models.SlugField(
        _("code"), unique=True, help_text=_("Stable key used by data migrations and imports.")
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Function(ReferenceItem):
    """A company function that leads engagement (security, legal, ...). Reference data."""

    history = AuditedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("function")
        verbose_name_plural = _("functions")


class StakeholderCategory(models.Model):
    """A row of Table 4E.2: a key stakeholder group and why the site engages with it."""

    code = models.SlugField(
        _("code"), unique=True, help_text=_("Stable key used by data migrations and imports.")
    )
    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"))
    default_lead_function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default lead function"),
    )
    source = models.CharField(
        _("source"), max_length=300, help_text=_("The guidance this category is drawn from.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = AuditedHistory()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("stakeholder category")
        verbose_name_plural = _("stakeholder categories")

    def __str__(self):
        return self.name


class EngagementObjective(models.Model):
    """What engagement with a category must achieve or find out (a bullet of Table 4E.2)."""

    class Indicator(models.TextChoices):
        SATISFACTION = "satisfaction", _("Satisfaction with the site")
        SECURITY_ATTITUDE = "security_attitude", _("Attitude towards site security")
        PUBLIC_SECURITY_RELATIONSHIP = (
            "public_security_relationship",
            _("Relationship with public security"),
        )
        JUSTICE_CONFIDENCE = (
            "justice_confidence",
            _("Confidence in the public security / judicial system"),
        )

    category = models.ForeignKey(
        StakeholderCategory,
        on_delete=models.CASCADE,
        related_name="objectives",
        verbose_name=_("category"),
    )
    text = models.CharField(_("objective"), max_length=300)
    guidance = models.TextField(
        _("guidance wording"),
        blank=True,
        help_text=_("The sentence of the guidance this objective is drawn from."),
    )
    indicator = models.CharField(
        _("perception indicator"),
        max_length=40,
        choices=Indicator.choices,
        blank=True,
        help_text=_(
            "Set on the local-community objectives that engagement must find out; "
            "community perception findings are recorded against these."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = AuditedHistory()

    class Meta:
        ordering = ["category__order", "order", "pk"]
        verbose_name = _("engagement objective")
        verbose_name_plural = _("engagement objectives")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "text"], name="objective_text_unique_per_category"
            ),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=~Q(indicator=""),
                name="objective_indicator_unique",
                violation_error_message=_("Another objective already stands for this indicator."),
            ),
        ]

    def __str__(self):
        return self.text


class Site(TimeStampedModel):
    """An operation (mine, field, plant). Everything operational belongs to a site."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    country = models.CharField(_("country"), max_length=100)
    region = models.CharField(_("region"), max_length=150, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_(
            'The site\'s own time zone (e.g. Africa/Dar_es_Salaam): its dates, "today" and '
            "what is overdue are reckoned in it."
        ),
    )

    history = AuditedHistory()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('stakeholders:list')}?site={self.pk}"

    def today(self):
        """Today's date at the site, whatever the server's time zone."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.time_zone))


class SiteMembershipQuerySet(models.QuerySet):
    def site_ids(self, user, **conditions):
        """The ids of the sites where the user has a membership (with these extra
        conditions, e.g. `cleared=True`), as a `values("site")` queryset to use as an
        uncorrelated subquery (`site__in=...`): the database reads the user's few sites
        once, then matches rows by their site indexes."""
        return self.filter(user=user, **conditions).values("site")


class SiteMembership(TimeStampedModel):
    """A user's place at a site. Clearance is per site: cleared at one, not at another."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="site_memberships",
        verbose_name=_("user"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("site")
    )
    function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("function"),
    )
    cleared = models.BooleanField(
        _("cleared"),
        default=False,
        help_text=_(
            "May see restricted records and the identity of at-risk stakeholders at this site."
        ),
    )

    objects = SiteMembershipQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        ordering = ["site__name", "user__username"]
        verbose_name = _("site membership")
        verbose_name_plural = _("site memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site"],
                name="membership_unique_user_site",
                violation_error_message=_("This user is already a member of this site."),
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.site}"


def _of_member_sites(user, **membership):
    """The ids of the stakeholders of the sites where the user has a membership (with these
    extra conditions), as an uncorrelated subquery: read once, then matched by index, where
    an `EXISTS` per row would be evaluated for every stakeholder of the registry."""
    sites = SiteMembership.objects.site_ids(user, **membership)
    return Stakeholder.sites.through.objects.filter(site__in=sites).values("stakeholder")


def is_community(category_field="category"):
    """A condition on stakeholders (or, through `category_field`, on what names their
    category): those whose category carries the Table 4E.2 perception indicators, the
    local communities. Perception findings are recorded only for them."""
    return Exists(
        EngagementObjective.objects.filter(category=OuterRef(category_field)).exclude(indicator="")
    )


def stakeholder_of_member_site(user, field="pk"):
    """The condition, for a row naming a stakeholder through `field`, that the stakeholder
    is at one of the user's sites: an `EXISTS` per row, for queries that already walk a
    few rows per stakeholder (findings, engagements' stakeholders), where an `IN` over the
    whole registry would be matched against every row's index entry.

    The `EXISTS` is wrapped in a `CASE` so that it stays a check per row: PostgreSQL
    otherwise turns it into a join and starts from it, reading every finding of the
    site's thousands of stakeholders to keep a quarter's (100 ms where this takes 30)."""
    sites = SiteMembership.objects.site_ids(user)
    at_member_site = Exists(
        Stakeholder.sites.through.objects.filter(stakeholder=OuterRef(field), site__in=sites)
    )
    return Case(When(at_member_site, then=Value(True)), default=Value(False))


class StakeholderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Stakeholders of the sites the user belongs to (all of them for a superuser)."""
        if user.is_superuser:
            return self.all()
        return self.filter(pk__in=_of_member_sites(user))

    def with_identity_visibility(self, user):
        """Annotate `identity_visible`: False for an at-risk stakeholder unless the user is
        cleared at one of its sites. The redaction helpers read this annotation."""
        if user.is_superuser:
            return self.annotate(identity_visible=Value(True, output_field=BooleanField()))
        return self.annotate(
            identity_visible=Case(
                When(at_risk=False, then=Value(True)),
                When(pk__in=_of_member_sites(user, cleared=True), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )


class VulnerableGroup(ReferenceItem):
    """A group whose participation in engagement needs explicit attention (women, youth,
    Indigenous Peoples, ...). Reference data."""

    OTHER = "other"

    history = AuditedHistory()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("vulnerable group")
        verbose_name_plural = _("vulnerable groups")


class Stakeholder(TimeStampedModel):
    """An entry of the registry: an organisation, a group or community, or a person.

    Its identity (name, location, notes, contacts) is read through `redaction.identity`,
    which hides it from users not cleared at its sites when it is at risk; `str()` of an
    at-risk stakeholder is always its placeholder, whoever asks.
    """

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        GROUP = "group", _("Group or community")
        PERSON = "person", _("Person")

    # Hidden, with its contacts, from users not cleared at its sites when it is at risk.
    IDENTITY_FIELDS = ("name", "location", "notes", "vulnerable_group_note")

    name = models.CharField(_("name"), max_length=200, validators=[validate_not_placeholder])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        StakeholderCategory,
        on_delete=models.PROTECT,
        related_name="stakeholders",
        verbose_name=_("category"),
    )
    sites = models.ManyToManyField(Site, related_name="stakeholders", verbose_name=_("sites"))
    lead_function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead function"),
        help_text=_("Left empty, the category's default lead function is used."),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    influence = models.PositiveSmallIntegerField(
        _("influence"),
        default=3,
        validators=RATING_VALIDATORS,
        help_text=_("1 (low) to 5 (high), as of the latest assessment."),
    )
    interest = models.PositiveSmallIntegerField(
        _("interest"),
        default=3,
        validators=RATING_VALIDATORS,
        help_text=_("1 (low) to 5 (high), as of the latest assessment."),
    )
    vulnerable_groups = models.ManyToManyField(
        VulnerableGroup,
        blank=True,
        related_name="stakeholders",
        verbose_name=_("vulnerable groups"),
        help_text=_("Groups whose participation in engagement needs explicit attention."),
    )
    vulnerable_group_note = models.CharField(
        _("other vulnerable group"),
        max_length=200,
        blank=True,
        help_text=_("Which group, when “Other” is marked."),
    )
    at_risk = models.BooleanField(
        _("at risk"),
        default=False,
        help_text=_(
            "Identification could endanger them (human rights defenders, informants, critics). "
            "Name, contacts and location are then shown only to users cleared at its site."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(
        _("notes"),
        blank=True,
        help_text=_(
            "About the relationship, never a profile of the person's opinions. "
            "Hidden with the identity of an at-risk stakeholder."
        ),
    )

    objects = StakeholderQuerySet.as_manager()
    history = AuditedHistory(m2m_fields=["sites", "vulnerable_groups"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=RATING_MIN, influence__lte=RATING_MAX),
                name="stakeholder_influence_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=RATING_MIN, interest__lte=RATING_MAX),
                name="stakeholder_interest_1_to_5",
            ),
        ]
        indexes = [
            # Registry list and admin changelist: default ordering and name search.
            models.Index(fields=["name"], name="stakeholder_name_idx"),
            # Registry list: filter by kind among active stakeholders.
            models.Index(fields=["kind", "active"], name="stakeholder_kind_active_idx"),
            # Stakeholder map: place by the latest influence and interest.
            models.Index(fields=["influence", "interest"], name="stakeholder_mapping_idx"),
        ]

    def __str__(self):
        return redaction.placeholder(self) if self.at_risk else self.name

    def get_absolute_url(self):
        return reverse("stakeholders:detail", args=[self.pk])

    def clean(self):
        if self.lead_function_id is None and self.category_id is not None:
            self.lead_function = self.category.default_lead_function


class Assessment(models.Model):
    """A dated assessment of a stakeholder's influence and interest, for mapping. The
    stakeholder's own ratings are those of its latest assessment."""

    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("stakeholder"),
    )
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    influence = models.PositiveSmallIntegerField(
        _("influence"), validators=RATING_VALIDATORS, help_text=_("1 (low) to 5 (high)")
    )
    interest = models.PositiveSmallIntegerField(
        _("interest"), validators=RATING_VALIDATORS, help_text=_("1 (low) to 5 (high)")
    )
    reason = models.CharField(
        _("reason"),
        max_length=300,
        blank=True,
        help_text=_("What changed: a new role, an election, a dispute settled, ..."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=RATING_MIN, influence__lte=RATING_MAX),
                name="assessment_influence_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=RATING_MIN, interest__lte=RATING_MAX),
                name="assessment_interest_1_to_5",
            ),
        ]
        indexes = [
            # Stakeholder page: its assessments, newest first; the service: the latest.
            models.Index(
                fields=["stakeholder", "-assessed_on", "-id"], name="assessment_latest_idx"
            ),
        ]

    def __str__(self):
        return _("Influence %(influence)s, interest %(interest)s on %(date)s") % {
            "influence": self.influence,
            "interest": self.interest,
            "date": self.assessed_on,
        }


class Contact(TimeStampedModel):
    """A person to speak to at a stakeholder."""

    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("stakeholder"),
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    history = AuditedHistory()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["stakeholder", "name"],
                name="contact_name_unique_per_stakeholder",
                violation_error_message=_("This stakeholder already has a contact of that name."),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.stakeholder.get_absolute_url()


# Accounts' history: who gave whom which role, staff status or access; never passwords,
# and a login (which only touches last_login) writes no entry.
register(
    get_user_model(),
    app="stakeholders",
    records_class=AuditedHistory,
    m2m_fields=["groups"],
    excluded_fields=["password", "last_login"],
)


class ExportLog(models.Model):
    """One export of records out of VPSA, written before the file starts: who, when, from
    where, what, with which filters, how many rows and whether protected names were asked
    for. Nobody changes or deletes it from the application (`stakeholders.admin.exports`);
    administrators read it for the sites they are cleared at."""

    class Kind(models.TextChoices):
        ENGAGEMENTS = "engagements", _("Engagements")
        FINDINGS = "findings", _("Perception findings")
        COMMITMENTS = "commitments", _("Commitments")
        CONCERNS = "concerns", _("Concerns")
        STAKEHOLDERS = "stakeholders", _("Stakeholders")
        REPORT = "report", _("VPs site report")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exported by"),
    )
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    kind = models.CharField(_("records"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    filters = models.JSONField(
        _("filters"), default=dict, blank=True, help_text=_("As given on the list page.")
    )
    names_included = models.BooleanField(
        _("protected names included"),
        default=False,
        help_text=_("Whether the exporter asked for the names of at-risk stakeholders."),
    )
    row_count = models.PositiveIntegerField(_("rows"))
    sites = models.ManyToManyField(
        Site, blank=True, related_name="+", verbose_name=_("sites covered")
    )

    class Meta:
        ordering = ["-exported_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("export log")

    def __str__(self):
        return _("%(kind)s as %(format)s, %(when)s") % {
            "kind": self.get_kind_display(),
            "format": self.get_format_display(),
            "when": timezone.localtime(self.exported_at).strftime("%Y-%m-%d %H:%M")
            if self.exported_at
            else "—",
        }
