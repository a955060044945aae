"""Web UI in Simplified Chinese: sign-in and one workspace per role."""
