"""Core domain: jurisdictions, units, users, roles, API tokens, the audit log and crypto."""
