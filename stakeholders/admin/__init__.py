"""The Django admin: where administrators keep the registry and the reference data.

Staff who are not superusers get the same scoping as on the pages: only their sites, and
only the at-risk stakeholders they are cleared for (the others are not listed, searched,
exported, offered in autocompletes nor openable). Delete confirmations show them counts,
not the names of related rows, which may belong to other sites or be at risk.
"""

from stakeholders.admin import accounts, exports, reference, registry  # noqa: F401 - they register
