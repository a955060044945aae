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
    "django.contrib.admin",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govit.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "govit.core.middleware.SessionLifetimeMiddleware",
    "govit.core.middleware.SecondFactorMiddleware",
    "govit.core.middleware.PasswordExpiryMiddleware",
    "govit.core.middleware.AdminSeparationMiddleware",
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
        },
    },
]


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "govit.sqlite3"),
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so concurrent writers
            # queue on the busy timeout instead of failing mid-transaction (audit chain).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database_config()}
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
# Lock the account, not the address: government offices reach the system through shared NAT
# addresses, where locking by IP would lock out whole departments. Hence axes.W006 is silenced.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "govit.web.views.locked_out"
AXES_VERBOSE = False

# Sessions: idle timeout and absolute lifetime, both enforced by SessionLifetimeMiddleware (which
# shows a notice on the login page); the stored session never outlives the absolute lifetime.
GOVIT_SESSION_IDLE_SECONDS = int(os.environ.get("GOVIT_SESSION_IDLE_SECONDS", str(15 * 60)))
GOVIT_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("GOVIT_SESSION_ABSOLUTE_SECONDS", str(8 * 3600)))
SESSION_COOKIE_AGE = GOVIT_SESSION_ABSOLUTE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
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
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GOVIT_MEDIA_ROOT") or VAR_DIR / "media")

# Keys: never in the database. See govit.core.crypto.
GOVIT_KEY_FILE = Path(os.environ.get("GOVIT_KEY_FILE") or VAR_DIR / "keys" / "govit.key")
GOVIT_KEY_FILE_AUTOCREATE = False

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
