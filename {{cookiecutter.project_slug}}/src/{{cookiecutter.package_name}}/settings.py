"""The example Django project's settings, from the environment, so that one image runs in every
environment (README.md lists the variables). The service host finds this module through
pyproject.toml's [tool.servicehost] app (wsgi.py names it), for every command and for pytest."""

import os
from pathlib import Path
{%- if cookiecutter.database == "postgres" %}

import dj_database_url
{%- endif %}


def env_list(name, default):
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The project's root: /app in the image and in the dev loop.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
# The one directory the service writes its state to (the image's data volume).
DATA_DIR = Path(os.environ.get("DATA_DIR", "/data"))

# Set SECRET_KEY in every real deployment: this default only lets the image run out of the box,
# and anyone can sign sessions and tokens with it.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-change-me-set-SECRET_KEY")
# Off unless DEBUG is 1 (or true, yes, on); the dev loop turns it on (compose.yaml).
DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
# The host names the service answers to; the health endpoint answers before Django checks them.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
# Origins trusted for unsafe requests over HTTPS, e.g. https://example.com (CSRF).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # django.contrib.admin is left out: add it here and to urls.py, and collectstatic ships its
    # static files (over a megabyte) in the layer every code change rebuilds.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The example app (delete it with the example: README.md, "Bring your existing app").
    "visits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files, right after SecurityMiddleware as WhiteNoise asks.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
{%- if cookiecutter.database == "postgres" %}
    # 503 while the database does not answer, instead of a 500.
    "{{ cookiecutter.package_name }}.middleware.DatabaseUnavailable",
{%- endif %}
]

ROOT_URLCONF = "{{ cookiecutter.package_name }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.package_name }}.wsgi.application"

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
            ],
        },
    },
]

{% if cookiecutter.database == "postgres" -%}
# PostgreSQL at DATABASE_URL (the service host checks it and puts in the password from
# DATABASE_PASSWORD_FILE); the release step (`django-admin migrate`) migrates it. Connections
# are kept for a minute and checked before reuse. Without DATABASE_URL (the build steps) there
# is no database.
DATABASES = (
    {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
    if os.environ.get("DATABASE_URL")
    else {}
)
{%- else -%}
# SQLite in DATA_DIR; the release step (`django-admin migrate`) creates and migrates it. Writers
# take the lock when their transaction begins and wait for each other, up to the timeout.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
{%- endif %}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Static files: the image build's collectstatic (pyproject.toml's build-steps) copies them to
# static/ at the project's root, outside src/ and DATA_DIR, with hashed names and compressed
# copies that WhiteNoise serves; with DEBUG off a page needs them collected. In the dev loop
# (DEBUG on) WhiteNoise serves them from the apps' static/ directories instead.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Everything logs to stdout, where `docker logs` and every log collector look.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    # Django's own loggers reach stdout through the root logger, with DEBUG on or off.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}
