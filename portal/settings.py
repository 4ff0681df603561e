"""Settings for the Multichannel Partner Portal.

Everything that differs between machines comes from the environment (see the README's table).
With nothing set, the portal runs on an embedded SQLite file, which is what a newcomer wants.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

# Where emails point to (e.g. https://portal.example.com); else the address of the request.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_countries",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "multichannel",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # user.is_verified(): the session's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "multichannel.middleware.RequestContextMiddleware",
    "multichannel.middleware.SessionLimitsMiddleware",
    # Password, then the second factor (or enrolling one), then a forced password change.
    "multichannel.middleware.SecondFactorRequiredMiddleware",
    "multichannel.middleware.PasswordChangeRequiredMiddleware",
    # Axes turns a lockout into its response; it must come last.
    "axes.middleware.AxesMiddleware",
]

# Tests turn this on: a page that loads related rows one by one (N+1) then fails (django-zeal).
if env_bool("PORTAL_DETECT_N_PLUS_ONE", False):
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "zeal.middleware.zeal_middleware"
    )
    ZEAL_RAISE = True

# Benchmarks turn this on: each response says how many SQL queries it took (X-Query-Count).
PORTAL_QUERY_COUNT_HEADER = env_bool("PORTAL_QUERY_COUNT_HEADER", False)
if PORTAL_QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(0, "multichannel.middleware.QueryCountMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "multichannel.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query it estimates as costly to machine code first (JIT). For the
    # short queries of a web page that compilation costs more than it saves: sorting 20,000
    # customers by their subscription count took 1.07 s with it and 0.35 s without.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------------------------
# Several processes must share state: Redis when REDIS_URL is set, else the database.

REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            # The sign-in limits keep a few keys per address and email (throttle.py): room
            # enough that a flood of new ones does not push out the counts that stop it.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Idle sessions end after 30 minutes (the expiry slides while the user is active);
# no session outlives 12 hours from sign-in, however active.
SESSION_COOKIE_AGE = 30 * 60
PORTAL_SESSION_MAX_AGE = timedelta(hours=12)
PORTAL_SESSION_TOUCH_INTERVAL = timedelta(seconds=60)
SESSION_COOKIE_NAME = "portal_session"
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication -----------------------------------------------------------------------------

AUTH_USER_MODEL = "multichannel.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "multichannel.auth.PortalBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "multichannel.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# django-axes: five failures for one email from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "multichannel.auth.axes_username"
AXES_CLIENT_IP_CALLABLE = "multichannel.current_request.client_ip_of"
AXES_LOCKOUT_CALLABLE = "multichannel.views.auth.locked_out"
# A sign-in is complete only after its second factor: the failures (wrong passwords and wrong
# codes alike) are forgiven then, not when the password alone was right (multichannel/mfa.py).
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# One account failing this many sign-ins within an hour, from any addresses, is slowed down:
# from an address or browser it never signed in from, a sign-in waits PORTAL_ACCOUNT_DELAY after
# the last failure, twice as long after each further one, up to PORTAL_ACCOUNT_DELAY_MAX.
PORTAL_ACCOUNT_FAILURE_LIMIT = 10
PORTAL_ACCOUNT_DELAY = timedelta(seconds=30)
PORTAL_ACCOUNT_DELAY_MAX = timedelta(minutes=15)
# Activity entries written an hour for requests by nobody signed in, per address (throttle.py).
PORTAL_ANONYMOUS_ENTRIES_PER_HOUR = 30

# Multi-factor sign-in (django-otp): authenticator apps (TOTP, 30-second steps, one step of
# tolerance either side) show this name beside the account.
OTP_TOTP_ISSUER = "Partner Portal"
# A wrong code makes the next one wait 1, 2, 4 ... seconds (per device); django-axes locks the
# sign-in after AXES_FAILURE_LIMIT failures of either step.
OTP_TOTP_THROTTLE_FACTOR = 1

# django-guardian: object permissions; no anonymous user object.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# --- Security -----------------------------------------------------------------------------------

HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append the address they saw to X-Forwarded-For; the client's
# address (activity log, sign-in lockouts) is then the one the outermost of them saw.
TRUSTED_PROXIES = max(0, env_int("TRUSTED_PROXIES", 0))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "multichannel.views.errors.csrf_failure"

# A strict Content Security Policy: nothing inline, nothing from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Static files -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed file names in production (after collectstatic); plain names where
# collectstatic has not run (development and tests).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Uploaded files ----------------------------------------------------------------------------
# Support-request attachments: outside the web root, served only through a view that checks who
# asks. With several machines, point this at a shared volume.
PORTAL_ATTACHMENTS_DIR = env_str("PORTAL_ATTACHMENTS_DIR", str(BASE_DIR / "var" / "attachments"))
PORTAL_ATTACHMENT_MAX_BYTES = env_int("PORTAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email --------------------------------------------------------------------------------------

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partner Portal <no-reply@partner-portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Forms and UI -------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
