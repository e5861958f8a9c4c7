import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
