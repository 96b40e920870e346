"""
Settings of the sandbox: a simulated Open edX LMS running the mandatory_assignments plugin.

Environment: ``DATABASE_URL`` (``sqlite:///path`` or ``mysql://user:pass@host:port/db``), ``EMAIL_BACKEND``,
``EMAIL_FILE_PATH``, ``EMAIL_HOST``/``EMAIL_PORT``, ``CELERY_BROKER_URL`` (unset: tasks run eagerly),
``SANDBOX_SECRET_KEY``, ``SANDBOX_DEBUG``; ``MANDATORY_ASSIGNMENTS_TICK_SECONDS`` and
``MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS`` (whole seconds; unset: the plugin's defaults — the
integration tests run the worker with a short tick and lease); ``MANDATORY_ASSIGNMENTS_SCOPE`` (the demo's
"site").
"""

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
REPO_ROOT = BASE_DIR.parent

# The simulated platform packages (``common``, ``lms``, ``openedx``) are importable at their real paths.
PLATFORM_DIR = str(BASE_DIR / "platform")
if PLATFORM_DIR not in sys.path:
    sys.path.insert(0, PLATFORM_DIR)

from sandbox import plugins  # noqa: E402 -- needs the platform path

SECRET_KEY = os.environ.get("SANDBOX_SECRET_KEY", "sandbox-insecure-secret-key-for-local-use-only")
DEBUG = os.environ.get("SANDBOX_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]


def _database_from_url(url):
    """
    A Django ``DATABASES`` entry from ``sqlite:///path`` or ``mysql://user:pass@host:port/name``.

    As in SQLAlchemy, ``sqlite:///var/demo.sqlite3`` is relative to the repository and
    ``sqlite:////abs/path.sqlite3`` absolute.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)[1:]  # what follows the third slash
        if not path:
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(REPO_ROOT, path))}
    if parsed.scheme in ("mysql", "mariadb"):
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 3306),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or mysql://)")


DATABASES = {
    "default": _database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{REPO_ROOT}/var/sandbox.sqlite3"))
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DATABASES["default"]["NAME"] != ":memory:":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "waffle",
    "eventtracking.django.apps.EventTrackingConfig",
    "edx_ace",
    "completion",
    # The simulated LMS.
    "common.djangoapps.student.apps.StudentConfig",
    "common.djangoapps.course_modes.apps.CourseModesConfig",
    "openedx.core.djangoapps.content.course_overviews.apps.CourseOverviewsConfig",
    "openedx.core.djangoapps.course_groups.apps.CourseGroupsConfig",
    "openedx.core.djangoapps.user_api.apps.UserAPIConfig",
    "openedx.core.djangoapps.site_configuration.apps.SiteConfigurationConfig",
    "lms.djangoapps.grades.apps.GradesConfig",
    "lms.djangoapps.certificates.apps.CertificatesConfig",
    "lms.djangoapps.teams.apps.TeamsConfig",
    "lms.djangoapps.support.apps.SupportConfig",
    # Plugin apps, as the LMS adds them from their entry points.
    *plugins.PLUGIN_APP_CONFIGS,
    "sandbox.apps.SandboxConfig",
]

MIDDLEWARE = [
    "edx_django_utils.cache.middleware.RequestCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sites.middleware.CurrentSiteMiddleware",
    "crum.CurrentRequestUserMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sandbox.views.platform_context",
            ],
        },
    },
]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sandbox"}}

# Internationalisation: the LMS's defaults, with a few languages to try the plugin's translations.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(REPO_ROOT / "var" / "static")

SITE_ID = 1
SITE_NAME = "127.0.0.1:8000"
LMS_ROOT_URL = "http://127.0.0.1:8000"
LMS_BASE = "127.0.0.1:8000"
PLATFORM_NAME = "Sandbox LMS"
CONTACT_EMAIL = "support@sandbox.example.com"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
FEATURES = {}
# The mode of a course that defines none (the LMS's lms/envs/common.py value).
COURSE_MODE_DEFAULTS = {
    "slug": "audit",
    "name": "Audit",
    "min_price": 0,
    "suggested_prices": "",
    "currency": "usd",
    "expiration_datetime": None,
}

# Email: the demo writes messages to files a person can read; tests get Django's locmem backend.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(REPO_ROOT / "var" / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@sandbox.example.com")

# edx-ace: its Django email channel for every message; plugins append their policies.
ACE_ENABLED_CHANNELS = ["django_email"]
ACE_CHANNEL_DEFAULT_EMAIL = "django_email"
ACE_CHANNEL_TRANSACTIONAL_EMAIL = "django_email"
ACE_ENABLED_POLICIES = []

# edx-completion emits eventtracking events: a tracker without backends swallows them.
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {}
EVENT_TRACKING_PROCESSORS = []

# openedx-filters pipelines; plugins append their steps.
OPEN_EDX_FILTERS_CONFIG = {}

# Celery: eager unless a broker is configured; the beat schedule comes from CELERYBEAT_SCHEDULE.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERYBEAT_SCHEDULE = {}

# REST: session and JWT authentication as in the LMS.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication",
        "edx_rest_framework_extensions.auth.session.authentication.SessionAuthenticationAllowInactiveUser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
JWT_ISSUER = f"{LMS_ROOT_URL}/oauth2"
JWT_AUDIENCE = "sandbox-lms"
JWT_SECRET_KEY = "sandbox-jwt-secret-for-local-use-only-0123456789"
JWT_AUTH = {
    "JWT_ALGORITHM": "HS256",
    "JWT_AUDIENCE": JWT_AUDIENCE,
    "JWT_ISSUER": JWT_ISSUER,
    "JWT_SECRET_KEY": JWT_SECRET_KEY,
    "JWT_ISSUERS": [{"AUDIENCE": JWT_AUDIENCE, "ISSUER": JWT_ISSUER, "SECRET_KEY": JWT_SECRET_KEY}],
    "JWT_PUBLIC_SIGNING_JWK_SET": None,
    "JWT_AUTH_COOKIE": "edx-jwt-cookie",
    "JWT_AUTH_COOKIE_HEADER_PAYLOAD": "edx-jwt-cookie-header-payload",
    "JWT_AUTH_COOKIE_SIGNATURE": "edx-jwt-cookie-signature",
    "JWT_AUTH_HEADER_PREFIX": "JWT",
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_VERIFY_AUDIENCE": True,
    "JWT_LEEWAY": 0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The platform packages' notes about what a real LMS configures and the sandbox leaves out (New Relic,
    # Sailthru, push notifications, a Celery broker) are dropped by name; everything else still shows.
    "filters": {"platform_noise": {"()": "sandbox.log_filters.DropPlatformNoise"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["platform_noise"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SANDBOX_LOG_LEVEL", "INFO")},
    "loggers": {
        "learning_paths": {"level": "WARNING"},
        # Django's own records once (its default config gives "django" a console handler of its own too),
        # and runserver's request lines as Django prints them.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # Celery's "Task ... succeeded" line for every eager task (the tick prints its own summary).
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Plugin settings the operator may give in the environment (read before the plugin's defaults apply, so
# that the beat schedule the plugin registers uses the tick given here).
for _name in ("MANDATORY_ASSIGNMENTS_TICK_SECONDS", "MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS"):
    if os.environ.get(_name):
        globals()[_name] = int(os.environ[_name])
# The demo runs with company scoping on (MANDATORY_ASSIGNMENTS_SCOPE=site, set by `make demo`).
if os.environ.get("MANDATORY_ASSIGNMENTS_SCOPE"):
    MANDATORY_ASSIGNMENTS_SCOPE = os.environ["MANDATORY_ASSIGNMENTS_SCOPE"]

# Plugin settings, applied as the LMS applies them from its common settings.
plugins.add_plugin_settings(sys.modules[__name__], "common")

# Celery reads its beat schedule from the LMS's setting, now that plugins have added to it.
CELERY_BEAT_SCHEDULE = CELERYBEAT_SCHEDULE
