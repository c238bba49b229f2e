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
{%- if cookiecutter.framework == "flask" %}
    install_requires=[
        "flask>=3.0",
        "gunicorn>=25.1",
    ],
{%- elif cookiecutter.framework == "django" %}
    install_requires=[
        "django>=5.2",
        "gunicorn>=25.1",
        # Serves the collected static files from the service itself (no web server in front).
        "whitenoise>=6.9",
    ],
{%- elif cookiecutter.framework == "fastapi" %}
    install_requires=[
        "fastapi>=0.110",
        "uvicorn>=0.29",
    ],
{%- else %}
    install_requires=[],
{%- endif %}
    # The image's entrypoint (src/servicehost): it serves the app pyproject.toml names.
    entry_points={"console_scripts": ["{{ cookiecutter.project_slug }} = servicehost.command:main"]},
)
