"""Settings of the scale bench's server and jobs: the developer settings without DEBUG (no query log,
no debug pages), the TOTP step skipped for the bench's demo sign-ins. Never a production setting."""

from govit.settings.dev import *  # noqa: F403

DEBUG = False
GOVIT_DEMO_SKIP_OTP = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
