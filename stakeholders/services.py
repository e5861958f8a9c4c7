"""Writes to the registry, with their rules."""

from django.db import transaction

from stakeholders.models import Contact, Stakeholder


@transaction.atomic
def stakeholder_create(*, sites, contacts=(), **fields) -> Stakeholder:
    """Create a stakeholder at one or more sites, with its contacts (dicts of Contact fields).

    The category's default lead function is used when none is given.
    """
    if not sites:
        raise ValueError("A stakeholder belongs to at least one site.")
    stakeholder = Stakeholder(**fields)
    stakeholder.full_clean()
    stakeholder.save()
    stakeholder.sites.set(sites)
    for contact_fields in contacts:
        contact = Contact(stakeholder=stakeholder, **contact_fields)
        contact.full_clean()
        contact.save()
    return stakeholder
