"""Packaging for {{ cookiecutter.project_name }}: the one place its runtime dependencies are declared."""

from setuptools import find_packages, setup

setup(
    name="{{ cookiecutter.project_slug }}",
    version="{{ cookiecutter.version }}",
    description="{{ cookiecutter.description }}",
    author="{{ cookiecutter.author_name }}",
    author_email="{{ cookiecutter.author_email }}",
{%- if cookiecutter.license != "Proprietary" %}
    license="{{ cookiecutter.license }}",
{%- endif %}
    python_requires=">={{ cookiecutter.python_version }}",
    package_dir={"": "src"},
    packages=find_packages("src"),
    # Files beside the code (templates, .sql, .json, ...) ship too: MANIFEST.in says which.
    include_package_data=True,
    # Runtime dependencies, loosely bounded; `invoke lock` pins them in requirements/base.txt.
{%- set postgres = cookiecutter.database == "postgres" %}
{%- if cookiecutter.framework == "none" and not postgres %}
    install_requires=[],
{%- else %}
    install_requires=[
{%- if cookiecutter.framework == "flask" %}
        "flask>=3.0",
        "gunicorn>=25.1",
{%- elif cookiecutter.framework == "django" %}
        "django>=5.2",
        "gunicorn>=25.1",
        # Serves the collected static files from the service itself (no web server in front).
        "whitenoise>=6.9",
{%- elif cookiecutter.framework == "fastapi" %}
        "fastapi>=0.110",
        # gunicorn runs uvicorn's workers: it forks them (a faster start than uvicorn's own
        # spawned workers) and keeps TCP_NODELAY on their connections (uvicorn#3149).
        "gunicorn>=25.1",
        "uvicorn>=0.36",
        "uvicorn-worker>=0.4",
{%- endif %}
{%- if postgres %}
        # PostgreSQL's driver; the binary extra brings libpq in its wheel (no compiler, no apt).
        "psycopg[binary]>=3.2",
{%- if cookiecutter.framework == "django" %}
        # DATABASE_URL as Django's DATABASES.
        "dj-database-url>=2.3",
{%- else %}
        # The migrations the release step applies (`alembic upgrade head`).
        "alembic>=1.16",
{%- endif %}
{%- endif %}
    ],
{%- endif %}
    # The image's entrypoint (src/servicehost): it serves the app pyproject.toml names.
    entry_points={"console_scripts": ["{{ cookiecutter.project_slug }} = servicehost.command:main"]},
)
