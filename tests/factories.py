import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from engagement.models import Commitment, Concern, Engagement, Finding
from plans.models import Plan, PlannedEngagement
from stakeholders.history import recorded
from stakeholders.models import (
    Contact,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)


class FunctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Function
        django_get_or_create = ["code"]

    code = "security"
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())


class CategoryFactory(factory.django.DjangoModelFactory):
    """Reference categories come from the data migration; this reuses them by code."""

    class Meta:
        model = StakeholderCategory
        django_get_or_create = ["code"]

    code = "local-communities"
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    description = "From Table 4E.2."
    source = "Table 4E.2"
    default_lead_function = factory.SubFactory(FunctionFactory)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n} Mine")
    country = factory.Faker("country")
    region = factory.Faker("city")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """`UserFactory(roles=["Reviewer"])` puts the user in those role groups."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    cleared = False


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Stakeholder {n:04d}")
    kind = Stakeholder.Kind.ORGANISATION
    category = factory.SubFactory(CategoryFactory)
    lead_function = factory.SubFactory(FunctionFactory)
    location = factory.Faker("city")
    influence = 3
    interest = 3

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        """`StakeholderFactory(sites=[site])`; without sites the stakeholder is visible only
        to superusers."""
        if create and extracted:
            self.sites.set(extracted)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    stakeholder = factory.SubFactory(StakeholderFactory)
    name = factory.Faker("name")
    role = factory.Faker("job")
    phone = factory.Faker("phone_number")
    email = factory.Faker("email")


class EngagementFactory(factory.django.DjangoModelFactory):
    """An engagement written straight to the database, past the services' rules: a week
    before the site's today, led by security, logged by `created_by`."""

    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    date = factory.LazyAttribute(lambda o: o.site.today() - datetime.timedelta(days=7))
    format = Engagement.Format.MEETING
    lead_function = factory.SubFactory(FunctionFactory)
    purpose = factory.Faker("sentence")
    summary = factory.Faker("paragraph")
    created_by = factory.SubFactory(UserFactory)
    updated_by = factory.SelfAttribute("created_by")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        engagement = model_class(*args, **kwargs)
        engagement.skip_history_when_saving = True  # `stakeholders` writes its one entry
        engagement.save()
        return engagement

    @factory.post_generation
    def stakeholders(self, create, extracted, **kwargs):
        """`EngagementFactory(stakeholders=[council])`. One history entry, as the service
        writes: created by `created_by`, with the stakeholders met."""
        if create:
            with recorded(self, actor=self.created_by, created=True):
                if extracted:
                    self.stakeholders.set(extracted)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    engagement = factory.SubFactory(EngagementFactory)
    description = factory.Faker("sentence")
    owner = factory.SelfAttribute("engagement.created_by")
    lead_function = factory.SelfAttribute("engagement.lead_function")
    due_on = factory.LazyAttribute(lambda o: o.engagement.date + datetime.timedelta(days=30))


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern

    engagement = factory.SubFactory(EngagementFactory)
    type = Concern.Type.OTHER
    description = factory.Faker("sentence")
    created_by = factory.SelfAttribute("engagement.created_by")


class FindingFactory(factory.django.DjangoModelFactory):
    """A finding on one community met in the engagement (`community` must be one of its
    stakeholders for the record to make sense; the factory does not check)."""

    class Meta:
        model = Finding

    engagement = factory.SubFactory(EngagementFactory)
    community = factory.SubFactory(StakeholderFactory)
    indicator = Finding.Indicator.SATISFACTION
    value = Finding.Value.MIXED
    evidence = factory.Faker("sentence")


class PlanFactory(factory.django.DjangoModelFactory):
    """A draft SEP for the site's current calendar year."""

    class Meta:
        model = Plan

    site = factory.SubFactory(SiteFactory)
    title = factory.LazyAttribute(lambda o: f"SEP {o.starts_on.year}")
    starts_on = factory.LazyAttribute(lambda o: o.site.today().replace(month=1, day=1))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on.replace(month=12, day=31))
    created_by = factory.SubFactory(UserFactory)
    updated_by = factory.SelfAttribute("created_by")


class PlannedEngagementFactory(factory.django.DjangoModelFactory):
    """A quarterly line for a category, led by a new function."""

    class Meta:
        model = PlannedEngagement
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    category = factory.SubFactory(CategoryFactory)
    lead_function = factory.SubFactory(FunctionFactory)
    frequency = PlannedEngagement.Frequency.QUARTERLY

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        if create and extracted:
            self.objectives.set(extracted)
