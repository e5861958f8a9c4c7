"""Writes to the registry, with their rules."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from stakeholders.models import Contact, Site, Stakeholder


@transaction.atomic
def stakeholder_create(
    *,
    sites: Iterable[Site],
    contacts: Iterable[Mapping[str, Any]] = (),
    **fields: Any,
) -> Stakeholder:
    """Create a stakeholder at one or more sites, with its contacts.

    `fields` are Stakeholder fields, each contact a mapping of Contact fields; both are
    validated with `full_clean()`. The category's default lead function is used when none
    is given.
    """
    sites = list(sites)
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
