"""Account security pages: TOTP, password change, role management, user basics, audit log."""
