"""The `{{ cookiecutter.project_slug }}` command: what the image runs, and its health check."""

import argparse
import sys
{%- if cookiecutter.framework != "none" %}
import urllib.request
{%- endif %}

from {{ cookiecutter.package_name }} import __version__, store
from {{ cookiecutter.package_name }}.config import Settings, configure_logging


def init_db(settings):
    """Create the database in DATA_DIR and exit (`serve` does it too, on every start)."""
    print(f"Database ready in {settings.data_dir}.")
    return 0


def serve(settings):
{%- if cookiecutter.framework == "flask" %}
    """Serve the app with gunicorn (a production WSGI server) on HOST:PORT."""
    from {{ cookiecutter.package_name }}.app import GunicornServer

    GunicornServer(settings).run()
{%- elif cookiecutter.framework == "fastapi" %}
    """Serve the app with uvicorn (a production ASGI server) on HOST:PORT."""
    import uvicorn

    uvicorn.run(
        "{{ cookiecutter.package_name }}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=True,
    )
{%- else %}
    """Run the worker loop until SIGTERM or SIGINT."""
    from {{ cookiecutter.package_name }}.worker import Worker

    Worker(settings).run()
{%- endif %}
    return 0


def healthcheck(settings):
{%- if cookiecutter.framework != "none" %}
    """Exit 0 when /healthz answers 200 (Docker's HEALTHCHECK runs this)."""
    url = f"http://127.0.0.1:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            healthy = response.status == 200
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
{%- else %}
    """Exit 0 when the worker's heartbeat is recent (Docker's HEALTHCHECK runs this)."""
    from {{ cookiecutter.package_name }}.worker import heartbeat_age

    age = heartbeat_age(settings)
    healthy = age is not None and age < 3 * settings.interval
    if not healthy:
        print(f"unhealthy: no heartbeat in {settings.heartbeat_file} for {age} s", file=sys.stderr)
{%- endif %}
    return 0 if healthy else 1


def main(argv=None):
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = {"serve": serve, "healthcheck": healthcheck, "init-db": init_db}
    for name, command in run.items():
        commands.add_parser(name, help=command.__doc__)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    configure_logging(settings)
    if args.command != "healthcheck":  # the commands that keep state check DATA_DIR first
        problem = store.data_dir_problem(settings.data_dir)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        store.init_db(settings)
    return run[args.command](settings)
