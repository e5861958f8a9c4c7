"""The Django admin of engagements, commitments and concerns.

Scoped as the registry's admin is: staff who are not superusers see the engagements of
their own sites, a restricted one only where they are cleared, and an allegation only
where they are cleared at its engagement's site; anything else answers as a missing
record does. Stakeholders are offered only where their identity may be shown, and named
through `stakeholders.redaction`. Reads go through `engagement.selectors`, writes through
`engagement.services`.
"""

from engagement.admin import attachments, engagements, registers  # noqa: F401 - they register
