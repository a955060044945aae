"""Settings shared by every environment; the environment modules import and adjust these."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _default_var_dir() -> Path:
    # In a source checkout (editable install) var/ sits beside pyproject.toml; otherwise use the cwd.
    repo_root = PACKAGE_DIR.parent.parent
    if (repo_root / "pyproject.toml").is_file():
        return repo_root / "var"
    return Path.cwd() / "var"


VAR_DIR = Path(os.environ.get("GOVIT_VAR_DIR") or _default_var_dir())

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]

INSTALLED_APPS = [
    "govit.core.admin_apps.GovitAdminConfig",  # django.contrib.admin with the OTP-guarded, audited site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "govit.core",
    "govit.web",
    "govit.accounts",
    "govit.regulations",
    "govit.projects",
    "govit.reviews",
    "govit.planning",
    "govit.notifications",
    "govit.supervision",
    "govit.experts",
    "govit.integrations",
    "govit.analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govit.core.middleware.SecurityHeadersMiddleware",
    # Every error under /api/v1 in one JSON shape, and oversized bodies refused unread.
    "govit.core.api_errors.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A request's role assignments are read once (menus, permission checks, list scopes).
    "govit.core.middleware.RoleMemoMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL in a query or form parameter: refused naming the parameter (PostgreSQL can not hold it).
    "govit.core.middleware.NulParameterMiddleware",
    "govit.core.middleware.SessionLifetimeMiddleware",
    "govit.core.middleware.SecondFactorMiddleware",
    "govit.core.middleware.PasswordExpiryMiddleware",
    "govit.core.middleware.AdminSeparationMiddleware",
    # A 404 on another jurisdiction's object is audited with the source address (throttled per user).
    "govit.core.denials.DenialAuditMiddleware",
    # Idempotency-Key on POST /api/v1/… (needs the signed-in user; runs before the view).
    "govit.integrations.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so it can turn a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govit.urls"
WSGI_APPLICATION = "govit.wsgi.application"
ASGI_APPLICATION = "govit.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govit.web.context_processors.workspace",
            ],
            "builtins": ["govit.web.templatetags.govit_format"],
        },
    },
]


SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent writers queue on the
    # busy timeout instead of failing mid-transaction (audit chain, two transitions at once).
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            # DATABASE_URL=sqlite:///… keeps the same locking behaviour as the embedded default.
            config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        elif "postgresql" in config["ENGINE"]:
            # No JIT: our queries are short, and compiling one cost ~70 ms of a 100 ms inbox page at
            # 100,000 projects (docs/performance.md). GOVIT_PG_OPTIONS replaces it.
            options = os.environ.get("GOVIT_PG_OPTIONS", "-c jit=off")
            config["OPTIONS"] = {**({"options": options} if options else {}), **config.get("OPTIONS", {})}
        return config
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "govit.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS)}


DATABASES = {"default": _database_config()}
# A streaming replica for read-only pages (govit.core.db_router; docs/deployment.md).
if os.environ.get("GOVIT_READ_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["GOVIT_READ_REPLICA_URL"], conn_max_age=60,
                                                 conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["govit.core.db_router.ReplicaRouter"]
# The sweep's chunk size (projects per short transaction / Celery task).
GOVIT_SWEEP_CHUNK = int(os.environ.get("GOVIT_SWEEP_CHUNK", "50"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "govit.core.hashers.PBKDF2SM3PasswordHasher",
    # Still listed so hashes made before PBKDF2-HMAC-SM3 verify (and get upgraded on login).
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
GOVIT_PBKDF2_SM3_ITERATIONS = 600_000

# Password policy (等保 身份鉴别): "dengbao" (default: 8+ characters, three of four classes, not the
# username, not one of the last 5, changed every 90 days) or "length" (length only, 12+ characters).
# One validator reads these at call time; see govit.core.validators.PasswordPolicyValidator.
GOVIT_PASSWORD_POLICY = os.environ.get("GOVIT_PASSWORD_POLICY", "dengbao")
GOVIT_PASSWORD_MIN_LENGTH = int(os.environ.get("GOVIT_PASSWORD_MIN_LENGTH", "0")) or None
GOVIT_PASSWORD_HISTORY = int(os.environ.get("GOVIT_PASSWORD_HISTORY", "5"))
GOVIT_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GOVIT_PASSWORD_MAX_AGE_DAYS", "90"))
AUTH_PASSWORD_VALIDATORS = [{"NAME": "govit.core.validators.PasswordPolicyValidator"}]

# TOTP second factor (django-otp): mandatory for these roles, optional (self-enrolled) for others.
GOVIT_OTP_REQUIRED_ROLES = ["system_admin", "security_admin", "audit_admin", "lead_office"]
# Dev/test only: skip the TOTP step. production.py refuses to start when it is set.
GOVIT_DEMO_SKIP_OTP = False
# Demo data and demo accounts (public password): dev and test only. With False, `govit demo`
# refuses to run and the login page refuses demo usernames (no default accounts in production).
GOVIT_ALLOW_DEMO = False
OTP_TOTP_ISSUER = "govit"
OTP_TOTP_THROTTLE_FACTOR = 1

# 三员分立: the only web namespaces and API prefixes the three administrators may reach.
# Regulations (policy packs) are reference texts, not project data, so administrators may read them.
GOVIT_ADMIN_ALLOWED_NAMESPACES = ["web", "accounts", "regulations"]
GOVIT_ADMIN_ALLOWED_API_PREFIXES = [
    "/api/v1/me",
    "/api/v1/units",
    "/api/v1/users",
    "/api/v1/notifications",
    "/api/v1/policy",
    "/api/v1/docs",
    "/api/v1/openapi.json",
]

# Audit log retention (等保 安全审计: at least 180 days). A system check refuses anything lower;
# `govit audit archive` exports older entries to a signed file and never deletes younger ones.
GOVIT_AUDIT_RETENTION_DAYS = int(os.environ.get("GOVIT_AUDIT_RETENTION_DAYS", "180"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login lockout (等保: 登录失败处理). 5 failures lock the account for 15 minutes.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("GOVIT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GOVIT_LOGIN_COOLOFF_MINUTES", "15")))
# Failures count per (username, source address): an attacker who types an administrator's name
# five times locks that name *from the attacker's address* only, never the administrator at their
# desk. Two wider limits stop spraying (govit.web.views.login_blocked): per address over every
# username (GOVIT_LOGIN_IP_FAILURE_LIMIT, higher than 5 because offices share NAT addresses) and per
# username over every address (GOVIT_LOGIN_USERNAME_FAILURE_LIMIT, distributed guessing).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "govit.core.net.client_ip"
GOVIT_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("GOVIT_LOGIN_IP_FAILURE_LIMIT", "20"))
GOVIT_LOGIN_USERNAME_FAILURE_LIMIT = int(os.environ.get("GOVIT_LOGIN_USERNAME_FAILURE_LIMIT", "50"))
# Reverse proxies whose X-Forwarded-For hop is believed (addresses or CIDR, comma-separated); the
# source address is the rightmost hop that is not one of them (govit.core.net.client_ip).
GOVIT_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("GOVIT_TRUSTED_PROXIES", "").split(",") if p.strip()]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "govit.web.views.locked_out"
AXES_VERBOSE = False

# Sessions: idle timeout and absolute lifetime, both enforced by SessionLifetimeMiddleware (which
# shows a notice on the login page); the stored session never outlives the absolute lifetime.
GOVIT_SESSION_IDLE_SECONDS = int(os.environ.get("GOVIT_SESSION_IDLE_SECONDS", str(15 * 60)))
GOVIT_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("GOVIT_SESSION_ABSOLUTE_SECONDS", str(8 * 3600)))
SESSION_COOKIE_AGE = GOVIT_SESSION_ABSOLUTE_SECONDS
# Saved when it changes, not on every request: SessionLifetimeMiddleware renews the idle clock at
# most once a minute (a commit per page view cost more than the rest of a list page's queries).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere (tests/security/test_pages_csp.py crawls every page).
GOVIT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
GOVIT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Uploads (govit.core.uploads): one size limit for every uploaded file, and request-body limits.
GOVIT_UPLOAD_MAX_BYTES = int(os.environ.get("GOVIT_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
FORMAT_MODULE_PATH = ["govit.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GOVIT_MEDIA_ROOT") or VAR_DIR / "media")

# Keys: never in the database. See govit.core.crypto.


def _default_key_dir() -> Path:
    """Outside the data directory, so a copy of var/ (a backup, a stolen disk image of the data) does not
    carry the keys that decrypt it. An existing install whose key is still in var/keys keeps it (moving
    it would make the encrypted fields unreadable); `govit check` warns (govit.W010)."""
    legacy = VAR_DIR / "keys"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "govit" / "keys"
    if (legacy / "govit.key").exists() and not (config / "govit.key").exists():
        return legacy
    return config


GOVIT_KEY_DIR = Path(os.environ.get("GOVIT_KEY_DIR") or _default_key_dir())
GOVIT_KEY_FILE = Path(os.environ.get("GOVIT_KEY_FILE") or GOVIT_KEY_DIR / "govit.key")
GOVIT_KEY_FILE_AUTOCREATE = False

# The Django admin (/admin/): off unless switched on (dev, test); production forces it off.
GOVIT_SERVE_DJANGO_ADMIN = os.environ.get("GOVIT_SERVE_DJANGO_ADMIN", "") == "1"

# API bearer tokens: default and longest lifetime in days (govit.core.services.api_token_create).
GOVIT_API_TOKEN_DAYS = int(os.environ.get("GOVIT_API_TOKEN_DAYS", "90"))
GOVIT_API_TOKEN_MAX_DAYS = int(os.environ.get("GOVIT_API_TOKEN_MAX_DAYS", "365"))

# Audit anchoring (govit.core.checkpoints): signed checkpoints of the audit and role-ledger heads,
# appended after every write batch and by `govit audit checkpoint`. Default: an append-only file
# outside the data directory. GOVIT_AUDIT_CHECKPOINT_SINKS (comma separated) replaces it with any of
# file:///path, syslog://host:514, syslog:///dev/log, https://log-server/… (keep a file sink
# beside remote ones so `govit audit verify` can read the newest checkpoint back).
GOVIT_AUDIT_CHECKPOINT_FILE = Path(os.environ.get("GOVIT_AUDIT_CHECKPOINT_FILE")
                                   or VAR_DIR.resolve().parent / "govit-checkpoints" / "audit-checkpoints.log")
GOVIT_AUDIT_CHECKPOINT_SINKS = [s.strip() for s in os.environ.get("GOVIT_AUDIT_CHECKPOINT_SINKS", "").split(",")
                                if s.strip()]
# Test databases are flushed between transactional tests; only then may the append-only guards be
# lifted (govit.core.management.commands.flush). Never in production.
GOVIT_ALLOW_FLUSH = False

# Background jobs: Celery on Redis when REDIS_URL is set, otherwise run in-process (eager).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

# Supervision (govit sweep): reminders this many days before a due date, and the digest channels.
GOVIT_REMINDER_LEAD_DAYS = int(os.environ.get("GOVIT_REMINDER_LEAD_DAYS", "7"))
GOVIT_WEBHOOK_URL = os.environ.get("GOVIT_WEBHOOK_URL", "")
GOVIT_NOTIFICATION_CHANNELS = [c.strip() for c in os.environ.get(
    "GOVIT_NOTIFICATION_CHANNELS", "inbox,email" + (",webhook" if GOVIT_WEBHOOK_URL else "")).split(",") if c.strip()]
# Webhooks (govit.integrations.webhooks): per-attempt timeout, and the waits before retries 1, 2, …
# (after the last one the delivery is marked failed). Idempotency-Key answers are kept this long.
GOVIT_WEBHOOK_DELIVERY_TIMEOUT = float(os.environ.get("GOVIT_WEBHOOK_DELIVERY_TIMEOUT", "5"))
GOVIT_WEBHOOK_RETRY_SECONDS = [60, 300, 900, 3600, 10800, 21600, 43200, 86400]
# Receivers on this machine (127.0.0.0/8, ::1) are refused unless this is on; link-local addresses
# (cloud metadata) are always refused, private ranges (政务外网) always allowed.
GOVIT_WEBHOOK_ALLOW_LOOPBACK = os.environ.get("GOVIT_WEBHOOK_ALLOW_LOOPBACK", "") == "1"
GOVIT_IDEMPOTENCY_TTL_HOURS = int(os.environ.get("GOVIT_IDEMPOTENCY_TTL_HOURS", "24"))
# Health rating weights (govit.supervision.rating.HealthWeights); override any field by name here.
GOVIT_HEALTH_WEIGHTS: dict[str, float] = {}
# Email: the console by default; set GOVIT_EMAIL_HOST to send through SMTP.
EMAIL_HOST = os.environ.get("GOVIT_EMAIL_HOST", "")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = int(os.environ.get("GOVIT_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("GOVIT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GOVIT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("GOVIT_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("GOVIT_EMAIL_FROM", "govit@localhost")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GOVIT_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
