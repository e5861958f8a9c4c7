"""The engagement pages, one module per group: `records` (an engagement's own pages: detail,
log, edit), `lists` (the engagement list and the commitments and concerns registers) and
`attachments` (upload and access-checked download)."""
