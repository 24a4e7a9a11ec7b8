"""Django settings for Deliverology, driven by environment variables.

SQLite in the project's var/ folder by default; PostgreSQL (or any database Django supports)
through DATABASE_URL. Every setting is documented in docs/settings.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()  # lets admin classes be subscripted with their model types

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {raw!r}")
    return raw.lower() == "true"


def env_str(name: str, default: str) -> str:
    """Read a setting from NAME, or from the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_number(name: str, default: str, kind: type[int] | type[float], minimum: float = 0) -> Any:
    """A number from NAME, at least `minimum`; anything else stops the app with a message."""
    raw = env_str(name, default)
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a number of at least {minimum:g}, not {raw!r}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = env_str(name, str(default)).strip()
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 0, not {raw!r}")
    return int(raw)


DATA_DIR = Path(env_str("DELIVEROLOGY_DATA_DIR", str(Path.cwd() / "var")))
DEBUG = env_bool("DEBUG", False)
# With DEBUG off there is no fallback: the app refuses to start without SECRET_KEY (checks.py,
# require_secret_key); `deliverology demo` writes its own random key into DATA_DIR.
INSECURE_DEMO_KEY = "insecure-development-key-only-with-DEBUG-on"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEMO_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = env_str("SITE_NAME", "Deliverology")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "deliverology.web.accounts",
    "deliverology.web.performance",
    "deliverology.web.priorities",
    "deliverology.web.diagnostics",
    "deliverology.web.subtargets",
    "deliverology.web.strategy",
    "deliverology.web.chains",
    "deliverology.web.assessments",
    "deliverology.web.problems",
    "deliverology.web.health",
    "deliverology.web.plans",
    "deliverology.web.routines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "deliverology.web.accounts.sessions.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "deliverology.web.urls"
WSGI_APPLICATION = "deliverology.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "deliverology.web.jinja2.environment",
            "extensions": ["jinja2.ext.i18n"],
            "autoescape": True,
        },
    },
    {
        # The Django admin and the auth forms' widgets use Django templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Library templates overridden to pass the Content Security Policy (no inline styles).
        "DIRS": [BASE_DIR / "admin_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]
FORM_RENDERER = "django.forms.renderers.DjangoTemplates"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'deliverology.sqlite3'}"),
        conn_max_age=int(env_str("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# How long a write on SQLite waits for another's (an import's) before giving up: long enough
# for an import's write, shorter than gunicorn's timeout (gunicorn_conf.py).
SQLITE_BUSY_TIMEOUT = float(env_str("SQLITE_BUSY_TIMEOUT", "45"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,  # the busy timeout, in seconds
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "deliverology.web.accounts.hashers.Argon2idHasher",  # docs/operating.md: its cost
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("DELIVEROLOGY_FAST_HASHER", False):
    # Tests only: argon2 is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes) on every form that checks a password: the login page, the
# admin's, and the admin's password change (accounts.views). After AXES_FAILURE_LIMIT failures
# the account is locked for AXES_COOLOFF_TIME hours (0: until the delivery unit unlocks it with
# `deliverology manage axes_reset_username NAME`).
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked account is refused
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_number("AXES_FAILURE_LIMIT", "5", int, minimum=1)
AXES_COOLOFF_TIME = timedelta(hours=env_number("AXES_COOLOFF_TIME", "0.5", float)) or None
# "username", "ip_address", or both joined with "+" to lock that pair only.
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part
    for part in env_list("AXES_LOCKOUT_PARAMETERS", "username")
]
# Behind a proxy every request carries the proxy's address, so locking by address by default
# would lock everyone out; add ip_address to the parameters where the app sees clients' own.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
CSRF_FAILURE_VIEW = "deliverology.web.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session ends after this long without a request (accounts/sessions.py keeps it alive while used).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 8 * 60) * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS, usually ended at a proxy in front of the app (docs/operating.md, "Production settings").
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer may check health over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The header a trusted proxy sets to "https" for requests that reached it over HTTPS.
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
# Pages are rendered on the server with inline SVG charts: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it before collectstatic runs
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "deliverology",
    },
    # Rendered charts, shared by every gunicorn process and kept across restarts: files in the
    # data folder, keyed by the chart's content (web/chart_cache.py). A random third goes
    # when DELIVEROLOGY_CHART_CACHE_ENTRIES is reached.
    "charts": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "charts",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": env_number("DELIVEROLOGY_CHART_CACHE_ENTRIES", "10000", int, 1)},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # A refused (403) or missing (404) page is the app working: logged without a traceback.
    "filters": {"expected": {"()": "deliverology.web.errors.ExpectedRefusalFilter"}},
    "loggers": {"django.request": {"filters": ["expected"]}},
}

# Long work (imports) runs in the background: `deliverology worker` (started by `serve`) runs it.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
UPLOAD_DIR = DATA_DIR / "uploads"
# Where metrics are computed from record-level files: "duckdb" (this machine) or "spark".
DELIVEROLOGY_ENGINE = env_str("DELIVEROLOGY_ENGINE", "duckdb")
if DELIVEROLOGY_ENGINE not in ("duckdb", "spark"):
    raise ImproperlyConfigured(
        f"DELIVEROLOGY_ENGINE must be 'duckdb' or 'spark', not {DELIVEROLOGY_ENGINE!r}"
    )
# An import still "running" that has not reported progress for this long is shown as
# interrupted (on the machine that ran it, as soon as its process has gone).
DELIVEROLOGY_IMPORT_SILENT_HOURS = float(env_str("DELIVEROLOGY_IMPORT_SILENT_HOURS", "6"))
# The most values an import puts in one statement: SQLite builds may allow as few as 999.
DELIVEROLOGY_IMPORT_BATCH_SIZE = int(env_str("DELIVEROLOGY_IMPORT_BATCH_SIZE", "999"))
# The memory a record-level import may use for its figures, in megabytes: DuckDB gets half
# (spilling to disk beyond it), the chunks of figures written to the database a quarter.
DELIVEROLOGY_IMPORT_MEMORY_MB = float(env_str("DELIVEROLOGY_IMPORT_MEMORY_MB", "1024"))
# The background worker says it is alive this often; /healthz answers 503 when it has been
# silent for longer than DELIVEROLOGY_WORKER_SILENT_SECONDS, or a queued job has waited longer
# than DELIVEROLOGY_QUEUE_WAIT_SECONDS.
DELIVEROLOGY_WORKER_HEARTBEAT_SECONDS = float(
    env_str("DELIVEROLOGY_WORKER_HEARTBEAT_SECONDS", "10")
)
DELIVEROLOGY_WORKER_SILENT_SECONDS = float(env_str("DELIVEROLOGY_WORKER_SILENT_SECONDS", "120"))
DELIVEROLOGY_QUEUE_WAIT_SECONDS = float(env_str("DELIVEROLOGY_QUEUE_WAIT_SECONDS", "300"))
# Files larger than this (in megabytes) are refused before they are read, uploaded or given to
# `deliverology import`; a compressed DHIS2 export may open to UNPACKED_RATIO (10) times it.
DELIVEROLOGY_MAX_UPLOAD_MB = float(env_str("DELIVEROLOGY_MAX_UPLOAD_MB", "200"))
# Uploaded files are kept this many days (and while their import is unfinished), then pruned.
DELIVEROLOGY_UPLOAD_KEEP_DAYS = int(env_str("DELIVEROLOGY_UPLOAD_KEEP_DAYS", "90"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads stream to a temporary file
FILE_UPLOAD_HANDLERS = [
    "deliverology.web.performance.uploads.SizeLimitedUpload",  # stops past the limit above
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DELIVEROLOGY_TODAY = env_str("DELIVEROLOGY_TODAY", "")  # fixes "today" for demos and tests

# E-mail (routines' notifications and reminders): printed to the console unless EMAIL_BACKEND
# names Django's SMTP backend ("django.core.mail.backends.smtp.EmailBackend") with EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS (docs/settings.md).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_number("EMAIL_PORT", "25", int, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "deliverology@localhost")
# The address links in e-mails start with (the site as people reach it).
DELIVEROLOGY_SITE_URL = env_str("DELIVEROLOGY_SITE_URL", "http://localhost:8000").rstrip("/")
